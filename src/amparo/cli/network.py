"""``amparo reports import``, ``amparo network clusters`` and ``amparo lookup``."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts import service as accounts_service
from amparo.accounts.models import Organisation
from amparo.cli import cli_language, err_console
from amparo.cli.common import console, db_session, input_file, load_settings, print_json
from amparo.errors import N_, InvalidInput
from amparo.i18n import gettext_for, ngettext_for
from amparo.regions import checked_region

if TYPE_CHECKING:
    from amparo.network.importer import ImportResult

reports_app = typer.Typer(help="Extortion reports.", no_args_is_help=True)
network_app = typer.Typer(
    help="Extortion networks: clusters of linked reports.", no_args_is_help=True
)

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="Organisation short name (default: the only one there is)."),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Country of the reports (MX, US, GT, HN, SV …) for numbers "
        "written without a country code.",
        callback=lambda value: checked_region(value, "--region"),
    ),
]


def organisation(session: Session, slug: str | None) -> Organisation:
    if slug:
        return accounts_service.get_organisation_by_slug(session=session, slug=slug)
    orgs = session.scalars(select(Organisation).limit(2)).all()
    if len(orgs) != 1:
        raise InvalidInput(N_("Say which organisation with --org."), field="org")
    return orgs[0]


def audit_import(
    session: Session,
    owner: Organisation,
    action: str,
    result: ImportResult,
    run: str | None = None,
) -> None:
    """Who imported how much into which organisation, as the export is audited: counts only,
    never a line's values, texts or names (nor the list's source or the partner's name).
    Recorded in the import's own transaction, so what landed is always in the trail."""
    _audit_counts(
        session,
        owner,
        action,
        {
            "imported": result.imported,
            "skipped": len(result.errors),
            **({"updated": result.updated} if result.updated else {}),
            **({"run": run} if run else {}),
        },
    )


def _audit_counts(
    session: Session, owner: Organisation, action: str, details: dict[str, object]
) -> None:
    from amparo.accounts import audit

    audit.record(
        session=session,
        actor=audit.Actor(type="system", id=None, org_id=owner.id),
        action=action,
        origin=audit.CLI,
        target=audit.Target("organisation", owner.id, details),
    )


def show_import(
    result: ImportResult, *, as_json: bool, language: str, listing: bool = False
) -> None:
    """How many were imported (for a public list: also how many it had given before, and how
    many rows repeated a number) and which lines were skipped; exit code 1 if any was."""
    _, ngettext = gettext_for(language), ngettext_for(language)
    counts = {"imported": result.imported}
    if listing:
        counts |= {
            "updated": result.updated,
            "unchanged": result.unchanged,
            "repeated": result.repeated,
        }
    if as_json:
        print_json({**counts, "skipped": [{"line": n, "error": e} for n, e in result.errors]})
    else:
        n = result.imported
        said = [ngettext("%(n)d report imported.", "%(n)d reports imported.", n) % {"n": n}]
        if n := result.updated:
            said.append(
                ngettext(
                    "%(n)d number this list gave before was brought up to date.",
                    "%(n)d numbers this list gave before were brought up to date.",
                    n,
                )
                % {"n": n}
            )
        if n := result.unchanged:
            said.append(
                ngettext(
                    "%(n)d number this list gave before is unchanged.",
                    "%(n)d numbers this list gave before are unchanged.",
                    n,
                )
                % {"n": n}
            )
        if n := result.repeated:
            said.append(
                ngettext(
                    "%(n)d row repeats a number given earlier in the file.",
                    "%(n)d rows repeat a number given earlier in the file.",
                    n,
                )
                % {"n": n}
            )
        for line in said:
            console.print(line)
        for number, error in result.errors:
            err_console.print(
                _("Line %(line)d skipped: %(error)s") % {"line": number, "error": error},
                highlight=False,
                markup=False,  # an error quotes the line's values: "[/]" is text
            )
    if result.errors:
        raise typer.Exit(1)


@reports_app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="JSON Lines file, or - for standard input.")],
    org: OrgOption = None,
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help="Helper processes that prepare the lines of a large file (default: one per "
            "core; 0 or 1: none).",
        ),
    ] = None,
    pool_after: Annotated[int | None, typer.Option("--pool-after", hidden=True, min=0)] = None,
) -> None:
    """Import reports, one JSON object per line; bad lines are reported and skipped."""
    from amparo.network.importer import import_reports

    _ = gettext_for(cli_language())
    settings = load_settings()
    if file == "-":
        stream, size = sys.stdin.buffer, None
    else:
        path = input_file(file)
        stream, size = path.open("rb"), path.stat().st_size
    try:
        with db_session(settings) as session:
            owner = organisation(session, org)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
                disable=not err_console.is_terminal,
            ) as bar:
                task = bar.add_task(_("Importing"), total=size)
                run = secrets.token_hex(6)  # ties the batches' records to the import's

                def audit_batch(batch_session: Session, imported: int, skipped: int) -> None:
                    _audit_counts(
                        batch_session,
                        owner,
                        "reports.import_batch",
                        {"run": run, "imported": imported, "skipped": skipped},
                    )

                result = import_reports(
                    session=session,
                    org_id=owner.id,
                    stream=stream,
                    region=region,
                    gettext=_,
                    progress=lambda n: bar.advance(task, n),
                    workers=workers,
                    pool_after=pool_after,
                    on_commit=audit_batch,
                )
            audit_import(session, owner, "reports.import", result, run)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    show_import(result, as_json=as_json, language=cli_language())


@reports_app.command("import-list")
def import_list(
    file: Annotated[str, typer.Argument(help="CSV file with a header row.")],
    source: Annotated[str, typer.Option("--source", help="Who published the list.")],
    org: OrgOption = None,
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import a public list of extortion numbers (CSV, "," or ";"): one report per number,
    shared with the network; importing the list again updates them."""
    from amparo.network.public_lists import import_list

    _ = gettext_for(cli_language())
    path = input_file(file)
    with path.open("rb") as stream, db_session() as session:
        owner = organisation(session, org)
        result = import_list(
            session=session,
            org_id=owner.id,
            stream=stream,
            source=source,
            region=region,
            gettext=_,
            before_commit=lambda s, r: audit_import(s, owner, "reports.import_list", r),
        )
    show_import(result, as_json=as_json, language=cli_language(), listing=True)


def read_key(key_file: str) -> bytes:
    raw = input_file(key_file).read_bytes().strip()
    try:
        return bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return raw


@reports_app.command("import-feed")
def import_feed(
    file: Annotated[str, typer.Argument(help="A partner hub's hashed feed (JSON Lines).")],
    partner: Annotated[str, typer.Option("--partner", help="The partner hub's name.")],
    key_file: Annotated[str, typer.Option("--key-file", help="The key shared with that hub.")],
    org: OrgOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Replace a partner hub's hashed feed; look-ups then say where partners saw a value."""
    from amparo.network.importer import import_partner_feed

    _ = gettext_for(cli_language())
    key = read_key(key_file)
    path = input_file(file)
    with path.open("rb") as stream, db_session() as session:
        owner = organisation(session, org)
        result = import_partner_feed(
            session=session,
            org_id=owner.id,
            stream=stream,
            partner=partner,
            key=key,
            gettext=_,
            before_commit=lambda s, r: audit_import(s, owner, "partner_feed.import", r),
        )
    show_import(result, as_json=as_json, language=cli_language())


@network_app.command("clusters")
def clusters(
    org: OrgOption = None,
    min_size: Annotated[int, typer.Option("--min-size", help="Smallest cluster shown.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per cluster.")] = False,
) -> None:
    """Clusters of reports linked by shared phone numbers, accounts, profiles …"""
    from amparo.network import service

    _ = gettext_for(cli_language())
    with db_session() as session:  # the networks are read as they are printed
        owner = organisation(session, org)
        views = service.iter_clusters(session=session, org_id=owner.id, min_size=min_size)
        if as_json:
            for view in views:
                print_json(
                    {
                        "cluster_id": view.id,
                        "report_ids": view.external_ids,
                        "reports": view.report_ids,
                        "indicators": view.indicators,
                        "first_seen": view.first_seen.isoformat(),
                        "last_seen": view.last_seen.isoformat(),
                        "channels": view.channels,
                        "categories": view.categories,
                        "places": [{"place": p, "reports": n} for p, n in view.places],
                        "demanded": view.demanded,
                        "paid": view.paid,
                        "piece": view.piece,
                        "pieces": view.pieces,
                        "other_pieces": view.other_pieces,
                    }
                )
            return
        table = Table(title=_("Clusters"))
        for heading in (
            _("Cluster"),
            _("Reports"),
            _("First seen"),
            _("Last seen"),
            _("Top indicators"),
        ):
            table.add_column(heading)
        for view in views:
            top = ", ".join(
                f"{i['type']} {i['display']} ×{i['mentions']}" for i in view.indicators[:3]
            )
            table.add_row(
                str(view.id),
                str(len(view.report_ids)),
                view.first_seen.date().isoformat(),
                view.last_seen.date().isoformat(),
                top,
            )
    console.print(table)


def lookup(
    value: Annotated[str, typer.Argument(help="A phone number, CLABE, card, e-mail, link …")],
    org: OrgOption = None,
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Has this number, account or profile been reported?"""
    from amparo.indicators import shown_reason
    from amparo.network import remote_hubs
    from amparo.network.names import TYPE_NAMES

    _ = gettext_for(cli_language())
    ngettext = ngettext_for(cli_language())
    settings = load_settings()
    with db_session(settings) as session:
        owner = organisation(session, org)
        found = remote_hubs.lookup(
            session,
            value,
            org_id=owner.id,
            region=region,
            timeout=settings.remote_hub_timeout_seconds,
        )
    data = {
        "type": found.type,
        "value": found.value,
        "reported": found.reported,
        "first_seen": found.first_seen.isoformat() if found.first_seen else None,
        "last_seen": found.last_seen.isoformat() if found.last_seen else None,
        "cluster_size": found.cluster_size,
        "categories": found.categories,
        "warning": found.warning,
        "ambiguous_with": found.ambiguous_with,
        "partners": [p.__dict__ for p in found.partners],
        "unreachable": found.unreachable,
    }
    if as_json:
        print_json(data)
        return
    kind = _(TYPE_NAMES.get(found.type, found.type))
    if found.reported:
        console.print(
            ngettext(
                "%(value)s (%(type)s) was reported %(n)d time, last on %(last)s.",
                "%(value)s (%(type)s) was reported %(n)d times, last on %(last)s.",
                found.reported,
            )
            % {
                "value": found.value,
                "type": kind,
                "n": found.reported,
                "last": found.last_seen.date().isoformat() if found.last_seen else "?",
            }
        )
    else:
        console.print(
            _("%(value)s (%(type)s) has not been reported.") % {"value": found.value, "type": kind}
        )
    if found.warning:
        console.print(_("Warning list: %(reason)s") % {"reason": shown_reason(found.warning, _)})
    for sighting in found.partners:
        console.print(
            ngettext(
                "Partner hub %(partner)s: reported %(n)d time.",
                "Partner hub %(partner)s: reported %(n)d times.",
                sighting.reports,
            )
            % {"partner": sighting.partner, "n": sighting.reports}
        )
    for name in found.unreachable:
        err_console.print(
            _("Partner hub %(partner)s could not be asked; its answer is missing.")
            % {"partner": name},
            highlight=False,
        )
    if found.ambiguous_with:
        console.print(
            _("Written without a country code, it could also be: %(others)s")
            % {"others": ", ".join(found.ambiguous_with)}
        )


def export(
    fmt: Annotated[str, typer.Option("--format", help="stix, misp, csv or hashed.")],
    org: OrgOption = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    key_file: Annotated[
        str | None,
        typer.Option(
            "--key-file", help="For --format hashed: the key shared with the partner hub."
        ),
    ] = None,
) -> None:
    """Export the organisation's indicators (never report texts or victims' details)."""
    from amparo.accounts import audit
    from amparo.network import export as exporter

    key = read_key(key_file) if key_file else None
    with db_session() as session:
        owner = organisation(session, org)
        text = exporter.export(
            session, org_id=owner.id, organisation=owner.name, fmt=fmt.lower(), key=key
        )
        audit.record(
            session=session,
            actor=audit.Actor(type="system", id=None, org_id=owner.id),
            action="indicators.export",
            origin=audit.CLI,
            target=audit.Target("organisation", owner.id, {"format": fmt.lower()}),
        )
        if output:
            # before the audit record is committed: an export that could not be written is
            # not one (it failed as "nothing was saved" with the record already in the log)
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError:
                raise InvalidInput(
                    N_("The file %(path)s cannot be written."), field="output", path=output
                ) from None
    if not output:
        sys.stdout.write(text)
