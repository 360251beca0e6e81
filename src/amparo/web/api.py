"""The JSON API under /api/v1: every domain's router, and health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from amparo import __version__
from amparo.accounts.api import router as accounts_router
from amparo.errors import N_, ServiceUnavailable
from amparo.network.api import router as network_router
from amparo.network.warninglist_api import router as warninglist_router
from amparo.safety.api import router as safety_router
from amparo.verdict.api import router as verdict_router

router = APIRouter(prefix="/api/v1")


class Health(BaseModel):
    status: str
    version: str
    database: str


@router.get("/health", response_model=Health, tags=["service"], summary="Is the service up")
def health(request: Request) -> Health:
    session: Session = request.app.state.session_factory()
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(N_("The database is not answering.")) from exc
    finally:
        session.close()
    return Health(status="ok", version=__version__, database="ok")


router.include_router(verdict_router)
router.include_router(accounts_router)
router.include_router(safety_router)
router.include_router(network_router)
router.include_router(warninglist_router)
