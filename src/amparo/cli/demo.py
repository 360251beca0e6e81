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
        "password": password,
        "created": str(created).lower(),
        "traveller": traveller_line,
    }


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
        if login["traveller"]:
            console.print(f"Demo traveller page: {login['traveller']}", highlight=False)
        console.print(
            f"Demo inbox (what the contacts receive): {settings.base_url.rstrip('/')}/demo-inbox",
            highlight=False,
        )
