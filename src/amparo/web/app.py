"""The FastAPI application factory: API under /api/v1, pages at /, one error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from amparo import __version__, logs
from amparo.settings import Settings, get_settings
from amparo.store.engine import (
    keyring_from,
    make_engine,
    make_loop_read_engine,
    make_session_factory,
)
from amparo.web import problems
from amparo.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from amparo.web.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, run_worker: bool = False
) -> FastAPI:
    """Build the app. ``run_worker`` starts the embedded worker (``amparo serve`` does).

    Called with no arguments (``uvicorn --factory``, several processes), it configures itself
    from the environment, logging included."""
    if settings is None:
        settings = get_settings()
        logs.configure(settings.log_level, settings.log_format)
    settings.validate_for_startup()
    engine = engine or make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from amparo.triage import analysis

        analysis.prime()  # the first family should not wait for the models to load
        _warm_up_lookups(app)
        worker = None
        if run_worker and settings.embedded_worker:
            from amparo.worker import BackgroundWorker

            worker = BackgroundWorker(app.state.session_factory, settings)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="Amparo",
        version=__version__,
        summary="Protection of migrants and their families against extortion.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.keyring = keyring_from(settings)
    app.state.session_factory = make_session_factory(engine)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_storage)
    # Reads the event loop makes itself (the message check's look-up), only where nothing in
    # them can wait outside the process: an embedded SQLite file, and the look-up budget in
    # memory (a Redis budget is a network round trip). None: they go to the thread pool.
    loop_read_engine = make_loop_read_engine(engine) if app.state.rate_limiter.in_memory else None
    app.state.loop_reads = make_session_factory(loop_read_engine) if loop_read_engine else None

    problems.install(app)
    problems.document(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(
        RequestContextMiddleware,
        default_language=settings.default_language,
        secure_cookies=settings.cookie_secure,
    )

    from amparo.web.api import router as api_router
    from amparo.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)
    if settings.env != "production":
        from amparo.web.demo_inbox import router as demo_inbox_router

        app.include_router(demo_inbox_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _mount_docs(app)
    return app


def _warm_up_lookups(app: FastAPI) -> None:
    """Extract and look up two numbers once (the first connection, the warning list, the
    compiled queries), so that the first message with a number does not pay for it (~50 ms on
    SQLite). A database that does not
    answer yet is no reason not to start: the look-up will say so when asked."""
    from amparo.verdict import service

    try:
        items = service.to_look_up("+52 55 1234 5678 (713) 555-0199", country=None)
        for factory in (app.state.session_factory, app.state.loop_reads):
            if factory is not None:
                service.indicators_seen_with(factory, items, delay_hours=0)
    except Exception as exc:  # the type only: an error's text may carry statement parameters
        logger.warning("the database did not answer at start-up (%s)", type(exc).__name__)


def _mount_docs(app: FastAPI) -> None:
    """Serve the interactive API docs from our own files, not from a CDN (works offline)."""
    # Swagger UI 5: the 4.x of ``swagger-ui-bundle`` cannot read OpenAPI 3.1, what FastAPI
    # writes ("Unable to render this definition"), so /docs showed no operation at all.
    from openapi_ui_bundles import swagger_ui

    app.mount("/swagger-ui", StaticFiles(directory=swagger_ui.static_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Amparo API",
            swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )
