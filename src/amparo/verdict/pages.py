"""The start page, "¿Es extorsión?": paste a message, read the verdict. Works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from amparo.errors import InvalidInput
from amparo.i18n import supported
from amparo.triage import MAX_CHARS, present
from amparo.verdict import service as verdict_service
from amparo.web.deps import (
    AnonymousLimit,
    GettextDep,
    SessionDep,
    SettingsDep,
    get_page_user,
    lookup_budget,
)
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[Depends(get_page_user)])
def home(request: Request) -> Response:
    return render(
        request, "check.html", {"text": "", "verdict": None, "error": None, "max_chars": MAX_CHARS}
    )


@router.post("/", dependencies=[AnonymousLimit, Depends(get_page_user)])
def check(
    request: Request,
    _: GettextDep,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",  # too long: the check says so (bodies cap at 1 MB)
) -> Response:
    lang = supported(getattr(request.state, "lang", None))
    try:
        verdict = verdict_service.check_message(text=text, lang=lang, country=None)
    except InvalidInput as exc:
        return render(
            request,
            "check.html",
            {
                "text": text[:MAX_CHARS],
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
            "level_name": _(present.LEVEL_NAMES[verdict.level.value]),
            "error": None,
            "max_chars": MAX_CHARS,
        },
    )
