"""``amparo reports import-list``: a public list of extortion numbers (an authority's, as CSV)
in, one report per number shared with the whole network."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.errors import N_, AmparoError
from amparo.indicators import WarningList
from amparo.network import fields, reports, service, warninglist
from amparo.network.importer import ImportResult, LineError, parse_timestamp
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus
from amparo.network.service import IndicatorIn, ReportIn

VALUE_COLUMNS = ("value", "phone", "number", "numero", "número", "telefono", "teléfono")
CATEGORY_COLUMNS = ("category", "categoría", "categoria")
TYPE_COLUMNS = ("type", "tipo")
DELIMITERS = (",", ";", "\t")  # Excel writes ";" where "," is the decimal mark (es, pt, fr)


def import_list(
    *,
    session: Session,
    org_id: int,
    stream: IO[bytes],
    source: str,
    region: str | None = None,
    gettext: Callable[[str], str] | None = None,
    before_commit: Callable[[Session, ImportResult], None] | None = None,
) -> ImportResult:
    """A public list of numbers (an authority's list of extortion numbers, as CSV with a header
    row): each number becomes one report shared with the whole network, from ``source``.

    Columns: the value (``value``, ``phone``, ``number``, ``numero`` …), and optionally ``type``
    or ``tipo`` (default phone), ``reported_at``, ``category`` or ``categoría``; separated by
    ``,``, ``;`` or tabs (whichever the header uses most). A number is one report however it is
    written: rows are matched on the canonical value (``55 4433 2211``, ``(55) 4433-2211`` and
    ``+52 1 55 4433 2211`` are one number), within the file and against what the same list
    imported before, so importing a list again brings its reports up to date (a category or
    date the row gives) instead of adding them twice. A report someone retracted stays
    retracted. Bad rows are reported with their line numbers and skipped.
    """
    result = ImportResult()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
        delimiter = max(DELIMITERS, key=first.count)
        reader = csv.DictReader(itertools.chain([first], text), delimiter=delimiter)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except (UnicodeDecodeError, csv.Error):
        result.errors.append((1, LineError(N_("The file is not UTF-8 CSV.")).render(gettext)))
        return result
    column = next((c for c in VALUE_COLUMNS if c in header), None)
    if column is None:
        message = LineError(
            N_("The CSV needs a column with the values (%(names)s)."),
            names=", ".join(VALUE_COLUMNS[:4]),
        )
        result.errors.append((1, message.render(gettext)))
        return result
    category_column = next((c for c in CATEGORY_COLUMNS if c in header), None)
    type_column = next((c for c in TYPE_COLUMNS if c in header), None)
    reader.fieldnames = header
    prefix = f"list:{source[:60]}:"
    listed = _listed(session, org_id, prefix)
    warnings = warninglist.effective(session)  # read once: each row has its own savepoint
    seen: set[tuple[str, str]] = set()
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            value = (row.get(column) or "").strip()
            if not value:
                continue
            try:
                kind = ((row.get(type_column) if type_column else None) or "phone").strip().lower()
                canonical, _display = fields.normalise(
                    kind, value, region=region, warnings=warnings
                )
                key = (kind, service.indicator_key(kind, canonical))
                if key in seen:
                    result.repeated += 1
                    continue
                category = ((row.get(category_column) if category_column else None) or "").strip()
                given = row.get("reported_at")
                reported_at = parse_timestamp(given.strip()) if given and given.strip() else None
                with session.begin_nested():
                    new = key not in listed
                    if new:
                        listed[key] = service.create_report(
                            session=session,
                            org_id=org_id,
                            data=ReportIn(
                                # the value's keyed hash: the same however it is written, and
                                # no number in the clear in a column that is not sealed
                                external_id=prefix + key[1][:32],
                                channel="other",
                                category=category or None,
                                reported_at=reported_at,
                                sharing="network",
                                indicators=(IndicatorIn(kind, value),),
                            ),
                            region=region,
                            warnings=warnings,
                        ).id
                    else:
                        _refresh(
                            session,
                            org_id,
                            listed[key],
                            category,
                            reported_at,
                            region,
                            result,
                            warnings,
                        )
            except AmparoError as exc:
                result.errors.append((line, exc.render(gettext)))
                continue
            seen.add(key)
            if new:
                result.imported += 1
    except (UnicodeDecodeError, csv.Error):
        result.errors.append((line + 1, LineError(N_("The line is not UTF-8.")).render(gettext)))
    if before_commit is not None:
        before_commit(session, result)
    session.commit()
    return result


def _listed(session: Session, org_id: int, prefix: str) -> dict[tuple[str, str], int]:
    """What this list imported before: ``(type, keyed hash) -> report``. Found by the values
    its reports mention, so reports from before external ids were canonical are found too."""
    rows = session.execute(
        select(IndicatorKey.type, IndicatorKey.key, Report.id)
        .join(Mention, Mention.indicator_id == IndicatorKey.id)
        .join(Report, Report.id == Mention.report_id)
        .where(
            Report.org_id == org_id,
            Report.external_id.startswith(prefix, autoescape=True),
            Mention.source == "field",
        )
        .order_by(Report.id)
    )
    found: dict[tuple[str, str], int] = {}
    for kind, key, report_id in rows:
        found.setdefault((kind, key), report_id)
    return found


def _refresh(
    session: Session,
    org_id: int,
    report_id: int,
    category: str,
    reported_at: datetime | None,
    region: str | None,
    result: ImportResult,
    warnings: WarningList,
) -> None:
    """A number the list gave before: what the row says now (an empty cell changes nothing)."""
    report = session.get_one(Report, report_id)
    changes: dict[str, object] = {}
    if category and category != report.category:
        changes["category"] = category
    if reported_at is not None and reported_at != report.reported_at:
        changes["reported_at"] = reported_at
    if not changes or report.status == ReportStatus.RETRACTED:
        result.unchanged += 1
        return
    reports.update_report(
        session=session,
        org_id=org_id,
        report_id=report_id,
        changes=changes,
        region=region,
        warnings=warnings,
    )
    result.updated += 1
