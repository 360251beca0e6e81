"""``/consulta``: "has this number already been reported?" — for anyone, coarse, rate-limited,
blind to the last day's reports (like the anonymous API look-up). Works without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from amparo.errors import N_, AmparoError
from amparo.network import service
from amparo.store.types import utcnow
from amparo.web.deps import GettextDep, SessionDep, SettingsDep, client_address, get_page_user
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)
TYPE_NAMES = {
    "phone": N_("phone number"),
    "clabe": N_("bank account (CLABE)"),
    "card": N_("card"),
    "mtcn": N_("Western Union control number"),
    "transfer_ref": N_("transfer reference"),
    "email": N_("e-mail address"),
    "url": N_("web link"),
    "social": N_("social media profile"),
    "btc": N_("Bitcoin wallet"),
    "tron": N_("Tron (USDT) wallet"),
    "eth": N_("Ethereum wallet"),
    "name": N_("name"),
}


@router.get("/consulta", dependencies=[Depends(get_page_user)])
def lookup_form(request: Request) -> Response:
    return render(request, "lookup.html", {"value": "", "found": None, "error": None})


@router.post("/consulta", dependencies=[Depends(get_page_user)])
def lookup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: GettextDep,
    value: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        request.app.state.rate_limiter.hit(
            settings.lookup_rate_limit, f"lookup:{client_address(request)}"
        )
        found = service.lookup(
            session,
            value[:500],
            org_id=None,
            older_than=utcnow() - timedelta(hours=settings.lookup_anonymous_delay_hours),
        )
    except AmparoError as exc:
        return render(
            request,
            "lookup.html",
            {"value": value[:500], "found": None, "error": exc.render(_)},
            status=exc.status,
        )
    return render(
        request,
        "lookup.html",
        {
            "value": value[:500],
            "found": found,
            "times": service.bucket(found.reported),
            "type_name": _(TYPE_NAMES.get(found.type, found.type)),
            "delay_hours": settings.lookup_anonymous_delay_hours,
            "error": None,
        },
    )
