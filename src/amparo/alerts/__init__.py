"""Durable alerts: an outbox written with the event, delivered through apprise by the worker."""
