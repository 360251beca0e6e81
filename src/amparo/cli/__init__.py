"""The ``amparo`` command. Errors become a translated message and an exit code here only."""

from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from amparo.cli.common import make_console
from amparo.errors import AmparoError
from amparo.i18n import gettext_for, supported

app = typer.Typer(
    name="amparo",
    help="Amparo: protection of migrants and their families against extortion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = make_console(stderr=True)


def cli_language() -> str:
    for name in ("AMPARO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        code = supported(os.environ.get(name))
        if code:
            return code
    return "es"


def _register() -> None:
    from amparo.cli import (
        admin,
        check,
        db,
        demo,
        network,
        partners,
        safety,
        serve,
        train,
        traveller,
        warninglist,
    )

    admin.app.add_typer(partners.link_app, name="partner-link")
    admin.app.add_typer(partners.hub_app, name="remote-hub")
    app.add_typer(db.app, name="db")
    app.add_typer(admin.app, name="admin")
    app.add_typer(demo.app, name="demo")
    app.add_typer(traveller.app, name="traveller")
    app.add_typer(safety.alerts_app, name="alerts")
    app.command("checkin")(safety.checkin)
    app.command("sos")(safety.sos)
    app.command("safe")(safety.safe)
    app.command("status")(safety.status)
    app.command("codes")(safety.codes)
    app.command("serve")(serve.serve)
    app.command("worker")(serve.worker)
    app.command("check")(check.check)
    app.command("train")(train.train)
    app.add_typer(network.reports_app, name="reports")
    network.network_app.add_typer(warninglist.app, name="warnings")
    app.add_typer(network.network_app, name="network")
    app.command("lookup")(network.lookup)
    app.command("export")(network.export)


_register()


def main() -> None:
    """Entry point of the console script.

    Usage errors are Typer's (a short message, exit code 2); Amparo's errors are translated here.
    """
    try:
        app()
    except AmparoError as exc:
        _ = gettext_for(cli_language())
        # the message may quote what was typed: "[/]" is text, not Rich markup
        err_console.print(f"[bold red]{_(exc.title)}:[/] {escape(exc.render(_))}", highlight=False)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so plainly, without a stack trace or personal data
        import logging

        logging.getLogger("amparo.cli").error("unexpected %s", type(exc).__name__)
        _ = gettext_for(cli_language())
        err_console.print(
            "[bold red]"
            + _("Something went wrong on our side. Nothing was saved. Please try again.")
            + f"[/] ({type(exc).__name__})",
            highlight=False,
        )
        sys.exit(70)
