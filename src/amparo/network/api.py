"""REST: record reports, list clusters, and "has this number been reported?"."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.accounts.models import Scope
from amparo.accounts.service import Principal
from amparo.errors import N_, NotAuthenticated, RateLimited
from amparo.indicators import shown_reason
from amparo.network import partner_links, remote_hubs, reports, service
from amparo.network import schemas as s
from amparo.network.models import Category, Channel, PartnerLink, Report, ReportStatus, Sharing
from amparo.regions import checked_region
from amparo.store.types import utcnow
from amparo.web.deps import (
    MAX_ID,
    OPTIONAL_TOKEN,
    GettextDep,
    IdPath,
    OriginDep,
    PartnerHubScheme,
    SessionDep,
    SettingsDep,
    client_key,
    optional_principal,
    requires,
)
from amparo.web.problems import problem_responses

logger = logging.getLogger(__name__)
router = APIRouter(tags=["networks"])

Writer = Annotated[Principal, Depends(requires(Scope.REPORTS_WRITE))]
Reader = Annotated[Principal, Depends(requires(Scope.REPORTS_READ))]


def _out(session: Session, org_id: int, report: Report) -> s.ReportOut:
    network = service.network_of(session, org_id=org_id, report=report)
    return s.ReportOut(
        id=report.id,
        external_id=report.external_id,
        cluster_id=network.id if network else None,
        status=report.status.value,
        indicators=[
            s.MentionOut(
                type=m.indicator.type,
                display=m.display,
                start=m.start,
                end=m.end,
                warning=m.indicator.warning is not None,
            )
            for m in report.mentions
        ],
    )


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=s.ReportOut,
    summary="Record an extortion report; its indicators are extracted and linked",
)
def create_report(
    body: s.ReportCreate, session: SessionDep, principal: Writer, origin: OriginDep
) -> s.ReportOut:
    org_id = principal.require_org()
    data = service.ReportIn(
        text=body.text,
        narrative=body.narrative,
        external_id=body.external_id,
        reported_at=body.reported_at,
        channel=body.channel,
        category=body.category,
        amount=body.amount,
        amount_paid=body.amount_paid,
        currency=body.currency,
        place=body.place,
        victim=body.victim,
        sharing=body.sharing,
        indicators=tuple(service.IndicatorIn(i.type, i.value) for i in body.indicators),
    )
    report = service.create_report(
        session=session, org_id=org_id, data=data, region=checked_region(body.region)
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="report.create",
        origin=origin,
        target=audit.Target("report", report.id, {"indicators": len(report.mentions)}),
    )
    session.refresh(report)
    return _out(session, org_id, report)


@router.get(
    "/reports",
    response_model=s.ReportPage,
    summary="Reports you may read, newest first, with filters (offset paging)",
)
def list_reports(
    session: SessionDep,
    principal: Reader,
    status: Annotated[ReportStatus | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    category: Annotated[
        Category | Literal["unknown"] | None,
        Query(description="A kind, or `unknown` for reports without one (as the trends say)."),
    ] = None,
    since: date | None = None,
    until: date | None = None,
    cluster_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Reports of the network with this `cluster_id`."),
    ] = None,
    indicator: Annotated[str | None, Query(max_length=500)] = None,
    own: bool = False,
    region: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=reports.MAX_PER_PAGE)] = 50,
) -> s.ReportPage:
    filters = reports.ReportFilters(
        status=status,
        channel=channel,
        category=category,
        since=since,
        until=until,
        cluster_id=cluster_id,
        indicator=indicator,
        own_only=own,
        region=checked_region(region),
    )
    found = reports.list_reports(
        session=session,
        org_id=principal.require_org(),
        filters=filters,
        page=page,
        per_page=per_page,
    )
    return s.ReportPage(
        items=[
            s.ReportSummary(
                **{
                    **row.__dict__,
                    "amount": _money(row.amount),
                    "amount_paid": _money(row.amount_paid),
                }
            )
            for row in found.items
        ],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


def _money(value: object) -> str | None:
    return None if value is None else str(value)


@router.get(
    "/reports/{report_id}",
    response_model=s.ReportRead,
    summary="One report: all of it for its organisation, indicators and dates for others",
)
def read_report(
    report_id: IdPath, session: SessionDep, principal: Reader, origin: OriginDep
) -> s.ReportRead:
    org_id = principal.require_org()
    report = reports.get_report(session=session, org_id=org_id, report_id=report_id)
    own = report.org_id == org_id
    if own:  # its personal data is decrypted for the reader
        audit.record(
            session=session,
            actor=audit.Actor.of(principal),
            action="report.read",
            origin=origin,
            target=audit.Target("report", report.id),
        )
    return read_model(session, org_id, report)


def read_model(session: SessionDep, org_id: int, report: Report) -> s.ReportRead:
    fields = reports.report_fields(session, report, org_id=org_id)
    return s.ReportRead(
        **{
            **fields,
            "amount": _money(fields["amount"]),
            "amount_paid": _money(fields["amount_paid"]),
        },
        indicators=[
            s.ReportMention(**{**m, "warning": m["warning"] is not None})
            for m in reports.mention_fields(session=session, org_id=org_id, report=report)
        ],
    )


@router.patch(
    "/reports/{report_id}",
    response_model=s.ReportOut,
    summary="Change a report; new text or indicators relink it (audited)",
)
def update_report(
    report_id: IdPath,
    body: s.ReportUpdate,
    session: SessionDep,
    principal: Writer,
    origin: OriginDep,
) -> s.ReportOut:
    org_id = principal.require_org()
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"region"})
    if changes.get("indicators") is not None:
        changes["indicators"] = [
            service.IndicatorIn(i["type"], i["value"]) for i in changes["indicators"]
        ]
    report = reports.update_report(
        session=session,
        org_id=org_id,
        report_id=report_id,
        changes=changes,
        region=checked_region(body.region),
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="report.update",
        origin=origin,
        target=audit.Target("report", report.id, {"fields": sorted(changes)}),
    )
    session.refresh(report)
    return _out(session, org_id, report)


def _status_change(
    session: Session, principal: Principal, origin: audit.Origin, report_id: int, action: str
) -> s.ReportOut:
    report = reports.change_status(
        session=session, org_id=principal.require_org(), report_id=report_id, action=action
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action=f"report.{action}",
        origin=origin,
        target=audit.Target("report", report.id),
    )
    return _out(session, principal.require_org(), report)


@router.post(
    "/reports/{report_id}/close",
    response_model=s.ReportOut,
    summary="Close a report: the case is handled; it stays linked and counted",
)
def close_report(
    report_id: IdPath, session: SessionDep, principal: Writer, origin: OriginDep
) -> s.ReportOut:
    return _status_change(session, principal, origin, report_id, "close")


@router.post(
    "/reports/{report_id}/reopen",
    response_model=s.ReportOut,
    summary="Reopen a closed report",
)
def reopen_report(
    report_id: IdPath, session: SessionDep, principal: Writer, origin: OriginDep
) -> s.ReportOut:
    return _status_change(session, principal, origin, report_id, "reopen")


@router.post(
    "/reports/{report_id}/retract",
    response_model=s.ReportOut,
    summary="Retract a report: it leaves its cluster and every look-up at once",
)
def retract_report(
    report_id: IdPath, session: SessionDep, principal: Writer, origin: OriginDep
) -> s.ReportOut:
    return _status_change(session, principal, origin, report_id, "retract")


@router.delete(
    "/reports/{report_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a report: it leaves its cluster (which splits if it was the bridge)",
)
def delete_report(
    report_id: IdPath, session: SessionDep, principal: Writer, origin: OriginDep
) -> None:
    org_id = principal.require_org()
    service.delete_report(session=session, org_id=org_id, report_id=report_id)
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="report.delete",
        origin=origin,
        target=audit.Target("report", report_id),
    )


@router.get(
    "/reports/{report_id}/sharing",
    response_model=s.SharingPreviewOut,
    summary="Preview who would read a report, and what, at a sharing level",
)
def sharing_preview(
    report_id: IdPath,
    session: SessionDep,
    principal: Writer,
    level: Annotated[Sharing, Query()],
) -> s.SharingPreviewOut:
    preview = service.preview_sharing(
        session=session, org_id=principal.require_org(), report_id=report_id, level=level
    )
    return s.SharingPreviewOut(**preview.__dict__)


@router.put(
    "/reports/{report_id}/sharing",
    response_model=s.ReportOut,
    summary="Share a report with nobody, your partners or the whole network",
)
def change_sharing(
    report_id: IdPath,
    body: s.SharingChange,
    session: SessionDep,
    principal: Writer,
    origin: OriginDep,
) -> s.ReportOut:
    org_id = principal.require_org()
    report = service.set_sharing(
        session=session, org_id=org_id, report_id=report_id, level=body.level
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="report.sharing",
        origin=origin,
        target=audit.Target("report", report.id, {"level": body.level}),
    )
    return _out(session, org_id, report)


@router.get("/clusters", response_model=list[s.ClusterOut], summary="Clusters of linked reports")
def list_clusters(
    session: SessionDep,
    principal: Reader,
    _: GettextDep,
    min_size: Annotated[int, Query(ge=1, le=1000)] = 2,
    limit: Annotated[int, Query(ge=1, le=1000, description="The largest clusters first.")] = 200,
) -> list[s.ClusterOut]:
    org_id = principal.require_org()
    ids, _total = service.cluster_candidates(session, org_id=org_id, min_size=min_size, limit=limit)
    views = service.clusters_for(session=session, org_id=org_id, min_size=min_size, cluster_ids=ids)
    views.sort(key=lambda v: (-len(v.report_ids), v.id))
    return [
        s.ClusterOut(
            cluster_id=v.id,
            report_ids=v.report_ids,
            external_ids=v.external_ids,
            indicators=[
                s.ClusterIndicator.model_validate(
                    {**i, "warning": shown_reason(str(i["warning"]), _)} if i.get("warning") else i
                )
                for i in v.indicators
            ],
            first_seen=v.first_seen,
            last_seen=v.last_seen,
            channels=v.channels,
            categories=v.categories,
            places=[s.PlaceCount(place=place, reports=n) for place, n in v.places],
            demanded=v.demanded,
            paid=v.paid,
            piece=v.piece,
            pieces=v.pieces,
            other_pieces=v.other_pieces,
        )
        for v in views
    ]


@router.get(
    "/trends",
    response_model=s.TrendsOut,
    summary="Reports per week or month: by category and channel, amounts, new networks",
)
def trends(
    session: SessionDep,
    principal: Reader,
    since: date,
    until: date,
    bucket: Annotated[str, Query(pattern="^(week|month)$")] = "week",
) -> s.TrendsOut:
    found = reports.trends(
        session=session, org_id=principal.require_org(), since=since, until=until, bucket=bucket
    )
    return s.TrendsOut(
        bucket=found.bucket,
        since=found.since,
        until=found.until,
        periods=[
            s.PeriodOut(
                start=p.start,
                reports=p.reports,
                categories=p.categories,
                channels=p.channels,
                demanded={k: str(v) for k, v in p.demanded.items()},
                paid={k: str(v) for k, v in p.paid.items()},
                networks=p.networks,
            )
            for p in found.periods
        ],
    )


def _member(request: Request, session: SessionDep) -> Principal | None:
    principal = optional_principal(request, session)
    if principal is not None:
        principal.require(Scope.REPORTS_READ)
    return principal


@router.get(
    "/lookup",
    response_model=s.LookupOut,
    response_model_exclude_none=True,
    summary="Has this phone number, account, card, profile … been reported?",
    openapi_extra=OPTIONAL_TOKEN,
    responses=problem_responses(403, 429),
)
def lookup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: GettextDep,
    value: Annotated[str, Query(min_length=1, max_length=500)],
    region: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
) -> s.LookupOut:
    member = _member(request, session)
    if member is None:
        # Anonymous: rate-limited, coarse, and blind to the last day's reports, so probing
        # teaches an extortioner little about whether a number was just reported.
        request.app.state.rate_limiter.hit(
            settings.lookup_rate_limit, f"lookup:{client_key(request)}"
        )
        found = service.lookup(
            session,
            value,
            org_id=None,
            region=checked_region(region),
            older_than=utcnow() - timedelta(hours=settings.lookup_anonymous_delay_hours),
        )
        return s.LookupOut(
            type=found.type,
            value=found.value,
            reported=found.reported > 0,
            times=service.bucket(found.reported),
            warning=shown_reason(found.warning, _) if found.warning else None,
            ambiguous_with=found.ambiguous_with,
        )
    found = remote_hubs.lookup(
        session,
        value,
        org_id=member.require_org(),
        region=checked_region(region),
        timeout=settings.remote_hub_timeout_seconds,
    )
    return s.LookupOut(
        type=found.type,
        value=found.value,
        reported=found.reported > 0,
        times=service.bucket(found.reported),
        count=found.reported,
        first_seen=found.first_seen,
        last_seen=found.last_seen,
        cluster_size=found.cluster_size,
        categories=found.categories,
        warning=shown_reason(found.warning, _) if found.warning else None,
        ambiguous_with=found.ambiguous_with,
        partners=[p.__dict__ for p in found.partners],
        unreachable=found.unreachable,
    )


def _partner_hub(
    request: Request, session: SessionDep, _scheme: PartnerHubScheme = None
) -> PartnerLink:
    """The partner hub asking, from ``Authorization: Bearer amph_…`` (a hub token from
    ``amparo admin partner-link add``, not a person's API token)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthenticated(
            N_("This needs a partner hub token: 'Authorization: Bearer amph_…'.")
        )
    return partner_links.link_for_token(session=session, secret=credentials.strip())


PartnerHubDep = Annotated[PartnerLink, Depends(_partner_hub)]


@router.post(
    "/partner/lookup",
    response_model=s.PartnerLookupOut,
    summary="A partner hub asks, by keyed hash only, how often values were reported here",
    responses=problem_responses(429),
)
def partner_lookup(
    body: s.PartnerLookupIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    link: PartnerHubDep,
    origin: OriginDep,
) -> s.PartnerLookupOut:
    # Counted in values asked, not calls: 100 values per call must not multiply the allowance.
    try:
        request.app.state.rate_limiter.hit(
            settings.partner_lookup_rate_limit,
            f"partner-lookup:{link.id}",
            cost=len(body.items),
        )
    except RateLimited:
        logger.warning("partner hub link %d is over its look-up limit", link.id)
        raise
    answers = partner_links.answer(
        session=session, link=link, items=[(i.type, i.hmac) for i in body.items]
    )
    audit.record(
        session=session,
        actor=audit.Actor(type="partner_hub", id=link.id, org_id=link.org_id),
        action="partner.lookup",
        origin=origin,
        target=audit.Target(
            "partner_link",
            link.id,
            {"items": len(answers), "found": sum(1 for a in answers if a.reports)},
        ),
    )
    return s.PartnerLookupOut(items=[s.PartnerAnswer(**a.__dict__) for a in answers])
