"""Traveller safety over HTTP.

- Organisations (API token): enrol, status, new code card, the alert desk.
- The traveller, by their personal link key: check-in, SOS, cancel, "I'm safe", silence.
- Anyone with a card: check in by traveller number + one-time code (a borrowed phone).
- A contact, by a one-time link: acknowledge an alert, confirm themselves.

A duress PIN or code gets the same status, body and work as the real one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from amparo.accounts import audit
from amparo.accounts.models import Organisation, Scope
from amparo.accounts.service import Principal
from amparo.alerts import service as alerts_service
from amparo.alerts.models import AlertState
from amparo.safety import checkins
from amparo.safety import schemas as s
from amparo.safety import service as safety_service
from amparo.safety import status as safety_status
from amparo.safety.service import ContactIn
from amparo.settings import Settings
from amparo.web.deps import (
    OPTIONAL_TOKEN,
    AnonymousLimit,
    IdPath,
    OriginDep,
    SessionDep,
    SettingsDep,
    answers,
    optional_principal,
    requires,
)
from amparo.web.problems import problem_responses

router = APIRouter(tags=["safety"])

Writer = Annotated[Principal, Depends(requires(Scope.TRAVELLERS_WRITE))]
Reader = Annotated[Principal, Depends(requires(Scope.TRAVELLERS_READ))]
AlertReader = Annotated[Principal, Depends(requires(Scope.ALERTS_READ))]


@answers(403)
def self_enrolment_principal(request: Request, session: SessionDep) -> Principal | None:
    """Self-enrolment is anonymous; with a token, the traveller belongs to its organisation."""
    principal = optional_principal(request, session)
    if principal is not None:
        principal.require(Scope.TRAVELLERS_WRITE)
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(self_enrolment_principal)]


def _policy(settings: Settings) -> checkins.Policy:
    return checkins.Policy.of(settings)


@router.post(
    "/travellers",
    response_model=s.Enrolled,
    status_code=status.HTTP_201_CREATED,
    dependencies=[AnonymousLimit],
    summary="Enrol a traveller (anonymous self-enrolment, or an organisation's token)",
    openapi_extra=OPTIONAL_TOKEN,
)
def enrol(
    body: s.TravellerCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: MaybePrincipal,
    origin: OriginDep,
) -> s.Enrolled:
    org = session.get(Organisation, principal.org_id) if principal and principal.org_id else None
    traveller = safety_service.enrol_traveller(
        session=session,
        org=org,
        name=body.name,
        pin=body.pin,
        duress_pin=body.duress_pin,
        every_hours=body.every_hours,
        grace_minutes=body.grace_minutes,
        contacts=[
            ContactIn(level=c.level, channels=tuple(c.channels), name=c.name, language=c.language)
            for c in body.contacts
        ],
        language=body.language,
        nationality=body.nationality,
        consulate=body.consulate,
        route_notes=body.route_notes,
        checkin_times=body.times,
        timezone=body.timezone,
        escalation_minutes=body.escalation_minutes,
        family_consent=body.family_consent,
    )
    key = safety_service.issue_link_key(session=session, traveller=traveller)
    card = checkins.issue_card(session=session, traveller=traveller)
    audit.record(
        session=session,
        actor=audit.Actor.of(principal) if principal else audit.Actor(type="anonymous"),
        action="traveller.enrol",
        origin=origin,
        target=audit.Target("traveller", traveller.id, {"contacts": len(body.contacts)}),
    )
    return s.Enrolled(
        id=traveller.id,
        handle=traveller.handle,
        link=f"{settings.base_url.rstrip('/')}/t/{key}",
        card=s.CardRead.model_validate(card.to_dict()),
    )


@router.get(
    "/travellers/{traveller_id}",
    response_model=s.StatusRead,
    summary="A traveller's status (audited; precise location only during SOS or duress)",
)
def read_status(
    traveller_id: IdPath, session: SessionDep, principal: Reader, origin: OriginDep
) -> s.StatusRead:
    traveller = safety_service.get_traveller(
        session=session, traveller_id=traveller_id, org_id=principal.require_org()
    )
    seen = safety_status.status(
        session=session, traveller=traveller, actor=audit.Actor.of(principal), origin=origin
    )
    return s.StatusRead.model_validate(seen.to_dict())


@router.post(
    "/travellers/{traveller_id}/codes",
    response_model=s.CardRead,
    status_code=status.HTTP_201_CREATED,
    summary="A new card of one-time codes (the old card's unused codes stop working)",
)
def new_card(
    traveller_id: IdPath, session: SessionDep, principal: Writer, origin: OriginDep
) -> s.CardRead:
    traveller = safety_service.get_traveller(
        session=session, traveller_id=traveller_id, org_id=principal.require_org()
    )
    card = checkins.issue_card(session=session, traveller=traveller)
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="traveller.codes",
        origin=origin,
        target=audit.Target("traveller", traveller.id, {"card": card.number}),
    )
    return s.CardRead.model_validate(card.to_dict())


@router.post(
    "/t/{key}/checkin",
    response_model=s.Receipt,
    dependencies=[AnonymousLimit],
    summary="Check in with the PIN or a one-time code (the duress PIN answers the same)",
)
def check_in(
    key: str, body: s.CheckInRequest, session: SessionDep, settings: SettingsDep
) -> s.Receipt:
    traveller = safety_service.traveller_by_key(session=session, key=key)
    receipt = checkins.check_in(
        session=session,
        traveller=traveller,
        pin=body.pin,
        code=body.code,
        place=body.where,
        via="link",
        policy=_policy(settings),
    )
    return s.Receipt.model_validate(receipt.to_dict())


@router.post(
    "/checkin-code",
    response_model=s.Receipt,
    dependencies=[AnonymousLimit],
    summary="Check in from a borrowed phone: traveller number + one-time code",
    responses=problem_responses(404),
)
def check_in_with_code(
    body: s.CodeCheckInRequest, session: SessionDep, settings: SettingsDep
) -> s.Receipt:
    traveller = safety_service.traveller_by_handle(session=session, handle=body.handle)
    receipt = checkins.check_in(
        session=session,
        traveller=traveller,
        code=body.code,
        place=body.where,
        policy=_policy(settings),
    )
    return s.Receipt.model_validate(receipt.to_dict())


@router.post(
    "/t/{key}/sos",
    response_model=s.SosReceipt,
    dependencies=[AnonymousLimit],
    summary="SOS: every contact at once; again with a new location sends an update",
)
def sos(key: str, body: s.SosRequest, session: SessionDep, settings: SettingsDep) -> s.SosReceipt:
    traveller = safety_service.traveller_by_key(session=session, key=key)
    receipt = checkins.sos(
        session=session, traveller=traveller, location=body.location, policy=_policy(settings)
    )
    return s.SosReceipt.model_validate(receipt.to_dict())


@router.post(
    "/t/{key}/sos/cancel",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[AnonymousLimit],
    summary="Withdraw a mistaken SOS inside its cancel window",
)
def cancel_sos(key: str, session: SessionDep) -> None:
    traveller = safety_service.traveller_by_key(session=session, key=key)
    checkins.cancel_sos(session=session, traveller=traveller)


@router.post(
    "/t/{key}/safe",
    response_model=s.Receipt,
    dependencies=[AnonymousLimit],
    summary='"I\'m safe": close open emergencies and tell everyone who was alerted',
)
def im_safe(key: str, body: s.PinRequest, session: SessionDep, settings: SettingsDep) -> s.Receipt:
    traveller = safety_service.traveller_by_key(session=session, key=key)
    receipt = checkins.im_safe(
        session=session, traveller=traveller, pin=body.pin, policy=_policy(settings)
    )
    return s.Receipt.model_validate(receipt.to_dict())


@router.post(
    "/t/{key}/silence",
    response_model=s.Receipt,
    dependencies=[AnonymousLimit],
    summary='Declare a planned silence ("no signal until Thursday")',
)
def silence(
    key: str, body: s.SilenceRequest, session: SessionDep, settings: SettingsDep
) -> s.Receipt:
    traveller = safety_service.traveller_by_key(session=session, key=key)
    receipt = checkins.silence(
        session=session,
        traveller=traveller,
        pin=body.pin,
        until=body.until,
        policy=_policy(settings),
    )
    return s.Receipt.model_validate(receipt.to_dict())


@router.post(
    "/ack/{token}",
    response_model=s.Acknowledged,
    dependencies=[AnonymousLimit],
    summary="A contact acknowledges an alert (one-time link)",
)
def acknowledge(token: str, session: SessionDep, origin: OriginDep) -> s.Acknowledged:
    done = alerts_service.acknowledge(session=session, token=token, origin=origin)
    return s.Acknowledged(acknowledged=True, alert_id=done.alert_id, kind=done.kind)


@router.post(
    "/confirm/{token}",
    response_model=s.Confirmed,
    dependencies=[AnonymousLimit],
    summary="A contact confirms the link (then receives locations)",
)
def confirm(token: str, session: SessionDep, origin: OriginDep) -> s.Confirmed:
    alerts_service.confirm_contact(session=session, token=token, origin=origin)
    return s.Confirmed(confirmed=True)


@router.get("/alerts", response_model=s.AlertPage, summary="The organisation's alert desk")
def list_alerts(
    session: SessionDep,
    principal: AlertReader,
    state: Annotated[AlertState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> s.AlertPage:
    rows = alerts_service.list_alerts(
        session=session, org_id=principal.require_org(), state=state, limit=limit, before_id=before
    )
    return s.AlertPage(
        items=[s.AlertRead.model_validate(alerts_service.alert_summary(a)) for a in rows]
    )
