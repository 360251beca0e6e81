"""``amparo db``: database migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from amparo.cli import warninglist
from amparo.cli.common import console, load_settings
from amparo.store import migrate

app = typer.Typer(help="Create or update the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date (safe to run on every start), then the stored
    values up to date with the warning list (a release may list new public lines)."""
    settings = load_settings()
    migrate.upgrade(settings.resolved_database_url, revision)
    console.print(f"[green]Database is at revision {revision}.[/]")
    if revision == "head":  # an older revision may not hold the warning list's table
        warninglist.show_sync(warninglist.resync(settings))


@app.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1.")]) -> None:
    """Undo migrations down to REVISION."""
    settings = load_settings()
    migrate.downgrade(settings.resolved_database_url, revision)
    console.print(f"[yellow]Database downgraded to {revision}.[/]")


@app.command("check")
def check() -> None:
    """Fail if the code's models and the migrations disagree."""
    settings = load_settings()
    migrate.check(settings.resolved_database_url)
    console.print("[green]Models and migrations agree.[/]")
