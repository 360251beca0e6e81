"""When the next check-in is due, and when its absence becomes an alarm.

A traveller checks in every N minutes, or at fixed local times ("08:00,20:00" in their time
zone). ``alarm_at`` = due time + grace is the one indexed column the scheduler reads; a planned
silence pushes the due time to the end of the silence, and the schedule resumes by itself.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from amparo.errors import N_, InvalidInput
from amparo.safety.models import Traveller

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_TIMES = 6


def parse_times(spec: str) -> tuple[tuple[int, int], ...]:
    """``"08:00, 20:00"`` → ((8, 0), (20, 0)); sorted, distinct, at most six a day."""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    found: set[tuple[int, int]] = set()
    for part in parts:
        match = _TIME.match(part)
        if not match:
            raise InvalidInput(
                N_("Check-in times are written HH:MM, separated by commas, e.g. 08:00,20:00."),
                field="times",
            )
        found.add((int(match[1]), int(match[2])))
    if not 1 <= len(found) <= MAX_TIMES:
        raise InvalidInput(N_("Between 1 and 6 check-in times a day."), field="times")
    return tuple(sorted(found))


def parse_timezone(name: str) -> ZoneInfo:
    if name not in _zones():
        raise InvalidInput(
            N_("Unknown time zone; use a name such as America/Tegucigalpa."), field="timezone"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        raise InvalidInput(
            N_("Unknown time zone; use a name such as America/Tegucigalpa."), field="timezone"
        ) from exc


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None


def next_due(traveller: Traveller, after: datetime) -> datetime | None:
    """The next time a check-in is expected after ``after`` (a check-in, or enrolment)."""
    if traveller.checkin_every_minutes:
        return after + timedelta(minutes=traveller.checkin_every_minutes)
    if traveller.checkin_times:
        zone = ZoneInfo(traveller.timezone)
        local = after.astimezone(zone)
        times = parse_times(traveller.checkin_times)
        for day in range(0, 2):
            date = (local + timedelta(days=day)).date()
            for hour, minute in times:
                candidate = datetime.combine(date, time(hour, minute), tzinfo=zone)
                # Checking in shortly before a fixed time counts for it: the next one is due.
                if candidate > local + timedelta(minutes=traveller.grace_minutes):
                    return candidate
        return None  # pragma: no cover - two days always hold a slot
    return None


def reschedule(traveller: Traveller, now: datetime) -> None:
    """Set ``next_due_at`` and ``alarm_at`` after a check-in (or enrolment) at ``now``."""
    due = next_due(traveller, now)
    if traveller.silenced_until and traveller.silenced_until > now:
        # "No signal until Thursday": nothing is expected before then.
        due = traveller.silenced_until if due is None else max(due, traveller.silenced_until)
    traveller.next_due_at = due
    traveller.alarm_at = due + timedelta(minutes=traveller.grace_minutes) if due else None
