"""``amparo serve`` and ``amparo worker``."""

from __future__ import annotations

import signal
from typing import Annotated

import typer
import uvicorn

from amparo.cli import cli_language
from amparo.cli.common import console, load_settings
from amparo.errors import N_, ConfigurationError
from amparo.i18n import gettext_for
from amparo.store import migrate


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the database schema first.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Web processes. With more than one, run 'amparo worker' separately "
            "(the embedded worker runs only with one process).",
        ),
    ] = 1,
) -> None:
    """Run the web service (API, pages, and the embedded worker)."""
    settings = load_settings()
    if migrate_first:
        migrate.upgrade(settings.resolved_database_url)
        from amparo.cli import warninglist

        warninglist.show_sync(warninglist.resync(settings))
    bind_host, bind_port = host or settings.host, port or settings.port
    from amparo.web import processes

    # A socket per process where the kernel balances them (see amparo.web.processes).
    own_sockets = workers > 1 and processes.balanced()
    # Before saying "listening": a port another program holds is a clear error now, not a
    # uvicorn error after the announcement (found by QA).
    processes.check_address(bind_host, bind_port)
    _ = gettext_for(cli_language())
    url = f"http://{bind_host}:{bind_port}"
    console.print("[bold green]" + _("Amparo is listening on %(url)s") % {"url": url} + "[/]")
    options = {
        "host": bind_host,
        "port": bind_port,
        "log_config": None,
        "access_log": False,  # ours logs route templates only, never paths or addresses
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        # asyncio, not uvloop even where installed: with checks computed on the loop, uvloop
        # served a few connections ~1 s late under load (p99 ~1 s against ~0.13 s, same rate)
        "loop": "asyncio",
    }
    if own_sockets:  # each process builds its own app from the environment
        del options["host"], options["port"]
        if processes.run(bind_host, bind_port, workers, options) != 0:
            raise ConfigurationError(
                N_("The web processes stop as soon as they start: the log above says why.")
            )
        return
    if workers > 1:
        uvicorn.run(processes.APP, factory=True, workers=workers, **options)  # type: ignore[arg-type]
        return
    from amparo.web.app import create_app

    uvicorn.run(create_app(settings, run_worker=True), **options)  # type: ignore[arg-type]


def worker() -> None:
    """Run the background worker in the foreground until Ctrl+C or SIGTERM."""
    from amparo.store.engine import make_engine, make_session_factory
    from amparo.worker import Worker

    settings = load_settings()
    engine = make_engine(settings)
    loop = Worker(make_session_factory(engine), settings)
    signal.signal(signal.SIGTERM, lambda *_: loop.stop())
    signal.signal(signal.SIGINT, lambda *_: loop.stop())
    console.print(f"[bold green]Amparo worker[/] running {len(loop.jobs)} jobs")
    loop.run_forever()
    engine.dispose()
