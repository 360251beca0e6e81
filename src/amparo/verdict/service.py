"""Assemble the answer to "is this message extortion?"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from amparo.indicators import Indicator, extract
from amparo.store.engine import READ_ONLY
from amparo.store.types import utcnow
from amparo.triage import Verdict, analyze


@dataclass(frozen=True)
class IndicatorSeen:
    """A number, account or profile in the message, and whether other families reported it
    (the anonymous, coarse answer of the reputation look-up)."""

    type: str
    display: str
    start: int
    end: int
    reported: bool
    times: str  # "0", "1", "2-5", "6+"
    warning: str | None


# A real message carries one to three numbers, accounts or profiles. A "message" of hundreds
# of numbers is someone using the check to look them up in bulk, past the look-up's own limit.
MAX_LOOKUPS_PER_CHECK = 5


def within_budget(
    items: Sequence[Indicator], spend: Callable[[int], bool]
) -> tuple[list[Indicator], int]:
    """The items a check may look up, and how many it may not: at most
    ``MAX_LOOKUPS_PER_CHECK``, each one paid for from the caller's look-up budget (``spend``
    says whether ``n`` more look-ups are allowed, and counts them if so). The verdict never
    depends on this: only the "already reported?" part is left out."""
    chosen = list(items[:MAX_LOOKUPS_PER_CHECK])
    if chosen and not spend(len(chosen)):
        chosen = []
    return chosen, len(items) - len(chosen)


def check_message(*, text: str, lang: str | None, country: str | None) -> Verdict:
    """Triage a message. Stores nothing: the text is not kept, logged or audited."""
    return analyze(text, lang=lang, country=country)


def to_look_up(text: str, *, country: str | None) -> list[Indicator]:
    """The message's numbers, accounts and profiles worth looking up: each value once, names
    left out (a name alone says too little, and looking names up would teach too much)."""
    items: list[Indicator] = []
    done: set[tuple[str, str]] = set()
    for item in extract(text, region=country, names=False):
        pair = (item.type.value, item.value)
        if pair in done:
            continue
        done.add(pair)
        items.append(item)
    return items


def indicators_seen(
    session: Session, items: Sequence[Indicator], *, delay_hours: int
) -> list[IndicatorSeen]:
    """Each indicator looked up as a stranger would: coarse, and blind to the last
    ``delay_hours`` of reports."""
    from amparo.network import service as network
    from amparo.network import warninglist

    older_than = utcnow() - timedelta(hours=delay_hours)
    listed = warninglist.effective(session)  # the deployment's entries too
    seen: list[IndicatorSeen] = []
    for found in items:
        item = listed.mark(found)
        # every reading of a number written without its country code: the one reported most
        count, warning = max(
            (
                network.times_reported(session, item.type.value, value, older_than=older_than)
                for value in (item.value, *item.candidates)
            ),
            key=lambda answer: answer[0],
        )
        seen.append(
            IndicatorSeen(
                type=item.type.value,
                display=item.display,
                start=item.start,
                end=item.end,
                reported=count > 0,
                times=network.bucket(count),
                warning=item.warning or warning,
            )
        )
    return seen


def indicators_seen_with(
    factory: sessionmaker[Session], items: Sequence[Indicator], *, delay_hours: int
) -> list[IndicatorSeen]:
    """:func:`indicators_seen` in a session of its own, in a transaction that only reads."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        return indicators_seen(session, items, delay_hours=delay_hours)
