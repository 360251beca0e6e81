"""Traveller safety: enrolment, trusted contacts, check-ins, SOS, duress and escalation."""
