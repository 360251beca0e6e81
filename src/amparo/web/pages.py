"""Pages: the language switch and every domain's page router."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from amparo.accounts.pages import router as accounts_pages
from amparo.accounts.pages import safe_next
from amparo.i18n import supported
from amparo.network.pages import router as network_pages
from amparo.network.report_pages import router as report_pages
from amparo.safety.pages import router as safety_pages
from amparo.verdict.pages import router as verdict_pages
from amparo.web.deps import LANG_COOKIE, SettingsDep

router = APIRouter(include_in_schema=False)


@router.get("/lang/{code}")
def switch_language(code: str, settings: SettingsDep, next: str | None = None) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    target = next if next and safe_next(next) == next else "/"
    response = RedirectResponse(target, status_code=303)
    lang = supported(code)
    if lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
            path="/",
        )
    return response


router.include_router(verdict_pages)
router.include_router(accounts_pages)
router.include_router(safety_pages)
router.include_router(network_pages)
router.include_router(report_pages)
