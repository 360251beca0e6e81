"""The start page, "¿Es extorsión?": paste a message, read the verdict. Works without JavaScript."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.accounts.audit import Origin
from amparo.accounts.models import User
from amparo.errors import InvalidInput, RateLimited
from amparo.i18n import format_ago, supported
from amparo.safety import status as safety_status
from amparo.safety.status import Status
from amparo.store.types import utcnow
from amparo.triage import MAX_CHARS, present
from amparo.verdict import service as verdict_service
from amparo.web.deps import (
    GettextDep,
    OriginDep,
    PageUserDep,
    SessionDep,
    SettingsDep,
    client_key,
    get_page_user,
    lookup_budget,
)
from amparo.web.ratelimit import RateLimiter
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[Depends(get_page_user)])
def home(request: Request) -> Response:
    return render(
        request, "check.html", {"text": "", "verdict": None, "error": None, "max_chars": MAX_CHARS}
    )


@router.post("/")
def check(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUserDep,  # before ``_``: a signed-in person's language applies to it too
    _: GettextDep,
    origin: OriginDep,
    text: Annotated[str, Form()] = "",  # too long: the check says so (bodies cap at 1 MB)
) -> Response:
    lang = supported(getattr(request.state, "lang", None))
    # The anonymous limit, counted here rather than as a dependency: past it the page keeps
    # the pasted message and says when to try again (a shelter's shared connection reaches
    # 30 checks a minute; the error page alone lost the text).
    limiter: RateLimiter = request.app.state.rate_limiter
    try:
        limiter.hit(settings.anonymous_rate_limit, f"/:{client_key(request)}")
    except RateLimited as exc:
        return render(
            request,
            "check.html",
            {"text": _echo(text), "verdict": None, "error": exc.render(_),
             "max_chars": MAX_CHARS},
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )  # fmt: skip
    try:
        verdict = verdict_service.check_message(text=text, lang=lang, country=None)
    except InvalidInput as exc:
        return render(
            request,
            "check.html",
            {
                "text": _echo(text),
                "verdict": None,
                "error": exc.render(_),
                "max_chars": MAX_CHARS,
            },
            status=422,
        )
    looked_up, skipped = verdict_service.within_budget(
        verdict_service.to_look_up(text, country=None), lookup_budget(request)
    )
    return render(
        request,
        "check.html",
        {
            "text": text,
            "verdict": verdict,
            "segments": present.highlights(text, verdict),
            "category_name": _(present.CATEGORY_NAMES[verdict.category]),
            "seen": verdict_service.indicators_seen(
                session, looked_up, delay_hours=settings.lookup_anonymous_delay_hours
            ),
            "not_looked_up": skipped,
            # a signed-in family member's travellers: their last check-in is the first thing
            # to look at when a message says one of them is held
            "travellers": _travellers(session, user, origin, verdict.lang) if user else [],
            "level_name": _(present.LEVEL_NAMES[verdict.level.value]),
            "error": None,
            "max_chars": MAX_CHARS,
        },
    )


def _echo(text: str) -> str:
    """A refused message as the form shows it again: at most ``MAX_CHARS``, without the control
    characters that may be why it was refused (an HTML page cannot hold a NUL, which the
    browser would show as "�")."""
    return "".join(c for c in text[:MAX_CHARS] if c in "\t\n\r" or unicodedata.category(c) != "Cc")


def _travellers(
    session: Session, user: User, origin: Origin, lang: str
) -> list[tuple[Status, str | None]]:
    """Each traveller the user may see, with how long ago they last checked in (in ``lang``).
    Reading a place is audited, as on the family page."""
    now = utcnow()
    actor = audit.Actor(type="user", id=user.id, org_id=user.org_id)
    out = []
    for traveller in safety_status.viewable(session, user.id):
        seen = safety_status.status(
            session=session, traveller=traveller, actor=actor, origin=origin
        )
        ago = (
            format_ago((now - seen.last_checkin_at).total_seconds(), lang)
            if seen.last_checkin_at
            else None
        )
        out.append((seen, ago))
    return out
