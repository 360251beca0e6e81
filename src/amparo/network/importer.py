"""``amparo reports import``: JSON Lines in, one report per line; a bad line is reported with
its number and skipped, every good one is kept (each in its own savepoint)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from amparo.errors import N_, AmparoError, InvalidInput
from amparo.network.service import IndicatorIn, ReportIn
from amparo.store.types import utcnow

if TYPE_CHECKING:
    from amparo.network import bulk

MAX_LINE_BYTES = 1_000_000
FIELDS = frozenset(
    {
        "external_id",
        "text",
        "narrative",
        "reported_at",
        "channel",
        "category",
        "amount",
        "amount_paid",
        "currency",
        "place",
        "sharing",
        "indicators",
    }
)


class LineError(InvalidInput):
    """What is wrong with one line of an import (translated when shown)."""


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # a public list's rows that found the report of an earlier import, and rows repeating a
    # number given earlier in the same file
    updated: int = 0
    unchanged: int = 0
    repeated: int = 0


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # Skip the rest of an over-long line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES + 1)
            yield number, b"\x00too-long"
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            # "UTF-8" as Notepad and Excel save it; ``import-list`` and ``check --jsonl``
            # already read it (the first line was refused as "not JSON (column 1)")
            raw = raw[len(codecs.BOM_UTF8) :]
        yield number, raw


def parse_line(raw: bytes) -> ReportIn:
    if raw == b"\x00too-long":
        raise LineError(N_("The line is longer than %(n)d bytes."), n=MAX_LINE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LineError(N_("The line is not UTF-8.")) from None
    try:
        data: Any = json.loads(text, parse_float=Decimal)  # 20000.5 exactly, not a float
    except json.JSONDecodeError as exc:
        raise LineError(N_("The line is not JSON (column %(column)d)."), column=exc.colno) from None
    if not isinstance(data, dict):
        raise LineError(N_("A line must be a JSON object."))
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise LineError(N_("Unknown field(s): %(fields)s."), fields=", ".join(unknown)[:200])
    for name in (
        "external_id",
        "text",
        "narrative",
        "channel",
        "category",
        "currency",
        "place",
        "sharing",
    ):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise LineError(N_("'%(name)s' must be a string."), name=name)
    for name in ("amount", "amount_paid"):
        if data.get(name) is not None and not isinstance(data[name], int | float | Decimal | str):
            raise LineError(N_("'%(name)s' must be a number."), name=name)
        if isinstance(data.get(name), bool):
            raise LineError(N_("'%(name)s' must be a number."), name=name)
    indicators = data.get("indicators") or []
    if not isinstance(indicators, list):
        raise LineError(N_("'indicators' must be a list of {type, value} objects."))
    given = []
    for item in indicators:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("type"), str)
            and isinstance(item.get("value"), str | int)
        ):
            raise LineError(N_("Each indicator must be an object with a 'type' and a 'value'."))
        given.append(IndicatorIn(item["type"], str(item["value"])))
    reported_at = None
    if data.get("reported_at") is not None:
        reported_at = parse_timestamp(data["reported_at"])
    # A JSON number is a number; a string is read as people write amounts ("20.000,50").
    amount, paid = (_number(data.get(name)) for name in ("amount", "amount_paid"))
    return ReportIn(
        external_id=data.get("external_id"),
        text=data.get("text"),
        narrative=data.get("narrative"),
        reported_at=reported_at,
        channel=data.get("channel") or "other",
        category=(data.get("category") or None),
        amount=amount,
        amount_paid=paid,
        currency=data.get("currency"),
        place=data.get("place"),
        sharing=data.get("sharing") or "own",
        indicators=tuple(given),
    )


def _number(value: object) -> str | Decimal | None:
    if value is None or isinstance(value, str | Decimal):
        return value
    return Decimal(str(value))  # an int, or a float (NaN, Infinity) the service refuses


def parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise LineError(N_("'reported_at' must be an ISO 8601 date, e.g. 2026-11-29."))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LineError(N_("'reported_at' must be an ISO 8601 date, e.g. 2026-11-29.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def import_reports(
    *,
    session: Session,
    org_id: int,
    stream: IO[bytes],
    region: str | None = None,
    gettext: Callable[[str], str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    pool_after: int | None = None,
    batch_size: int | None = None,
    on_commit: Callable[[Session, int, int], None] | None = None,
) -> ImportResult:
    """Import JSON Lines in batches (``amparo.network.bulk``), committing after each batch.

    ``workers`` helper processes prepare the lines once more than ``pool_after`` were read
    (default: one per core, after 20,000 lines); a batch holds ``batch_size`` lines (2,000).
    ``on_commit(session, imported, skipped)`` runs in each batch's transaction, just before it
    commits (the audit trail: an import that dies half-way leaves a record of every batch that
    landed).
    """
    from amparo.network import bulk, warninglist

    result = ImportResult()
    seen: set[str] = set()
    # The warning list is read once, here: the helper processes get it with their batches.
    warnings = warninglist.effective(session)
    analysed = 0

    def lines() -> Iterator[tuple[int, bytes]]:
        for number, raw in read_lines(stream):
            if progress:
                progress(len(raw))
            if raw.strip():
                yield number, raw

    with (
        bulk.fewer_collections(),
        bulk.Preparer(
            region,
            bulk.default_workers() if workers is None else workers,
            bulk.POOL_AFTER if pool_after is None else pool_after,
            warnings,
        ) as preparer,
    ):
        for prepared in preparer.run(bulk.read_batches(lines(), batch_size or bulk.BATCH)):
            imported, skipped = result.imported, len(result.errors)
            good: list[bulk.ReportRow] = []
            for item in prepared:
                if isinstance(item, bulk.LineFailure):
                    result.errors.append((item.line, item.render(gettext)))
                    continue
                if item.external_id is not None:
                    if item.external_id in seen:
                        error = LineError(
                            N_("The external id '%(id)s' repeats an earlier line."),
                            id=item.external_id[:60],
                        )
                        result.errors.append((item.line, error.render(gettext)))
                        continue
                    seen.add(item.external_id)
                good.append(item)
            _write(session, org_id, good, result, gettext)
            if on_commit is not None:
                on_commit(session, result.imported - imported, len(result.errors) - skipped)
            session.commit()
            if result.imported >= 2 * analysed + 5_000:
                # The planner's statistics of a table that grew from little to much in minutes
                # say it is small: without a new count, the next batches and every look-up
                # scan whole tables (120 ms instead of 4 ms per look-up at 30,000 reports).
                bulk.analyse(session)
                analysed = result.imported
    if result.imported > analysed:
        bulk.analyse(session)
    result.errors.sort()
    return result


def _write(
    session: Session,
    org_id: int,
    rows: list[bulk.ReportRow],
    result: ImportResult,
    gettext: Callable[[str], str] | None,
) -> None:
    """One batch in one savepoint; if the database refuses it (a conflict with a report stored
    by someone else at the same moment), each line again in its own."""
    from amparo.network import bulk

    try:
        with session.begin_nested():
            written = bulk.write_batch(session, org_id=org_id, rows=rows)
    except bulk.REFUSED:
        written = bulk.Written({}, [])
        for row in rows:
            try:
                with session.begin_nested():
                    one = bulk.write_batch(session, org_id=org_id, rows=[row])
            except bulk.REFUSED:
                error = LineError(
                    N_("The line conflicts with a report stored at the same time; import it again.")
                )
                result.errors.append((row.line, error.render(gettext)))
                continue
            written.ids.update(one.ids)
            written.failures.extend(one.failures)
    result.imported += len(written.ids)
    result.errors.extend((f.line, f.render(gettext)) for f in written.failures)


MAX_FEED_LINES = 5_000_000


def import_partner_feed(
    *,
    session: Session,
    org_id: int,
    stream: IO[bytes],
    partner: str,
    key: bytes,
    gettext: Callable[[str], str] | None = None,
    before_commit: Callable[[Session, ImportResult], None] | None = None,
) -> ImportResult:
    """Replace a partner hub's hashed feed (the output of ``amparo export --format hashed`` on
    their side): lines ``{"type", "hmac", "reports"?, "last_seen"?}``. The key is the one shared
    with that hub; it is kept (encrypted) so look-ups can hash a value the same way."""
    from sqlalchemy import delete, insert, select

    from amparo.network.fields import TYPES
    from amparo.network.models import PartnerFeed, PartnerHash

    if len(key) < 32:
        raise InvalidInput(
            N_("A feed key needs at least 32 bytes (for example 64 hexadecimal characters)."),
            field="key",
        )
    if not 0 < len(partner.strip()) <= 100:
        raise InvalidInput(N_("Name the partner hub (1 to 100 characters)."), field="partner")
    result = ImportResult()
    rows: list[dict[str, object]] = []
    for number, raw in read_lines(stream):
        if not raw.strip():
            continue
        try:
            data = _feed_line(raw, TYPES)
        except AmparoError as exc:
            result.errors.append((number, exc.render(gettext)))
            continue
        rows.append(data)
        if len(rows) > MAX_FEED_LINES:
            raise InvalidInput(N_("A feed may hold at most %(n)d lines."), n=MAX_FEED_LINES)
    feed = session.scalar(
        select(PartnerFeed).where(PartnerFeed.org_id == org_id, PartnerFeed.partner == partner)
    )
    if feed is None:
        feed = PartnerFeed(org_id=org_id, partner=partner.strip(), key=key.hex())
        session.add(feed)
        session.flush()
    else:
        feed.key = key.hex()
        feed.imported_at = utcnow()
        session.execute(delete(PartnerHash).where(PartnerHash.feed_id == feed.id))
    for start in range(0, len(rows), 5000):
        session.execute(
            insert(PartnerHash), [{"feed_id": feed.id, **row} for row in rows[start : start + 5000]]
        )
    result.imported = len(rows)
    if before_commit is not None:
        before_commit(session, result)
    session.commit()
    return result


def _feed_line(raw: bytes, types: frozenset[str]) -> dict[str, object]:
    import re

    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LineError(N_("The line is not JSON (column %(column)d)."), column=1) from None
    if not isinstance(data, dict):
        raise LineError(N_("A line must be a JSON object."))
    kind, digest = data.get("type"), data.get("hmac")
    if (
        kind not in types
        or not isinstance(digest, str)
        or not re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        raise LineError(N_("A feed line needs a known 'type' and a 64-character hex 'hmac'."))
    reports = data.get("reports", 1)
    if not isinstance(reports, int) or isinstance(reports, bool) or not 0 < reports < 10**9:
        reports = 1
    last_seen = data.get("last_seen")
    if not (isinstance(last_seen, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", last_seen)):
        last_seen = None
    return {"type": kind, "hmac": digest, "reports": reports, "last_seen": last_seen}
