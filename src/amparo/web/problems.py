"""The one place where errors become HTTP responses: RFC 9457 ``application/problem+json``.

API clients get problem JSON; page requests (those that accept HTML) get the same message in a
page. No response ever carries a stack trace; unexpected errors are logged with the request id,
which the response repeats so that a person can quote it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from amparo.errors import (
    N_,
    AmparoError,
    InvalidInput,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
)
from amparo.i18n import gettext_for, negotiate

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_HTTP_TITLES = {
    400: N_("The request is not valid"),
    401: N_("You need to sign in"),
    403: N_("You are not allowed to do this"),
    404: N_("Not found"),
    405: N_("This method is not allowed here"),
    406: N_("This format is not available"),
    413: N_("The request is too large"),
    415: N_("This content type is not accepted"),
    422: N_("The input is not valid"),
    429: N_("Too many requests"),
}


def _lang_of_scope(scope: Scope) -> str:
    state = scope.get("state") or {}
    lang = state.get("lang")
    if isinstance(lang, str):
        return lang
    headers = dict(scope.get("headers") or [])
    raw = headers.get(b"accept-language")
    return negotiate(raw.decode("latin-1") if raw else None)


def _wants_html(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    if path.startswith("/api/"):
        return False
    headers = dict(scope.get("headers") or [])
    return b"text/html" in headers.get(b"accept", b"")


def _problem(
    scope: Scope,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    lang = _lang_of_scope(scope)
    _ = gettext_for(lang)
    state = scope.get("state") or {}
    body: dict[str, Any] = {
        "type": f"https://amparo.example/problems/{code}",
        "title": _(title),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if state.get("request_id"):
        body["request_id"] = state["request_id"]
    if extra:
        body.update(extra)
    if _wants_html(scope):
        from amparo.web.templating import render_error_page

        return render_error_page(scope, lang=lang, status=status, problem=body, headers=headers)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_response_for_scope(scope: Scope, error: AmparoError) -> Response:
    if isinstance(error, NotAuthenticated) and _wants_html(scope):
        target = str(scope.get("path", "/"))
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    _ = gettext_for(_lang_of_scope(scope))
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidInput) and error.field:
        extra["errors"] = [{"field": error.field, "message": error.render(_)}]
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if error.status >= 500:
        logger.error("request failed: %s (%s)", error.code, type(error).__name__)
    return _problem(
        scope,
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.render(_),
        extra=extra,
        headers=headers or None,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors()[:50]:
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        kind = str(err.get("type", ""))
        message = str(err.get("msg", "invalid"))
        if kind == "json_invalid":
            location = []
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "json_invalid":
            message = "malformed JSON: " + str((err.get("ctx") or {}).get("error", ""))
        out.append({"field": ".".join(location) or "(body)", "message": message, "type": kind})
    return out


def install(app: FastAPI) -> None:
    """Register every exception handler on ``app``."""

    async def amparo_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AmparoError)
        return problem_response_for_scope(request.scope, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        _ = gettext_for(_lang_of_scope(request.scope))
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return _problem(
            request.scope,
            status=422,
            code="invalid-input",
            title=N_("The input is not valid"),
            detail=_("Please correct these fields: %(fields)s") % {"fields": summary},
            extra={"errors": errors},
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        _ = gettext_for(_lang_of_scope(request.scope))
        title = _HTTP_TITLES.get(exc.status_code, N_("The request could not be handled"))
        detail = _(title) if exc.detail in (None, "") or exc.status_code == 404 else exc.detail
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            detail = _("The request body could not be read: send UTF-8 JSON.")
        return _problem(
            request.scope,
            status=exc.status_code,
            code=f"http-{exc.status_code}",
            title=title,
            detail=str(detail),
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def database_down(request: Request, exc: Exception) -> Response:
        logger.error("database unavailable: %s", type(exc).__name__)
        return problem_response_for_scope(
            request.scope,
            ServiceUnavailable(N_("The database is not answering. Please try again shortly.")),
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unexpected error while handling %s", request.method)
        _ = gettext_for(_lang_of_scope(request.scope))
        return _problem(
            request.scope,
            status=500,
            code="internal-error",
            title=N_("Something went wrong"),
            detail=_(
                "Something went wrong on our side. Nothing was saved. "
                "Please try again; if it happens again, quote the request id."
            ),
        )

    app.add_exception_handler(AmparoError, amparo_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_down)
    app.add_exception_handler(PoolTimeoutError, database_down)
    app.add_exception_handler(Exception, unexpected)
