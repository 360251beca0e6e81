"""Organisations, people, roles, API tokens, log-in sessions and the audit log."""
