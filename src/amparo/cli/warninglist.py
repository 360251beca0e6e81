"""``amparo network warnings``: the deployment's warning list — values that are shown but never
link reports — and its re-sync, which ``amparo db upgrade`` also runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from amparo.accounts import audit
from amparo.cli import cli_language
from amparo.cli.common import console, db_session, print_json
from amparo.i18n import gettext_for, ngettext_for
from amparo.regions import checked_region
from amparo.settings import Settings

app = typer.Typer(
    help="The warning list: public lines that are shown but never link reports.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """The shipped entries and the deployment's own (with their ids, to remove one)."""
    from amparo.indicators import shown_reason
    from amparo.network import warninglist

    _ = gettext_for(cli_language())
    with db_session() as session:
        items = warninglist.listing(session=session)
    if as_json:
        for item in items:
            print_json(
                {
                    "id": item.id,
                    "type": item.type,
                    "value": item.value,
                    "reason": item.reason,
                    "source": item.source,
                    "organisation": item.organisation,
                    "added_at": item.added_at.isoformat() if item.added_at else None,
                    "shadowed": item.shadowed,
                }
            )
        return
    table = Table(title=_("Warning list"))
    for heading in (_("Entry"), _("Type"), _("Value"), _("Reason"), _("Added")):
        table.add_column(heading)
    for item in items:
        if item.source == warninglist.SHIPPED:
            added = _("shipped with Amparo")
        else:
            added = item.added_at.date().isoformat() if item.added_at else ""
            if item.organisation:
                added += f" ({item.organisation})"
        # values and reasons are people's text, never Rich markup ("[/]" would crash it)
        table.add_row(
            str(item.id) if item.id is not None else "",
            item.type,
            Text(item.value),
            Text(
                shown_reason(item.reason, _) if item.source == warninglist.SHIPPED else item.reason
            ),
            Text(added),
        )
    console.print(table)


@app.command("add")
def add(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="phone, clabe, card, email, url …")],
    value: Annotated[str, typer.Argument(help="Written any way (+52 55 1234 5678, …).")],
    reason: Annotated[
        str, typer.Option("--reason", help="Whose line it is (at most 200 characters).")
    ],
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Country of a phone number written without its code.",
            callback=lambda value: checked_region(value, "--region"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a value for the whole deployment: it stops linking reports at once (audited)."""
    from amparo.network import warninglist
    from amparo.network.names import TYPE_NAMES

    _ = gettext_for(cli_language())
    with db_session() as session:
        entry, result = warninglist.add_entry(
            session=session,
            kind=kind,
            value=value,
            reason=reason,
            region=region,
            actor=audit.SYSTEM,
            origin=audit.CLI,
        )
        added = {"id": entry.id, "type": entry.type, "value": entry.value}
    if as_json:
        print_json({**added, "sync": result.counts()})
        return
    console.print(
        Text(
            _("Added to the warning list: %(type)s %(value)s (entry %(id)d).")
            % {**added, "type": _(TYPE_NAMES.get(str(added["type"]), str(added["type"])))}
        ),
        highlight=False,
    )
    show_sync(result.counts())


@app.command("remove")
def remove(
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (see list).")],
    as_json: JsonOpt = False,
) -> None:
    """Take a deployment entry off the list: its value links reports again (audited)."""
    from amparo.network import warninglist

    _ = gettext_for(cli_language())
    with db_session() as session:
        result = warninglist.remove_entry(
            session=session, entry_id=entry_id, actor=audit.SYSTEM, origin=audit.CLI
        )
    if as_json:
        print_json({"id": entry_id, "sync": result.counts()})
        return
    console.print(_("Entry %(id)d is off the warning list.") % {"id": entry_id})
    show_sync(result.counts())


@app.command("sync")
def sync(as_json: JsonOpt = False) -> None:
    """Make the stored indicators and the networks agree with the warning list (safe to
    repeat; 'amparo db upgrade' runs it)."""
    counts = resync()
    if as_json:
        print_json(counts)
        return
    show_sync(counts, always=True)


def resync(settings: Settings | None = None) -> dict[str, int]:
    """The re-sync in its own transaction, audited when it changed anything."""
    from amparo.network import warninglist

    with db_session(settings) as session:
        result = warninglist.resync(session=session, actor=audit.SYSTEM, origin=audit.CLI)
    return result.counts()


def show_sync(counts: dict[str, int], *, always: bool = False) -> None:
    """What a re-sync changed, one line per kind of change."""
    ngettext = ngettext_for(cli_language())
    lines = {
        "listed": ngettext(
            "%(n)d stored value stopped linking reports.",
            "%(n)d stored values stopped linking reports.",
            counts["listed"],
        ),
        "unlisted": ngettext(
            "%(n)d stored value links reports again.",
            "%(n)d stored values link reports again.",
            counts["unlisted"],
        ),
        "reworded": ngettext(
            "%(n)d reason was brought up to date.",
            "%(n)d reasons were brought up to date.",
            counts["reworded"],
        ),
        "split": ngettext(
            "%(n)d network split off from another.",
            "%(n)d networks split off from others.",
            counts["split"],
        ),
        "merged": ngettext(
            "%(n)d network was joined to another.",
            "%(n)d networks were joined to others.",
            counts["merged"],
        ),
    }
    changed = [lines[name] % {"n": n} for name, n in counts.items() if n]
    if not changed and always:
        _ = gettext_for(cli_language())
        console.print(_("The stored values already agree with the warning list."))
    for line in changed:
        console.print(line)
