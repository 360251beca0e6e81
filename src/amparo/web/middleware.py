"""ASGI middleware: request-body limit, request id and a privacy-preserving access log."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amparo.errors import N_, PayloadTooLarge
from amparo.i18n import negotiate, supported

logger = logging.getLogger("amparo.access")


class BodyLimitMiddleware:
    """Refuses bodies over ``limit`` bytes, by Content-Length or while streaming.

    Counting the streamed bytes matters: a chunked upload has no Content-Length to check.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    await _reject(scope, receive, send, self.limit)
                    return
        seen = 0
        overflow = False
        response_started = False

        async def limited() -> Message:
            nonlocal seen, overflow
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    overflow = True
                    raise PayloadTooLarge(
                        N_("The request is larger than %(limit)d bytes."), limit=self.limit
                    )
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if overflow:  # whatever the app answers to a cut-off body, the answer is 413
                return
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not overflow:
                raise
        if overflow and not response_started:
            await _reject(scope, receive, send, self.limit)


async def _reject(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from amparo.web.problems import problem_response_for_scope

    response = problem_response_for_scope(
        scope, PayloadTooLarge(N_("The request is larger than %(limit)d bytes."), limit=limit)
    )
    await response(scope, receive, send)


class RequestContextMiddleware:
    """Request id, language, CSRF cookie, security headers and one access-log line per request.

    The log line holds the route *template* (``/api/v1/users/{user_id}``), never the raw path or
    query string, and never the client address: a looked-up phone number must not reach a log.
    """

    def __init__(self, app: ASGIApp, *, default_language: str, secure_cookies: bool) -> None:
        self.app = app
        self.default_language = default_language
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        request_id = secrets.token_hex(8)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        chosen = supported(request.query_params.get("lang")) or supported(
            request.cookies.get("amparo_lang")
        )
        # A choice made here (the language switch's cookie, ``?lang``) beats the language of the
        # signed-in person's account, which ``deps.get_page_user`` applies otherwise.
        state["lang_chosen"] = chosen is not None
        state["lang"] = chosen or negotiate(
            request.headers.get("accept-language"), self.default_language
        )
        path_str = scope.get("path", "")
        is_page = not path_str.startswith(("/api/", "/docs", "/swagger-ui/"))
        new_csrf = None
        if is_page:
            state["csrf_cookie"] = request.cookies.get("amparo_csrf") or ""
            if not state["csrf_cookie"]:
                new_csrf = secrets.token_urlsafe(24)
                state["csrf_cookie"] = new_csrf
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "no-referrer"
                headers["x-frame-options"] = "DENY"
                if is_page:
                    headers.setdefault("content-security-policy", _PAGE_CSP)
                if new_csrf:
                    secure = "; Secure" if self.secure_cookies else ""
                    headers.append(
                        "set-cookie",
                        f"amparo_csrf={new_csrf}; Path=/; HttpOnly; SameSite=Strict{secure}",
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            logger.info(
                "%s %s %d %.1fms",
                scope.get("method", "-"),
                route_template(scope),
                status,
                (time.perf_counter() - started) * 1000,
                extra={"request_id": request_id},
            )


def route_template(scope: Scope) -> str:
    """The path with every path parameter replaced by its name: /users/3 → /users/{user_id}."""
    if scope.get("route") is None:
        return "(unmatched)"
    params: dict[str, Any] = scope.get("path_params") or {}
    names = {str(value): name for name, value in params.items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join("{" + names[s] + "}" if s in names else s for s in segments)


_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
