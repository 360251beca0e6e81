"""FastAPI dependencies: settings, database session, who is asking, rate limits, CSRF."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from amparo.accounts import service as accounts_service
from amparo.accounts.audit import Origin
from amparo.accounts.models import Scope, User
from amparo.accounts.service import Principal
from amparo.crypto import Keyring
from amparo.errors import N_, NotAuthenticated, PermissionDenied, RateLimited
from amparo.i18n import Gettext, gettext_for, supported
from amparo.settings import Settings
from amparo.web.ratelimit import RateLimiter

SESSION_COOKIE = "amparo_session"
CSRF_COOKIE = "amparo_csrf"
LANG_COOKIE = "amparo_lang"

_Dependency = TypeVar("_Dependency", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[_Dependency], _Dependency]:
    """Mark a dependency with the problems it answers (403, 429 …): the OpenAPI schema lists
    them on every operation that uses it (``web.problems.document``), so none is forgotten."""

    def mark(dependency: _Dependency) -> _Dependency:
        setattr(dependency, "problems", statuses)  # noqa: B010 (a function's attribute)
        return dependency

    return mark


# How the OpenAPI schema (and the Authorize button of /docs) says to authenticate. They only
# describe: never answering by themselves (``auto_error=False``), they leave the header to
# ``get_principal`` and the partner hub's dependency, which refuse as they always did.
API_TOKEN = HTTPBearer(
    scheme_name="apiToken",
    bearerFormat="amp_…",
    description="An organisation's API token (`amparo admin create-token`).",
    auto_error=False,
)
PARTNER_HUB_TOKEN = HTTPBearer(
    scheme_name="partnerHubToken",
    bearerFormat="amph_…",
    description="A partner hub's token (`amparo admin partner-link add`).",
    auto_error=False,
)
ApiTokenScheme = Annotated[HTTPAuthorizationCredentials | None, Security(API_TOKEN)]
PartnerHubScheme = Annotated[HTTPAuthorizationCredentials | None, Security(PARTNER_HUB_TOKEN)]
# ``openapi_extra`` of an operation that takes a token but answers without one too.
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}, {API_TOKEN.scheme_name: []}]}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_keyring(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


def get_db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, rolled back on error."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]

# The largest key an ``Integer`` primary key holds (PostgreSQL's 4-byte integer). Every id in a
# path is an ``IdPath``: a larger one (or 0, or a negative one) names nothing, and
# ``web.problems`` answers 404 as for an id never issued — the database is never asked about a
# number it cannot hold (SQLite's driver failed on them: a 500, or a reset connection).
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
KeyringDep = Annotated[Keyring, Depends(get_keyring)]
# scope="function": the commit happens before the response is sent, so a failed commit is
# reported as a failure instead of a success that was lost.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def client_address(request: Request) -> str:
    """The client's address; X-Forwarded-For is believed only from a configured proxy.

    Of X-Forwarded-For, the last hop: the one the trusted proxy added. Every line of the
    header counts, in order (RFC 9110 §5.3: several lines are one comma-separated list): a
    proxy that adds its own line (HAProxy's ``option forwardfor``) leaves the client's line
    first, and reading only the first line believed whatever the client wrote there (found by
    QA: a new made-up address per request escaped every rate limit)."""
    peer = request.client.host if request.client else "unknown"
    settings: Settings = request.app.state.settings
    if peer in settings.trusted_proxies:
        forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return peer


# An IPv6 client is usually given a whole /64 (a home, a phone, a rented server): counted per
# address, one client would hold 2^64 allowances.
_IPV6_CLIENT_PREFIX = 64


def client_key(request: Request) -> str:
    """Who a rate limit counts: the client's address, an IPv4-mapped IPv6 address as its IPv4
    address, and an IPv6 address as its /64 network (found by QA: each of the 2^64 addresses a
    client may use got its own allowance of anonymous look-ups)."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{_IPV6_CLIENT_PREFIX}", strict=False))
    return str(ip)


def get_origin(request: Request) -> Origin:
    channel = "api" if request.url.path.startswith("/api/") else "web"
    return Origin(channel=channel, client_address=client_address(request))


OriginDep = Annotated[Origin, Depends(get_origin)]


async def get_gettext(request: Request) -> Gettext:  # async: no thread hop for a lookup
    return gettext_for(getattr(request.state, "lang", "es"))


GettextDep = Annotated[Gettext, Depends(get_gettext)]


def get_principal(
    request: Request, session: SessionDep, _scheme: ApiTokenScheme = None
) -> Principal:
    """The API caller, from ``Authorization: Bearer amp_…``. The API takes no cookies (no CSRF)."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthenticated(N_("This needs an API token: 'Authorization: Bearer amp_…'."))
    return accounts_service.principal_for_token(session=session, secret=credentials.strip())


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """For endpoints open to anonymous callers too: None without an ``Authorization`` header,
    otherwise the token's principal (a malformed or unknown token is still refused)."""
    if not request.headers.get("authorization", ""):
        return None
    return get_principal(request, session)


def requires(scope: Scope) -> Callable[[Principal], Principal]:
    @answers(403)
    def check(principal: PrincipalDep) -> Principal:
        principal.require(scope)
        return principal

    return check


@dataclass(frozen=True)
class PageUser:
    """What the page layout shows of the signed-in person; safe to use after the session ends
    (error pages render after a rollback)."""

    id: int
    display_name: str
    org_id: int | None


def get_page_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in person, if any. Their pages are in their account's language
    (``admin create-user --language``) unless this browser chose one (``?lang``, the language
    switch): the language follows the person, not the device they borrowed."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    user = accounts_service.user_for_web_session(session=session, secret=secret)
    request.state.user = PageUser(user.id, user.display_name, user.org_id) if user else None
    if user is not None and not getattr(request.state, "lang_chosen", True):
        request.state.lang = supported(user.language) or request.state.lang
    return user


PageUserDep = Annotated[User | None, Depends(get_page_user)]


def require_page_user(user: PageUserDep) -> User:
    if user is None:
        raise NotAuthenticated(N_("Please sign in to see this page."))
    return user


LoggedInDep = Annotated[User, Depends(require_page_user)]


def require_staff(user: LoggedInDep) -> User:
    if user.org_id is None:
        raise PermissionDenied(N_("This page is for members of an organisation."))
    return user


StaffDep = Annotated[User, Depends(require_staff)]


def csrf_field_value(request: Request) -> str:
    """The value forms must send back: a keyed signature of the CSRF cookie."""
    raw = getattr(request.state, "csrf_cookie", "")
    keyring: Keyring = request.app.state.keyring
    return keyring.sign(raw) if raw else ""


def verify_csrf(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "") -> None:
    raw = request.cookies.get(CSRF_COOKIE, "")
    keyring: Keyring = request.app.state.keyring
    if not raw or not csrf_token or not hmac.compare_digest(csrf_token, keyring.sign(raw)):
        raise PermissionDenied(_CSRF_MESSAGE)


_CSRF_MESSAGE = N_(
    "This form has expired or did not come from this site. Reload the page and try again."
)


CsrfDep = Annotated[None, Depends(verify_csrf)]


def rate_limit(rule: Callable[[Settings], str]) -> Callable[[Request], Awaitable[None]]:
    """A dependency that counts one hit per client against the rule chosen from settings.

    In memory the count is a few microseconds and runs on the event loop; a shared store
    (Redis) is network I/O and runs in the thread pool."""

    @answers(429)
    async def check(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        settings: Settings = request.app.state.settings
        key = f"{request.scope['path']}:{client_key(request)}"
        if limiter.in_memory:
            limiter.hit(rule(settings), key)
        else:
            await run_in_threadpool(limiter.hit, rule(settings), key)

    return check


AnonymousLimit = Depends(rate_limit(lambda s: s.anonymous_rate_limit))


def lookup_budget(request: Request) -> Callable[[int], bool]:
    """``spend(n)``: whether this anonymous client may look ``n`` more values up (counted
    against the same budget as ``GET /api/v1/lookup``, so a check cannot be used to look up
    in bulk). Synchronous: call it in the thread pool when the limiter is not in memory."""
    limiter: RateLimiter = request.app.state.rate_limiter
    settings: Settings = request.app.state.settings
    key = f"lookup:{client_key(request)}"

    def spend(n: int) -> bool:
        try:
            limiter.hit(settings.lookup_rate_limit, key, cost=n)
        except RateLimited:
            return False
        return True

    return spend
