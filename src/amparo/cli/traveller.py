"""``amparo traveller``: enrol travellers and their trusted contacts."""

from __future__ import annotations

from typing import Annotated

import typer

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.cli import cli_language
from amparo.cli.common import console, db_session, load_settings, print_json
from amparo.i18n import gettext_for

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
    times: Annotated[
        str | None, typer.Option("--times", help="Fixed check-in times instead, e.g. 08:00,20:00.")
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone of --times, e.g. America/Tegucigalpa.")
    ] = "UTC",
    escalation: Annotated[
        int, typer.Option("--escalation", help="Minutes between escalation levels.")
    ] = 60,
    consulate: Annotated[str | None, typer.Option(help="Their consulate, free text.")] = None,
    family_consent: Annotated[
        bool,
        typer.Option("--family-view/--no-family-view", help="Linked family may see the status."),
    ] = False,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation short name that enrols them.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"id": …}.')] = False,
) -> None:
    """Enrol a traveller: PIN, duress PIN, check-in schedule and trusted contacts."""
    from amparo.safety import service as safety_service

    settings = load_settings()
    contacts = [safety_service.parse_contact(spec) for spec in contact]
    with db_session(settings) as session:
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
            checkin_times=times,
            timezone=timezone,
            escalation_minutes=escalation,
            consulate=consulate,
            family_consent=family_consent,
        )
        key = safety_service.issue_link_key(session=session, traveller=traveller)
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            action="traveller.enrol",
            origin=audit.CLI,
            target=audit.Target("traveller", traveller.id, {"contacts": len(contacts)}),
        )
        result = {
            "id": traveller.id,
            "contacts": len(traveller.contacts),
            "handle": traveller.handle,
            "link": f"{settings.base_url.rstrip('/')}/t/{key}",
        }
    if as_json:
        print_json({"id": result["id"]})
        return
    _ = gettext_for(cli_language())
    console.print(
        "[green]"
        + _("Enrolled traveller %(id)s with %(n)s trusted contacts.")
        % {"id": result["id"], "n": result["contacts"]}
        + "[/]"
    )
    console.print(_("Traveller number: %(handle)s") % {"handle": result["handle"]})
    console.print(
        _("Personal check-in and SOS link (shown only now; keep it private): %(link)s")
        % {"link": result["link"]}
    )
    console.print(_("Print the card of one-time codes with: amparo codes %(id)s") % result)


@app.command("close")
def close(
    traveller_id: Annotated[int, typer.Argument(help="The traveller's id.", min=1)],
) -> None:
    """Close a trip: check-ins stop, and everything about it is deleted after the retention time."""
    from amparo.safety import service as safety_service

    settings = load_settings()
    with db_session(settings) as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        safety_service.close_trip(session=session, traveller=traveller)
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            action="traveller.close",
            origin=audit.CLI,
            target=audit.Target("traveller", traveller.id),
        )
    _ = gettext_for(cli_language())
    console.print(
        _("Trip closed; its data will be deleted in %(days)d days.")
        % {"days": settings.trip_retention_days}
    )


@app.command("share")
def share(
    traveller_id: Annotated[int, typer.Argument(help="The traveller's id.", min=1)],
    email: Annotated[str, typer.Option("--email", help="The family member's account e-mail.")],
) -> None:
    """Let a family account see the traveller's status (the traveller must have agreed)."""
    from amparo.safety import service as safety_service

    with db_session() as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        safety_service.share_with_family(session=session, traveller=traveller, email=email)
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            action="traveller.share",
            origin=audit.CLI,
            target=audit.Target("traveller", traveller.id),
        )
    _ = gettext_for(cli_language())
    console.print(_("Shared: the family account now sees this traveller's status."))
