"""Jinja2 pages: autoescaped, translated through the request's language."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.types import Scope

from amparo.i18n import LANGUAGE_NAMES, LANGUAGES, gettext_for, ngettext_for
from amparo.indicators import shown_reason
from amparo.web.deps import csrf_field_value


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("amparo.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def base_context(request: Request) -> dict[str, Any]:
    lang = getattr(request.state, "lang", "es")
    gettext = gettext_for(lang)
    return {
        "request": request,
        "lang": lang,
        "_": gettext,
        # a warning-list reason: the shipped ones translated, a deployment's own as written
        "reason": lambda text: shown_reason(text, gettext),
        "ngettext": ngettext_for(lang),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "current_path": request.url.path,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_field_value(request),
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values = base_context(request)
    values.update(context or {})
    html = environment().get_template(name).render(values)
    response = HTMLResponse(html, status_code=status, headers=headers)
    response.headers["Content-Language"] = values["lang"]
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def render_error_page(
    scope: Scope,
    *,
    lang: str,
    status: int,
    problem: dict[str, Any],
    headers: dict[str, str] | None,
) -> Response:
    request = Request(scope)
    request.state.lang = lang
    return render(request, "error.html", {"problem": problem}, status=status, headers=headers)
