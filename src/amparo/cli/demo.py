"""``amparo demo seed``: a demo organisation and people, so a new user can look around."""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from amparo.accounts import service as accounts_service
from amparo.accounts.models import OrgKind, Role
from amparo.cli.common import console, db_session, load_settings, print_json
from amparo.errors import NotFound
from amparo.safety import service as safety_service
from amparo.settings import Settings

app = typer.Typer(help="Demo data for trying Amparo out.", no_args_is_help=True)

DEMO_ORG = "demo"
DEMO_ADMIN = "admin@demo.amparo.example"
DEMO_FAMILY = "familia@demo.amparo.example"  # same password as the admin: one secret to print


def seed(session: Session, settings: Settings) -> dict[str, str]:
    """Create the demo organisation and people once; return the admin's log-in."""
    data_dir = settings.data_dir
    password_file = data_dir / "demo-login.txt"
    traveller_file = data_dir / "demo-traveller.txt"
    try:
        accounts_service.get_organisation_by_slug(session=session, slug=DEMO_ORG)
        created = False
    except NotFound:
        created = True
    if created:
        org = accounts_service.create_organisation(
            session=session, slug=DEMO_ORG, name="Casa del Migrante (demo)", kind=OrgKind.SHELTER
        )
        password = secrets.token_urlsafe(12)
        accounts_service.create_user(
            session=session,
            org=org,
            email=DEMO_ADMIN,
            display_name="Ana Demo",
            role=Role.ADMIN,
            password=password,
        )
        accounts_service.create_user(
            session=session,
            org=org,
            email="analista@demo.amparo.example",
            display_name="Luis Demo",
            role=Role.ANALYST,
            password=secrets.token_urlsafe(12),
        )
        accounts_service.create_user(
            session=session,
            org=None,
            email="viajero@demo.amparo.example",
            display_name="Kevin Demo",
            role=Role.TRAVELLER,
            password=None,
        )
        # The demo contacts receive their alerts in the demo inbox of the running service.
        inbox = f"json://{settings.host}:{settings.port}/demo-inbox"
        pin = f"{secrets.randbelow(10**6):06d}"
        duress_pin = f"{secrets.randbelow(10**7):07d}"  # 7 digits: never the PIN
        traveller = safety_service.enrol_traveller(
            session=session,
            org=org,
            name="Kevin Demo",
            pin=pin,
            duress_pin=duress_pin,
            every_hours=12,
            grace_minutes=60,
            language="es",
            nationality="HN",
            family_consent=True,  # his mother's account may see his state (DEMO_FAMILY)
            contacts=[
                safety_service.ContactIn(level=1, name="Mamá (demo)", channels=(f"{inbox}/mama",)),
                safety_service.ContactIn(
                    level=2, name="Casa del Migrante (demo)", channels=(f"{inbox}/casa",)
                ),
                safety_service.ContactIn(
                    level=3, name="Consulado de Honduras (demo)", channels=(f"{inbox}/consulado",)
                ),
            ],
        )
        for contact in traveller.contacts:
            contact.confirmed_at = traveller.created_at  # demo contacts need not click a link
        # his mother, signed in, sees his last check-in next to any message she checks
        accounts_service.create_user(
            session=session,
            org=None,
            email=DEMO_FAMILY,
            display_name="Mamá de Kevin (demo)",
            role=Role.FAMILY,
            password=password,
        )
        safety_service.share_with_family(session=session, traveller=traveller, email=DEMO_FAMILY)
        _demo_reports(session, org.id)
        key = safety_service.issue_link_key(session=session, traveller=traveller)
        link = f"{settings.base_url.rstrip('/')}/t/{key}"
        data_dir.mkdir(parents=True, exist_ok=True)
        for path, text in (
            (password_file, password),
            (traveller_file, f"{link} PIN {pin} duress-PIN {duress_pin}"),
        ):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
    password = (
        password_file.read_text(encoding="utf-8").strip()
        if password_file.exists()
        else "(unknown: var/demo-login.txt is missing)"
    )
    traveller_line = (
        traveller_file.read_text(encoding="utf-8").strip() if traveller_file.exists() else ""
    )
    return {
        "email": DEMO_ADMIN,
        "family_email": DEMO_FAMILY,
        "password": password,
        "created": str(created).lower(),
        "traveller": traveller_line,
    }


# Invented reports (the numbers are valid-looking but made up) that form two small networks
# and one lone report, so the network pages and the look-up have something to show.
DEMO_REPORTS = (
    (
        "demo-1",
        20,
        "call",
        "virtual_kidnapping",
        "50000",
        "Tenemos a su hijo. Deposite 50 mil a la CLABE 002180700123456788 y llame al 55 4433 2211.",
    ),
    (
        "demo-2",
        16,
        "whatsapp",
        "virtual_kidnapping",
        "30000",
        "whats +52 1 55 4433 2211: si no paga hoy no lo vuelve a ver",
    ),
    (
        "demo-3",
        11,
        "call",
        "telephone_extortion",
        "20000",
        "Cuenta 002 180 700123456788 a nombre de Rosa Díaz, son 20 mil",
    ),
    (
        "demo-4",
        9,
        "facebook",
        "smuggler_fee",
        "3000",
        "El guía pide el resto por Elektra; escribir a cobros.frontera@example.org",
    ),
    (
        "demo-5",
        4,
        "sms",
        "smuggler_fee",
        "2500",
        "Mande el resto a cobros.frontera@example.org o a la tarjeta OXXO 4152 3137 1234 5672",
    ),
    (
        "demo-6",
        2,
        "call",
        "fake_official",
        "1800",
        "Oficial de migración pide fianza por Zelle al (956) 342-8801",
    ),
)


def _demo_reports(session: Session, org_id: int) -> None:
    from datetime import timedelta

    from amparo.network import service as network
    from amparo.store.types import utcnow

    for external_id, days_ago, channel, category, amount, text in DEMO_REPORTS:
        network.create_report(
            session=session,
            org_id=org_id,
            data=network.ReportIn(
                external_id=external_id,
                text=text,
                reported_at=utcnow() - timedelta(days=days_ago),
                channel=channel,
                category=category,
                amount=amount,
                currency="MXN",
            ),
            region="MX",
        )


@app.command("seed")
def seed_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Create the demo organisation and people (does nothing if they exist)."""
    settings = load_settings()
    if settings.env == "production":
        console.print("[red]Demo data is not created in production.[/]")
        raise typer.Exit(2)
    with db_session(settings) as session:
        login = seed(session, settings)
    if as_json:
        print_json(login)
    else:
        console.print(
            f"Demo sign-in: [bold]{login['email']}[/] / [bold]{login['password']}[/]",
            highlight=False,
        )
        console.print(
            f"Demo family sign-in (Kevin's mother): [bold]{login['family_email']}[/],"
            " same password",
            highlight=False,
        )
        if login["traveller"]:
            console.print(f"Demo traveller page: {login['traveller']}", highlight=False)
        console.print(
            f"Demo inbox (what the contacts receive): {settings.base_url.rstrip('/')}/demo-inbox",
            highlight=False,
        )
