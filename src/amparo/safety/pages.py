"""Pages of traveller safety. No JavaScript anywhere; made for a cheap phone on a slow network.

- ``/t/{key}``: the traveller's own page (check in, SOS, "I'm safe", planned silence).
- ``/codigo``: check in from a borrowed phone with the traveller number and a card code.
- ``/ack/{token}`` and ``/confirm/{token}``: a contact's one-time links. GET only shows a button:
  link previews and scanners open links, and must not acknowledge anything.
- ``/viajero/nuevo``: the enrolment wizard, ending with the printable card.
- ``/familia``: a linked family member's view of their traveller's status.
- ``/alertas``: the organisation's alert desk.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from amparo.accounts import audit
from amparo.accounts.models import Organisation
from amparo.alerts import service as alerts_service
from amparo.alerts.models import AlertState
from amparo.errors import N_, AmparoError, InvalidInput
from amparo.safety import checkins
from amparo.safety import service as safety_service
from amparo.safety import status as safety_status
from amparo.safety.models import Traveller
from amparo.safety.service import ContactIn
from amparo.store.types import utcnow
from amparo.web.deps import (
    AnonymousLimit,
    GettextDep,
    LoggedInDep,
    OriginDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    get_page_user,
    verify_csrf,
)
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
Short = Annotated[str, Form(max_length=32)]


def _fail(
    request: Request, template: str, context: dict[str, object], exc: AmparoError, gettext: object
) -> Response:
    context = {**context, "error": exc.render(gettext)}
    return render(request, template, context, status=exc.status)


# -- the traveller's own page -----------------------------------------------------------------


def _traveller_context(traveller: Traveller, key: str) -> dict[str, object]:
    return {"key": key, "name": traveller.name, "error": None, "done": None}


@router.get("/t/{key}")
def traveller_page(request: Request, key: str, session: SessionDep, _: GettextDep) -> Response:
    try:
        traveller = safety_service.traveller_by_key(session=session, key=key)
    except AmparoError as exc:
        return render(
            request,
            "error.html",
            {"title": _(exc.title), "message": exc.render(_)},
            status=exc.status,
        )
    return render(request, "traveller.html", _traveller_context(traveller, key))


@router.post("/t/{key}", dependencies=[AnonymousLimit])
def traveller_action(
    request: Request,
    key: str,
    session: SessionDep,
    settings: SettingsDep,
    _: GettextDep,
    action: Annotated[str, Form(max_length=16)],
    pin: Short = "",
    where: Text = "",
    hours: Annotated[int, Form(ge=0, le=24 * 30)] = 0,
) -> Response:
    try:
        traveller = safety_service.traveller_by_key(session=session, key=key)
    except AmparoError as exc:
        return render(
            request,
            "error.html",
            {"title": _(exc.title), "message": exc.render(_)},
            status=exc.status,
        )
    context = _traveller_context(traveller, key)
    policy = checkins.Policy.of(settings)
    try:
        if action == "checkin":
            receipt = checkins.check_in(
                session=session,
                traveller=traveller,
                pin=pin,
                place=where or None,
                via="link",
                policy=policy,
            )
            context["done"] = "checkin"
            context["next_due_at"] = receipt.next_due_at
        elif action == "sos":
            sos = checkins.sos(
                session=session, traveller=traveller, location=where or None, policy=policy
            )
            context["done"] = "sos"
            context["cancel_until"] = sos.cancel_until
        elif action == "cancel":
            checkins.cancel_sos(session=session, traveller=traveller)
            context["done"] = "cancelled"
        elif action == "safe":
            checkins.im_safe(session=session, traveller=traveller, pin=pin, policy=policy)
            context["done"] = "safe"
        elif action == "silence":
            if not hours:
                raise InvalidInput(
                    _("Say for how many hours you will have no signal."), field="hours"
                )
            receipt = checkins.silence(
                session=session,
                traveller=traveller,
                pin=pin,
                until=utcnow() + timedelta(hours=hours),
                policy=policy,
            )
            context["done"] = "silence"
            context["next_due_at"] = receipt.next_due_at
        else:
            raise InvalidInput(N_("Unknown action."), field="action")
    except AmparoError as exc:
        return _fail(request, "traveller.html", context, exc, _)
    return render(request, "traveller.html", context)


# -- a borrowed phone -------------------------------------------------------------------------


@router.get("/codigo")
def code_page(request: Request) -> Response:
    return render(request, "code_checkin.html", {"error": None, "done": False, "handle": ""})


@router.post("/codigo", dependencies=[AnonymousLimit])
def code_checkin(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: GettextDep,
    handle: Short,
    code: Short,
    where: Text = "",
) -> Response:
    context: dict[str, object] = {"error": None, "done": False, "handle": handle}
    try:
        traveller = safety_service.traveller_by_handle(session=session, handle=handle)
        checkins.check_in(
            session=session,
            traveller=traveller,
            code=code,
            place=where or None,
            policy=checkins.Policy.of(settings),
        )
    except AmparoError as exc:
        return _fail(request, "code_checkin.html", context, exc, _)
    context["done"] = True
    return render(request, "code_checkin.html", context)


# -- a contact's one-time links --------------------------------------------------------------


@router.get("/ack/{token}")
def ack_page(request: Request, token: str) -> Response:
    return render(request, "ack.html", {"token": token, "error": None, "status": None})


@router.post("/ack/{token}", dependencies=[AnonymousLimit])
def ack(
    request: Request, token: str, session: SessionDep, origin: OriginDep, _: GettextDep
) -> Response:
    context: dict[str, object] = {"token": token, "error": None, "status": None}
    try:
        done = alerts_service.acknowledge(session=session, token=token, origin=origin)
    except AmparoError as exc:
        return _fail(request, "ack.html", context, exc, _)
    traveller = session.get_one(Traveller, done.traveller_id)
    seen = safety_status.status(
        session=session,
        traveller=traveller,
        actor=audit.Actor(type="contact", id=done.contact_id, org_id=traveller.org_id),
        origin=origin,
    )
    from amparo.safety.models import Contact

    contact = session.get_one(Contact, done.contact_id)
    context["status"] = seen
    context["show_location"] = contact.confirmed_at is not None
    return render(request, "ack.html", context)


@router.get("/confirm/{token}")
def confirm_page(request: Request, token: str) -> Response:
    return render(request, "confirm.html", {"token": token, "error": None, "done": False})


@router.post("/confirm/{token}", dependencies=[AnonymousLimit])
def confirm(
    request: Request, token: str, session: SessionDep, origin: OriginDep, _: GettextDep
) -> Response:
    context: dict[str, object] = {"token": token, "error": None, "done": False}
    try:
        alerts_service.confirm_contact(session=session, token=token, origin=origin)
    except AmparoError as exc:
        return _fail(request, "confirm.html", context, exc, _)
    context["done"] = True
    return render(request, "confirm.html", context)


# -- enrolment wizard ---------------------------------------------------------------------------


@router.get("/viajero/nuevo", dependencies=[Depends(get_page_user)])
def enrol_page(request: Request) -> Response:
    return render(request, "enrol.html", {"error": None, "form": {}, "card": None})


@router.post("/viajero/nuevo", dependencies=[AnonymousLimit, Depends(get_page_user)])
async def enrol(
    request: Request, session: SessionDep, settings: SettingsDep, _: GettextDep, origin: OriginDep
) -> Response:
    form = await request.form(max_files=0, max_fields=40, max_part_size=4096)
    values = {k: str(v)[:500] for k, v in form.items()}
    context: dict[str, object] = {"error": None, "form": values, "card": None}
    user = getattr(request.state, "user", None)
    try:
        if user is not None:  # signed in: the traveller joins the organisation, so check CSRF
            verify_csrf(request, values.get("csrf_token", ""))
        contacts = []
        for n in (1, 2, 3):
            url = values.get(f"contact{n}_url", "").strip()
            if url:
                contacts.append(
                    ContactIn(
                        level=n,
                        name=values.get(f"contact{n}_name", ""),
                        channels=(url,),
                        language=values.get("language", "es"),
                    )
                )
        every = values.get("every", "").strip()
        try:
            every_hours = float(every) if every else None
            grace = int(values.get("grace") or 60)
        except ValueError:
            raise InvalidInput(N_("Hours and minutes are numbers."), field="every") from None
        org = session.get(Organisation, user.org_id) if user and user.org_id else None
        traveller = safety_service.enrol_traveller(
            session=session,
            org=org,
            name=values.get("name", ""),
            pin=values.get("pin", ""),
            duress_pin=values.get("duress_pin", ""),
            every_hours=every_hours,
            grace_minutes=grace,
            contacts=contacts,
            language=values.get("language", "es"),
            nationality=values.get("nationality") or None,
            family_consent=values.get("family_consent") == "on",
        )
        key = safety_service.issue_link_key(session=session, traveller=traveller)
        card = checkins.issue_card(session=session, traveller=traveller)
        audit.record(
            session=session,
            actor=audit.Actor(type="anonymous"),
            action="traveller.enrol",
            origin=origin,
            target=audit.Target("traveller", traveller.id),
        )
    except AmparoError as exc:
        values.pop("pin", None)
        values.pop("duress_pin", None)
        return _fail(request, "enrol.html", context, exc, _)
    context["card"] = card
    context["name"] = traveller.name
    context["link"] = f"{settings.base_url.rstrip('/')}/t/{key}"
    context["code_page"] = f"{settings.base_url.rstrip('/')}/codigo"
    return render(request, "enrol.html", context)


# -- family and desk -----------------------------------------------------------------------------


@router.get("/familia")
def family(request: Request, user: LoggedInDep, session: SessionDep, origin: OriginDep) -> Response:
    travellers = safety_status.viewable(session, user.id)
    statuses = [
        safety_status.status(
            session=session,
            traveller=t,
            actor=audit.Actor(type="user", id=user.id, org_id=user.org_id),
            origin=origin,
        )
        for t in travellers
    ]
    return render(request, "family.html", {"statuses": statuses})


@router.get("/alertas")
def desk(request: Request, user: StaffDep, session: SessionDep) -> Response:
    unresolved = alerts_service.list_alerts(
        session=session, org_id=user.org_id, state=AlertState.UNRESOLVED, limit=100
    )
    recent = alerts_service.list_alerts(session=session, org_id=user.org_id, limit=50)
    return render(
        request,
        "desk.html",
        {
            "unresolved": [alerts_service.alert_summary(a) for a in unresolved],
            "recent": [alerts_service.alert_summary(a) for a in recent],
        },
    )
