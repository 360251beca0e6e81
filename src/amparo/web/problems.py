"""The one place where errors become HTTP responses: RFC 9457 ``application/problem+json``.

API clients get problem JSON; page requests (those that accept HTML) get the same message in a
page. No response ever carries a stack trace; unexpected errors are logged with the request id,
which the response repeats so that a person can quote it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from amparo.errors import (
    N_,
    AmparoError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)
from amparo.i18n import Gettext, gettext_for, negotiate

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


def _status_phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


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


# Pydantic's messages are English only: each kind of error gets ours, translated. The
# parameters come from pydantic's ``ctx`` (min_length, expected…).
_VALIDATION_MESSAGES = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not known."),
    "json_invalid": N_("The body is not valid JSON."),
    "json_type": N_("The body must be a JSON object."),
    "model_type": N_("The body must be a JSON object."),
    "model_attributes_type": N_("The body must be a JSON object."),
    "dict_type": N_("This must be a JSON object."),
    "list_type": N_("This must be a list."),
    "string_type": N_("This must be text."),
    "string_too_short": N_("This needs at least %(min_length)s characters."),
    "string_too_long": N_("This can have at most %(max_length)s characters."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "literal_error": N_("This must be one of: %(expected)s."),
    "enum": N_("This must be one of: %(expected)s."),
    "int_type": N_("This must be a whole number."),
    "int_parsing": N_("This must be a whole number."),
    "int_from_float": N_("This must be a whole number."),
    "float_type": N_("This must be a number."),
    "float_parsing": N_("This must be a number."),
    "decimal_parsing": N_("This must be a number."),
    "decimal_type": N_("This must be a number."),
    "bool_type": N_("This must be true or false."),
    "bool_parsing": N_("This must be true or false."),
    "greater_than": N_("This must be greater than %(gt)s."),
    "greater_than_equal": N_("This must be at least %(ge)s."),
    "less_than": N_("This must be less than %(lt)s."),
    "less_than_equal": N_("This must be at most %(le)s."),
    "too_short": N_("This needs at least %(min_length)s items."),
    "too_long": N_("This can have at most %(max_length)s items."),
    "date_parsing": N_("This must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": N_("This must be a date (YYYY-MM-DD)."),
    "datetime_parsing": N_("This must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": N_("This must be a date and time (ISO 8601)."),
    "uuid_parsing": N_("This must be a UUID."),
    "url_parsing": N_("This must be a web address."),
    "value_error": N_("This value is not valid."),
}
_INVALID = N_("This value is not valid.")
# "at least 1 characters" reads badly in every language: the usual limit, said plainly
_AT_LEAST_ONE = {
    "string_too_short": N_("This cannot be empty."),
    "too_short": N_("This needs at least one item."),
}


def _validation_errors(exc: RequestValidationError, _: Gettext) -> list[dict[str, str]]:
    out = []
    for err in exc.errors()[:50]:
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        kind = str(err.get("type", ""))
        if kind in ("json_invalid", "json_type", "model_type", "model_attributes_type"):
            location = []
        template = _VALIDATION_MESSAGES.get(kind, _INVALID)
        params = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        if kind in _AT_LEAST_ONE and params.get("min_length") == "1":
            template = _AT_LEAST_ONE[kind]
        try:
            message = _(template) % params if "%(" in template else _(template)
        except (KeyError, TypeError, ValueError):
            message = _(_INVALID)
        out.append({"field": ".".join(location) or "(body)", "message": message, "type": kind})
    return out


# A number in the path outside its bounds (``deps.IdPath``: an id no key can hold) names no
# resource: 404, like an id that was never issued, whatever else is wrong with the request.
_OUT_OF_BOUNDS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _names_nothing(exc: RequestValidationError) -> bool:
    return any(
        tuple(err.get("loc", ()))[:1] == ("path",) and err.get("type") in _OUT_OF_BOUNDS
        for err in exc.errors()
    )


def _plain(value: Any) -> str:
    """A ``ctx`` value as shown to a person: "'es', 'en'" → "es, en"."""
    return str(value).replace("'", "").replace(" or ", ", ")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="One entry per invalid field: field, message, type."
    )


_DESCRIPTIONS = {
    400: "The request is not valid (the problem's detail says why).",
    401: "Not signed in.",
    403: "Not allowed.",
    404: "Not found.",
    409: "In conflict with the current state.",
    413: "The body is too large.",
    422: "One or more fields are not valid (see errors).",
    429: "Too many requests: wait as long as Retry-After says.",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: these statuses answer with a problem."""
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "Error."),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def document(app: FastAPI) -> None:
    """Make the OpenAPI schema say what the API sends: every 422 is a problem (FastAPI would
    document its own ``HTTPValidationError``, which this API never sends)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.get("responses", {})
                if "422" in responses:
                    responses["422"] = problem_responses(422)[422]
        for path, method, statuses in _answered(app):
            operation = schema.get("paths", {}).get(path, {}).get(method)
            if operation is None:
                continue
            if operation.get("security"):
                statuses.add(401)  # no token, or one that is unknown, expired or revoked
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), problem_responses(status)[status])
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _answered(app: FastAPI) -> list[tuple[str, str, set[int]]]:
    """``(path, method, statuses)`` of every API operation: the problems its dependencies
    answer (``deps.answers``), and 404 where the path names something (an id, a key, a link)
    that may not exist. What a route's own code answers it declares with ``responses``."""
    found: list[tuple[str, str, set[int]]] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        if not isinstance(route, APIRoute) or not route.include_in_schema or path is None:
            continue
        statuses: set[int] = set()
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            statuses.update(getattr(dependant.call, "problems", ()))
            pending.extend(dependant.dependencies)
        if route.dependant.path_params:
            statuses.add(404)
        found.extend((path, m.lower(), set(statuses)) for m in sorted(route.methods or ()))
    return found


def install(app: FastAPI) -> None:
    """Register every exception handler on ``app``."""

    async def amparo_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AmparoError)
        return problem_response_for_scope(request.scope, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _names_nothing(exc):
            return problem_response_for_scope(request.scope, NotFound(N_("Not found")))
        _ = gettext_for(_lang_of_scope(request.scope))
        errors = _validation_errors(exc, _)
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
        # Starlette's own detail is the status's English phrase ("Method Not Allowed"): a
        # reader of any language gets the translated title instead
        default = exc.detail in (None, "", _status_phrase(exc.status_code))
        detail = _(title) if default or exc.status_code == 404 else exc.detail
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
