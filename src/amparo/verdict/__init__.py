"""The family's one answer: joins message triage (and, as they land, number look-ups, photo
evidence and the traveller's last check-in). Every face — page, API, bot, CLI — calls this."""
