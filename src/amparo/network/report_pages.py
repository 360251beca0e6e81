"""The analysts' report pages (staff only, no JavaScript needed).

- ``/reportes``: the reports the organisation may read, with filters and pages.
- ``/reportes/nuevo`` and ``/reportes/{id}/editar``: the report form; errors beside their field.
- ``/reportes/{id}``: one report and its indicators; the text, narrative, place and victim only
  for the owning organisation. Close, reopen and retract are buttons (POST + CSRF).
- ``/tendencias``: reports per week or month, as a table and a bar chart drawn on the server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.accounts.models import Scope, User
from amparo.errors import N_, Conflict, InvalidInput
from amparo.i18n import Gettext
from amparo.indicators import WarningList
from amparo.network import money, reports, service, warninglist
from amparo.network.models import Report, ReportStatus
from amparo.network.names import CHANNEL_NAMES, TYPE_NAMES
from amparo.store.types import utcnow
from amparo.triage.present import CATEGORY_NAMES
from amparo.web.deps import (
    CsrfDep,
    GettextDep,
    IdPath,
    OriginDep,
    SessionDep,
    StaffDep,
    verify_csrf,
)
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)
STATUS_NAMES = {"open": N_("open"), "closed": N_("closed"), "retracted": N_("retracted")}
SHARING_NAMES = {
    "own": N_("Only my organisation"),
    "partners": N_("My organisation and its partner organisations"),
    "network": N_("Every organisation in the network"),
}
REGIONS = ("MX", "GT", "HN", "SV", "NI", "CR", "PA", "CO", "VE", "EC", "US")
CURRENCIES = ("MXN", "USD", "GTQ", "HNL", "NIO", "CRC", "COP", "EUR")
FIELDS = (
    "text",
    "narrative",
    "indicators",
    "reported_at",
    "channel",
    "category",
    "amount",
    "amount_paid",
    "currency",
    "place",
    "victim",
    "sharing",
    "region",
)
PER_PAGE = 25


class ReportForm(BaseModel):
    """The form as posted; the browser's limits are generous, the service says what is wrong."""

    csrf_token: str = Field(default="", max_length=128)
    text: str = Field(default="", max_length=40_000)
    narrative: str = Field(default="", max_length=40_000)
    indicators: str = Field(default="", max_length=100_000)
    reported_at: str = Field(default="", max_length=32)
    channel: str = Field(default="other", max_length=16)
    category: str = Field(default="", max_length=64)
    amount: str = Field(default="", max_length=32)
    amount_paid: str = Field(default="", max_length=32)
    currency: str = Field(default="", max_length=16)
    place: str = Field(default="", max_length=400)
    victim: str = Field(default="", max_length=4000)
    sharing: str = Field(default="own", max_length=16)
    region: str = Field(default="", max_length=2)


FormDep = Annotated[ReportForm, Form()]


def _names() -> dict[str, Any]:
    return {
        "type_names": TYPE_NAMES,
        "channel_names": CHANNEL_NAMES,
        "category_names": CATEGORY_NAMES,
        "status_names": STATUS_NAMES,
        "sharing_names": SHARING_NAMES,
        "unknown_category": reports.UNKNOWN_CATEGORY,
    }


def _can_write(user: User) -> bool:
    return Scope.REPORTS_WRITE in accounts_service.principal_for_user(user).scopes


def _writer(user: User) -> int:
    accounts_service.principal_for_user(user).require(Scope.REPORTS_WRITE)
    assert user.org_id is not None
    return user.org_id


def _actor(user: User) -> audit.Actor:
    return audit.Actor(type="user", id=user.id, org_id=user.org_id)


# -- the form ------------------------------------------------------------------------------------


def _values(report: Report | None) -> dict[str, str]:
    """What the form shows: a report's current values, or a new report's defaults."""
    if report is None:
        today = utcnow().date().isoformat()
        return {name: "" for name in FIELDS} | {
            "channel": "other",
            "sharing": "own",
            "reported_at": today,
        }
    return {
        "text": report.text or "",
        "narrative": report.narrative or "",
        "indicators": "\n".join(
            f"{m.indicator.type}:{m.value}" for m in report.mentions if m.source == "field"
        ),
        "reported_at": report.reported_at.date().isoformat(),
        "channel": report.channel.value,
        "category": report.category or "",
        "amount": "" if report.amount_demanded is None else str(report.amount_demanded),
        "amount_paid": "" if report.amount_paid is None else str(report.amount_paid),
        "currency": report.currency or "",
        "place": report.place or "",
        "victim": report.victim or "",
        "sharing": report.sharing.value,
        "region": "",
    }


def _parse(form: ReportForm, region: str | None, warnings: WarningList) -> dict[str, Any]:
    """The posted form as the service's field values (``None`` for an empty field)."""
    values: dict[str, Any] = {
        name: (getattr(form, name).strip() or None)
        for name in ("narrative", "category", "amount", "amount_paid", "currency")
    }
    values["text"] = form.text.strip() or None
    values["channel"] = form.channel
    values["sharing"] = form.sharing
    values["place"] = " ".join(form.place.split()) or None
    values["victim"] = form.victim.strip() or None
    values["reported_at"] = _day(form.reported_at)
    values["indicators"] = _indicators(form.indicators, region, warnings)
    return values


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(N_("Write the date as YYYY-MM-DD."), field="reported_at") from None
    if day > utcnow().date():
        raise InvalidInput(N_("The date cannot be in the future."), field="reported_at")
    return day


def _when(day: date | None) -> datetime:
    """A day as a moment: now for today, midday UTC for an earlier day."""
    now = utcnow()
    if day is None or day == now.date():
        return now
    return datetime.combine(day, time(12), tzinfo=UTC)


def _indicators(text: str, region: str | None, warnings: WarningList) -> list[service.IndicatorIn]:
    """One value per line, ``TYPE:VALUE`` or as written (identified like a look-up)."""
    found: list[service.IndicatorIn] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            kind, canonical, _others = service.identify(line, region=region, warnings=warnings)
        except InvalidInput as exc:
            exc.field = "indicators"
            raise
        found.append(service.IndicatorIn(kind, canonical))
    return found


def _form_errors(
    form: ReportForm,
    region: str | None,
    warnings: WarningList,
    first: InvalidInput,
    report: Report | None = None,
) -> list[InvalidInput]:
    """Every problem of the posted form at once, one per field (the service stops at the
    first): ``first`` is the one it gave. Editing ``report``, what it keeps as stored is not
    checked (``reports.KEPT_AS_STORED``), as the edit itself does not."""
    errors: list[InvalidInput] = []
    day: date | None = None
    indicators: tuple[service.IndicatorIn, ...] = ()
    try:
        day = _day(form.reported_at)
    except InvalidInput as exc:
        errors.append(exc)
    try:
        indicators = tuple(_indicators(form.indicators, region, warnings))
    except InvalidInput as exc:
        errors.append(exc)
        # unreadable, but given: "a report needs a text, a narrative or indicators" would be
        # wrong
        indicators = (service.IndicatorIn("", ""),)
    data = service.ReportIn(
        text=form.text.strip() or None,
        narrative=form.narrative.strip() or None,
        indicators=indicators,
        reported_at=_when(day) if day else None,
        channel=form.channel,
        category=form.category.strip() or None,
        amount=form.amount.strip() or None,
        amount_paid=form.amount_paid.strip() or None,
        currency=form.currency.strip() or None,
        place=" ".join(form.place.split()) or None,
        victim=form.victim.strip() or None,
        sharing=form.sharing,
    )
    if report is not None:
        stored = {"category": report.category, "place": report.place, "victim": report.victim}
        kept: dict[str, Any] = {
            n: None for n in reports.KEPT_AS_STORED if getattr(data, n) == stored[n]
        }
        data = dataclasses.replace(data, **kept)
    errors.extend(service.field_errors(data))
    fields = {e.field for e in errors}
    return errors if first.field in fields else [first, *errors]


def _region(form: ReportForm) -> str | None:
    return form.region if form.region in REGIONS else None


def _form_page(
    request: Request,
    *,
    report: Report | None,
    values: dict[str, str],
    session: Session,
    org_id: int,
    problems: Sequence[InvalidInput] = (),
    gettext: Gettext | None = None,
) -> Response:
    errors: dict[str, str] = {}
    for exc in problems:
        errors.setdefault(exc.field if exc.field in FIELDS else "", exc.render(gettext))
    return render(
        request,
        "report_form.html",
        {
            "report": report,
            "form": values,
            "errors": errors,
            "regions": REGIONS,
            "currencies": CURRENCIES,
            # who would read it at each level: seen before saving
            "audience": service.sharing_audience(session, org_id),
            **_names(),
        },
        status=problems[0].status if problems else 200,
    )


@router.get("/reportes/nuevo")
def new_report_form(request: Request, user: StaffDep, session: SessionDep) -> Response:
    org_id = _writer(user)
    return _form_page(
        request,
        report=None,
        values=_values(None),
        session=session,
        org_id=org_id,
    )


@router.post("/reportes/nuevo")
def new_report(
    request: Request,
    user: StaffDep,
    session: SessionDep,
    origin: OriginDep,
    _: GettextDep,
    form: FormDep,
) -> Response:
    verify_csrf(request, form.csrf_token)
    org_id = _writer(user)
    region = _region(form)
    warnings = warninglist.effective(session)
    try:
        values = _parse(form, region, warnings)
        data = service.ReportIn(**{**values, "reported_at": _when(values["reported_at"])})
        report = service.create_report(session=session, org_id=org_id, data=data, region=region)
    except InvalidInput as exc:
        return _form_page(
            request,
            report=None,
            values=form.model_dump(),
            session=session,
            org_id=org_id,
            problems=_form_errors(form, region, warnings, exc),
            gettext=_,
        )
    audit.record(
        session=session,
        actor=_actor(user),
        action="report.create",
        origin=origin,
        target=audit.Target("report", report.id, {"indicators": len(report.mentions)}),
    )
    return RedirectResponse(f"/reportes/{report.id}", status_code=303)


@router.get("/reportes/{report_id}/editar")
def edit_report_form(
    request: Request, report_id: IdPath, user: StaffDep, session: SessionDep
) -> Response:
    org_id = _writer(user)
    report = _editable(session, org_id, report_id)
    return _form_page(
        request,
        report=report,
        values=_values(report),
        session=session,
        org_id=org_id,
    )


@router.post("/reportes/{report_id}/editar")
def edit_report(
    request: Request,
    report_id: IdPath,
    user: StaffDep,
    session: SessionDep,
    origin: OriginDep,
    _: GettextDep,
    form: FormDep,
) -> Response:
    verify_csrf(request, form.csrf_token)
    org_id = _writer(user)
    report = _editable(session, org_id, report_id)
    region = _region(form)
    warnings = warninglist.effective(session)
    try:
        values = _parse(form, region, warnings)
        changes = _changed(report, values)
        if changes:
            reports.update_report(
                session=session, org_id=org_id, report_id=report_id, changes=changes, region=region
            )
    except InvalidInput as exc:
        return _form_page(
            request,
            report=report,
            values=form.model_dump(),
            session=session,
            org_id=org_id,
            problems=_form_errors(form, region, warnings, exc, report),
            gettext=_,
        )
    if changes:
        audit.record(
            session=session,
            actor=_actor(user),
            action="report.update",
            origin=origin,
            target=audit.Target("report", report_id, {"fields": sorted(changes)}),
        )
    return RedirectResponse(f"/reportes/{report_id}", status_code=303)


def _editable(session: SessionDep, org_id: int, report_id: int) -> Report:
    report = service._own(session, org_id, report_id)
    if report.status == ReportStatus.RETRACTED:
        raise Conflict(N_("A retracted report cannot be changed."))
    return report


def _changed(report: Report, values: dict[str, Any]) -> dict[str, Any]:
    """Only what differs, so an untouched text is not re-read and the audit names real changes."""
    current: dict[str, Any] = {
        "text": report.text,
        "narrative": report.narrative,
        "channel": report.channel.value,
        "category": report.category,
        "currency": report.currency,
        "place": report.place,
        "victim": report.victim,
        "sharing": report.sharing.value,
    }
    changes = {k: values[k] for k, v in current.items() if values[k] != v}
    if "currency" in changes and money.currency(changes["currency"]) == report.currency:
        del changes["currency"]  # "pesos" for MXN is no change
    for name, amount in (("amount", report.amount_demanded), ("amount_paid", report.amount_paid)):
        if money.parse_amount(values[name], name) != amount:
            changes[name] = values[name]
    if values["reported_at"] is not None and values["reported_at"] != report.reported_at.date():
        changes["reported_at"] = _when(values["reported_at"])
    given = [(i.type, i.value) for i in values["indicators"]]
    if given != [(m.indicator.type, m.value) for m in report.mentions if m.source == "field"]:
        changes["indicators"] = values["indicators"]
    return changes


# -- one report, and what can be done with it ---------------------------------------------------


@router.get("/reportes/{report_id}")
def report_page(
    request: Request, report_id: IdPath, user: StaffDep, session: SessionDep, origin: OriginDep
) -> Response:
    assert user.org_id is not None
    report = reports.get_report(session=session, org_id=user.org_id, report_id=report_id)
    own = report.org_id == user.org_id
    if own:  # the text, narrative and victim are decrypted for this reader
        audit.record(
            session=session,
            actor=_actor(user),
            action="report.read",
            origin=origin,
            target=audit.Target("report", report.id),
        )
    return render(
        request,
        "report.html",
        {
            "report": reports.report_fields(session, report, org_id=user.org_id),
            "own": own,
            "can_write": own and _can_write(user),
            "mentions": reports.mention_fields(session=session, org_id=user.org_id, report=report),
            **_names(),
        },
    )


def _act(
    user: User, session: SessionDep, origin: OriginDep, report_id: int, action: str
) -> Response:
    reports.change_status(session=session, org_id=_writer(user), report_id=report_id, action=action)
    audit.record(
        session=session,
        actor=_actor(user),
        action=f"report.{action}",
        origin=origin,
        target=audit.Target("report", report_id),
    )
    return RedirectResponse(f"/reportes/{report_id}", status_code=303)


@router.post("/reportes/{report_id}/cerrar")
def close(
    report_id: IdPath, user: StaffDep, session: SessionDep, origin: OriginDep, _csrf: CsrfDep
) -> Response:
    return _act(user, session, origin, report_id, "close")


@router.post("/reportes/{report_id}/reabrir")
def reopen(
    report_id: IdPath, user: StaffDep, session: SessionDep, origin: OriginDep, _csrf: CsrfDep
) -> Response:
    return _act(user, session, origin, report_id, "reopen")


@router.post("/reportes/{report_id}/retirar")
def retract(
    report_id: IdPath, user: StaffDep, session: SessionDep, origin: OriginDep, _csrf: CsrfDep
) -> Response:
    return _act(user, session, origin, report_id, "retract")


# -- the list ------------------------------------------------------------------------------------


@router.get("/reportes")
def report_list(
    request: Request,
    user: StaffDep,
    session: SessionDep,
    _: GettextDep,
    status: str = "",
    channel: str = "",
    category: str = "",
    since: str = "",
    until: str = "",
    indicator: str = "",
    region: str = "",
    own: str = "",
    page: int = 1,
) -> Response:
    assert user.org_id is not None
    chosen = {
        "status": status[:16],
        "channel": channel[:16],
        "category": category[:32],
        "since": since[:10],
        "until": until[:10],
        "indicator": indicator[:500],
        "region": region if region in REGIONS else "",
        "own": "on" if own else "",
    }
    errors: dict[str, str] = {}
    found = reports.ReportPage([], 0, 1, PER_PAGE)
    try:
        filters = reports.ReportFilters(
            status=chosen["status"] or None,
            channel=chosen["channel"] or None,
            category=chosen["category"] or None,
            since=_filter_day(chosen["since"], "since"),
            until=_filter_day(chosen["until"], "until"),
            indicator=chosen["indicator"].strip() or None,
            own_only=bool(own),
            region=chosen["region"] or None,
        )
        found = reports.list_reports(
            session=session,
            org_id=user.org_id,
            filters=filters,
            page=max(1, min(page, 100_000)),
            per_page=PER_PAGE,
        )
    except InvalidInput as exc:
        errors[exc.field or ""] = exc.render(_)
    query = urlencode({k: v for k, v in chosen.items() if v})
    return render(
        request,
        "reports.html",
        {
            "found": found,
            "filters": chosen,
            "errors": errors,
            "query": query,
            "regions": REGIONS,
            "can_write": _can_write(user),
            **_names(),
        },
        status=422 if errors else 200,
    )


def _filter_day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("Write the date as YYYY-MM-DD."), field=field) from None


# -- trends --------------------------------------------------------------------------------------


@router.get("/tendencias")
def trends_page(
    request: Request,
    user: StaffDep,
    session: SessionDep,
    _: GettextDep,
    since: str = "",
    until: str = "",
    bucket: str = "week",
) -> Response:
    assert user.org_id is not None
    bucket = bucket if bucket in reports.BUCKETS else "week"
    errors: dict[str, str] = {}
    found = None
    try:
        last = _filter_day(until[:10], "until") or utcnow().date()
        default = last - timedelta(weeks=11) if bucket == "week" else _months_before(last, 11)
        first = _filter_day(since[:10], "since") or default
        found = reports.trends(
            session=session, org_id=user.org_id, since=first, until=last, bucket=bucket
        )
    except InvalidInput as exc:
        errors[exc.field or ""] = exc.render(_)
        first, last = utcnow().date(), utcnow().date()
    return render(
        request,
        "trends.html",
        {
            "found": found,
            "since": since[:10] or first.isoformat(),
            "until": until[:10] or last.isoformat(),
            "bucket": bucket,
            "errors": errors,
            "chart": _chart(found) if found else None,
            **_names(),
        },
        status=422 if errors else 200,
    )


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _chart(found: reports.Trends) -> dict[str, Any]:
    """Column geometry for an inline SVG: one bar per period, scaled to the busiest one, in a
    fixed-width drawing (many periods make thinner bars, not a longer, flatter chart)."""
    full, height, top, bottom = 480, 150, 20, 26
    width = max(4, full // max(len(found.periods), 1))
    gap = max(1, width // 6)
    every = -(-56 // width)  # a label needs ~56 units ("2026-03" or "03-09" at 13 px)
    most = max(found.most, 1)
    bars = []
    for n, period in enumerate(found.periods):
        tall = round(period.reports / most * height)
        label = (
            period.start.isoformat()[5:] if found.bucket == "week" else period.start.isoformat()[:7]
        )
        bars.append(
            {
                "x": n * width + gap,
                "y": top + height - tall,
                "w": width - 2 * gap,
                "h": tall,
                "count": period.reports if width >= 16 else 0,  # numbers fit on wide bars only
                "label": label if (len(found.periods) - 1 - n) % every == 0 else "",
                "title": period.start.isoformat(),
                "total": period.reports,
                "mid": n * width + width // 2,
            }
        )
    return {"bars": bars, "width": full, "height": top + height + bottom, "base": top + height}
