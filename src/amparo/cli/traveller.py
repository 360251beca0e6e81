"""``amparo traveller``: enrol travellers and their trusted contacts."""

from __future__ import annotations

from typing import Annotated

import typer

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.cli.common import console, db_session, print_json

app = typer.Typer(help="Travellers and their trusted contacts.", no_args_is_help=True)


@app.command("enrol")
def enrol(
    name: Annotated[str, typer.Option("--name", help="The traveller's name.")],
    pin: Annotated[str, typer.Option("--pin", help="Check-in PIN, 4 to 8 digits.")],
    duress_pin: Annotated[
        str, typer.Option("--duress-pin", help="A different PIN that raises a silent alert.")
    ],
    contact: Annotated[
        list[str],
        typer.Option(
            "--contact",
            help="LEVEL:APPRISE_URL, repeatable (1 family, 2 NGO, 3 consulate), "
            "e.g. 1:mailto://ana@example.org",
        ),
    ],
    every: Annotated[
        float | None, typer.Option("--every", help="Check in every this many hours.")
    ] = None,
    grace: Annotated[int, typer.Option("--grace", help="Minutes of grace before alerting.")] = 60,
    language: Annotated[str, typer.Option(help="es, en, pt or fr.")] = "es",
    nationality: Annotated[str | None, typer.Option(help="ISO country code, e.g. HN.")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation short name that enrols them.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"id": …}.')] = False,
) -> None:
    """Enrol a traveller: PIN, duress PIN, check-in schedule and trusted contacts."""
    from amparo.safety import service as safety_service

    contacts = [safety_service.parse_contact(spec) for spec in contact]
    with db_session() as session:
        organisation = (
            accounts_service.get_organisation_by_slug(session=session, slug=org) if org else None
        )
        traveller = safety_service.enrol_traveller(
            session=session,
            org=organisation,
            name=name,
            pin=pin,
            duress_pin=duress_pin,
            every_hours=every,
            grace_minutes=grace,
            contacts=contacts,
            language=language,
            nationality=nationality,
        )
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            action="traveller.enrol",
            origin=audit.CLI,
            target=audit.Target("traveller", traveller.id, {"contacts": len(contacts)}),
        )
        result = {"id": traveller.id, "contacts": len(traveller.contacts)}
    if as_json:
        print_json({"id": result["id"]})
    else:
        console.print(
            f"[green]Enrolled traveller {result['id']}[/] with {result['contacts']} contacts."
        )
