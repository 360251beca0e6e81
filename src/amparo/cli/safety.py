"""``amparo checkin | sos | safe | status | codes`` and ``amparo alerts list``.

These act for a traveller at a shelter's or consulate's terminal, by the traveller's id. What
they print is what the web and API answer; a duress PIN prints the same as the real one.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from amparo.accounts import audit
from amparo.cli import cli_language
from amparo.cli.common import console, db_session, load_settings, print_json
from amparo.i18n import gettext_for

alerts_app = typer.Typer(help="The alert desk.", no_args_is_help=True)

TravellerId = Annotated[int, typer.Argument(help="The traveller's id.", min=1)]
Where = Annotated[
    str | None, typer.Option("--where", help="Coarse place, e.g. 'Tapachula' (no address).")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _receipt_line(status: str, next_due: str | None) -> str:
    _ = gettext_for(cli_language())
    if next_due:
        return _("Check-in received. Next check-in due by %(due)s.") % {"due": next_due}
    return _("Check-in received.")


def checkin(
    traveller_id: TravellerId,
    pin: Annotated[str, typer.Option("--pin", help="The traveller's PIN.")],
    where: Where = None,
    as_json: Json = False,
) -> None:
    """Check in ("I'm OK") for a traveller, with their PIN."""
    from amparo.safety import checkins
    from amparo.safety import service as safety_service

    settings = load_settings()
    with db_session(settings) as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        receipt = checkins.check_in(
            session=session,
            traveller=traveller,
            pin=pin,
            place=where,
            via="cli",
            policy=checkins.Policy.of(settings),
        )
    if as_json:
        print_json(receipt.to_dict())
    else:
        due = receipt.next_due_at.strftime("%Y-%m-%d %H:%M UTC") if receipt.next_due_at else None
        console.print(f"[green]{_receipt_line(receipt.status, due)}[/]")


def sos(traveller_id: TravellerId, where: Where = None, as_json: Json = False) -> None:
    """Raise an SOS: every contact is alerted at once (after the short cancel window)."""
    from amparo.safety import checkins
    from amparo.safety import service as safety_service

    settings = load_settings()
    _ = gettext_for(cli_language())
    with db_session(settings) as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        receipt = checkins.sos(
            session=session,
            traveller=traveller,
            location=where,
            via="cli",
            policy=checkins.Policy.of(settings),
        )
    if as_json:
        print_json(receipt.to_dict())
    else:
        message = _("SOS raised: every trusted contact is being alerted.")
        console.print(message, style="bold red")


def safe(
    traveller_id: TravellerId,
    pin: Annotated[str, typer.Option("--pin", help="The traveller's PIN.")],
    as_json: Json = False,
) -> None:
    """ "I'm safe": close every open emergency and tell everyone who was alerted."""
    from amparo.safety import checkins
    from amparo.safety import service as safety_service

    settings = load_settings()
    _ = gettext_for(cli_language())
    with db_session(settings) as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        receipt = checkins.im_safe(
            session=session, traveller=traveller, pin=pin, policy=checkins.Policy.of(settings)
        )
    if as_json:
        print_json(receipt.to_dict())
    else:
        message = _("Received. Everyone who was alerted is being told.")
        console.print(message, style="green")


def status(traveller_id: TravellerId, as_json: Json = False) -> None:
    """Last check-in, coarse place and state; a precise location only during an SOS or duress."""
    from amparo.safety import service as safety_service
    from amparo.safety import status as safety_status

    _ = gettext_for(cli_language())
    with db_session() as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        seen = safety_status.status(
            session=session,
            traveller=traveller,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            origin=audit.CLI,
        )
        data = seen.to_dict()
    if as_json:
        print_json(data)
        return
    table = Table(show_header=False, box=None)
    labels = {
        "name": _("Traveller"),
        "state": _("State"),
        "last_checkin_at": _("Last check-in"),
        "place": _("Place"),
        "next_due_at": _("Next check-in due"),
        "silenced_until": _("Planned silence until"),
        "emergency": _("Open emergency"),
        "acknowledged": _("Acknowledged by a contact"),
        "location": _("Location (emergency only)"),
    }
    for key, label in labels.items():
        value = data.get(key)
        if value not in (None, False, ""):
            table.add_row(f"[bold]{label}[/]", str(value))
    console.print(table)


def codes(traveller_id: TravellerId, as_json: Json = False) -> None:
    """Issue a new card of one-time codes; the unused codes of the previous card stop working."""
    from amparo.safety import checkins
    from amparo.safety import service as safety_service

    _ = gettext_for(cli_language())
    with db_session() as session:
        traveller = safety_service.get_traveller(session=session, traveller_id=traveller_id)
        card = checkins.issue_card(session=session, traveller=traveller)
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=traveller.org_id),
            action="traveller.codes",
            origin=audit.CLI,
            target=audit.Target("traveller", traveller.id, {"card": card.number}),
        )
    if as_json:
        print_json(card.to_dict())
        return
    table = Table(
        title=_("Amparo check-in card %(n)d — traveller %(handle)s")
        % {"n": card.number, "handle": card.handle}
    )
    table.add_column("#", justify="right")
    table.add_column(_("Code"))
    for position, code, _duress in card.codes:
        table.add_row(str(position), code)
    console.print(table)
    console.print(
        _("Each code works once. Check in from any phone with your traveller number and a code.")
    )
    console.print("✂ " + "-" * 60)
    positions = ", ".join(str(p) for p, _c, duress in card.codes if duress)
    console.print(
        _("Tear off and memorise: codes %(positions)s raise a silent alert.")
        % {"positions": positions}
    )


@alerts_app.command("list")
def list_alerts(
    state: Annotated[
        str | None,
        typer.Option(help="pending, delivered, acknowledged, unresolved or cancelled."),
    ] = None,
    org: Annotated[str | None, typer.Option(help="Organisation short name.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Json = False,
) -> None:
    """Alerts, newest first: what was sent to whom, and what nobody has answered."""
    from amparo.accounts import service as accounts_service
    from amparo.alerts import service as alerts_service
    from amparo.alerts.models import AlertState
    from amparo.errors import N_, InvalidInput

    _ = gettext_for(cli_language())
    try:
        wanted = AlertState(state) if state else None
    except ValueError:
        raise InvalidInput(
            N_("Unknown state; use pending, delivered, acknowledged, unresolved or cancelled."),
            field="state",
        ) from None
    with db_session() as session:
        org_id = (
            accounts_service.get_organisation_by_slug(session=session, slug=org).id if org else None
        )
        rows = [
            alerts_service.alert_summary(a)
            for a in alerts_service.list_alerts(
                session=session, org_id=org_id, state=wanted, limit=limit
            )
        ]
    if as_json:
        print_json(rows)
        return
    table = Table()
    for column in (
        "id",
        _("Traveller"),
        _("Kind"),
        _("Level"),
        _("State"),
        _("Created"),
        _("Deliveries"),
    ):
        table.add_column(column)
    for row in rows:
        deliveries = ", ".join(f"{k} {v}" for k, v in row["deliveries"].items())  # type: ignore[attr-defined]
        table.add_row(
            str(row["id"]),
            str(row["traveller_id"]),
            str(row["kind"]),
            str(row["level"]),
            str(row["state"]),
            str(row["created_at"])[:19],
            deliveries,
        )
    console.print(table)
