"""Log-in, log-out and the organisation's dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.alerts import service as alerts_service
from amparo.alerts.models import AlertState
from amparo.errors import NotAuthenticated, RateLimited
from amparo.network import reports as network_reports
from amparo.web.deps import (
    SESSION_COOKIE,
    CsrfDep,
    GettextDep,
    OriginDep,
    PageUserDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    client_key,
    get_page_user,
)
from amparo.web.ratelimit import RateLimiter
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths, so the log-in page cannot be used to send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target


@router.get("/login")
def login_form(request: Request, user: PageUserDep, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None, "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    origin: OriginDep,
    _csrf: CsrfDep,
    _: GettextDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/dashboard",
) -> Response:
    limiter: RateLimiter = request.app.state.rate_limiter
    try:
        limiter.hit(
            settings.login_rate_limit,
            f"login-ip:{client_key(request)}",
            f"login-account:{email.strip().lower()}",
        )
        user = accounts_service.authenticate(session=session, email=email, password=password)
    except (NotAuthenticated, RateLimited) as exc:
        status = exc.status
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "error": exc.render(_), "email": email[:254]},
            status=status,
        )
    secret = accounts_service.start_web_session(
        session=session, user=user, hours=settings.session_hours
    )
    audit.record(
        session=session,
        actor=audit.Actor(type="user", id=user.id, org_id=user.org_id),
        action="session.login",
        origin=origin,
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _csrf: CsrfDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE, "")
    if secret:
        accounts_service.end_web_session(session=session, secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/dashboard", dependencies=[Depends(get_page_user)])
def dashboard(request: Request, user: StaffDep, session: SessionDep) -> Response:
    """The organisation's numbers, each linking to the page that lists them (and counted as it
    counts them: the reports and networks it may read, the alerts on its travellers)."""
    assert user.org_id is not None
    alerts = alerts_service.count_open(session=session, org_id=user.org_id)
    return render(
        request,
        "dashboard.html",
        {
            "organisation": user.organisation,
            "overview": network_reports.overview(session=session, org_id=user.org_id),
            "open_alerts": sum(alerts.values()),
            "unresolved_alerts": alerts.get(AlertState.UNRESOLVED, 0),
        },
    )
