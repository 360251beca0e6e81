"""``amparo admin``: organisations, people, API tokens and key rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.accounts.models import OrgKind, Role, Scope
from amparo.cli import cli_language
from amparo.cli.common import console, db_session, load_settings, print_json
from amparo.errors import N_, InvalidInput
from amparo.i18n import gettext_for, ngettext_for
from amparo.store.engine import keyring_from
from amparo.store.types import utcnow

app = typer.Typer(help="Administer organisations, people and keys.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command("create-org")
def create_org(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. casa-migrante-saltillo.")],
    name: Annotated[str, typer.Option("--name", help="Full name shown to people.")],
    kind: Annotated[OrgKind, typer.Option(help="Kind of organisation.")] = OrgKind.NGO,
    as_json: JsonOpt = False,
) -> None:
    """Create an organisation (shelter, NGO, consulate)."""
    with db_session() as session:
        org = accounts_service.create_organisation(session=session, slug=slug, name=name, kind=kind)
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            action="organisation.create",
            origin=audit.CLI,
            target=audit.Target("organisation", org.id),
        )
        result = {"id": org.id, "slug": org.slug, "name": org.name, "kind": org.kind.value}
    if as_json:
        print_json(result)
    else:
        _ = gettext_for(cli_language())
        console.print(
            "[green]"
            + _("Created the organisation %(slug)s (id %(id)d).")
            % {"slug": result["slug"], "id": result["id"]}
            + "[/]"
        )


@app.command("partner")
def partner(
    first: Annotated[str, typer.Argument(help="One organisation's short name.")],
    second: Annotated[str, typer.Argument(help="The other organisation's short name.")],
    remove: Annotated[bool, typer.Option("--remove", help="End the partnership.")] = False,
) -> None:
    """Make two organisations partners: each reads the other's reports shared with partners."""
    from amparo.network import service as network

    with db_session() as session:
        a = accounts_service.get_organisation_by_slug(session=session, slug=first)
        b = accounts_service.get_organisation_by_slug(session=session, slug=second)
        if remove:
            network.remove_partnership(session=session, org_id=a.id, partner_id=b.id)
        else:
            network.add_partnership(session=session, org_id=a.id, partner_id=b.id)
        for org_id, other in ((a.id, b.id), (b.id, a.id)):
            audit.record(
                session=session,
                actor=audit.Actor(type="system", org_id=org_id),
                action="partnership.remove" if remove else "partnership.add",
                origin=audit.CLI,
                target=audit.Target("organisation", other),
            )
    _ = gettext_for(cli_language())
    said = (
        _("%(first)s and %(second)s are no longer partners.")
        if remove
        else _("%(first)s and %(second)s are partners.")
    )
    console.print("[green]" + said % {"first": first, "second": second} + "[/]")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="E-mail address used to sign in.")],
    name: Annotated[str, typer.Option("--name", help="Name shown to colleagues.")],
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation short name (admins, analysts).")
    ] = None,
    role: Annotated[Role, typer.Option(help="What this person may do.")] = Role.ANALYST,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="AMPARO_NEW_PASSWORD",
            help="Password (at least 12 characters); asked for when not given.",
        ),
    ] = None,
    language: Annotated[str, typer.Option(help="es, en, pt or fr.")] = "es",
    as_json: JsonOpt = False,
) -> None:
    """Create a person who can sign in to the pages."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with db_session() as session:
        organisation = (
            accounts_service.get_organisation_by_slug(session=session, slug=org) if org else None
        )
        user = accounts_service.create_user(
            session=session,
            org=organisation,
            email=email,
            display_name=name,
            role=role,
            password=password,
            language=language,
        )
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=user.org_id),
            action="user.create",
            origin=audit.CLI,
            target=audit.Target("user", user.id, {"role": user.role.value}),
        )
        result = {"id": user.id, "role": user.role.value, "org_id": user.org_id}
    if as_json:
        print_json(result)
    else:
        _ = gettext_for(cli_language())
        console.print(
            "[green]"
            + _("Created the account (role %(role)s, id %(id)d).")
            % {"role": result["role"], "id": result["id"]}
            + "[/]"
        )


@app.command("create-token")
def create_token(
    org: Annotated[str, typer.Option("--org", help="Organisation short name.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Permission (repeatable); default: read-only scopes."),
    ] = None,
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = 365,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token. The secret is shown once; only its hash is stored."""
    valid = {s.value: s for s in Scope}
    chosen = scope or [Scope.ORG_READ.value, Scope.USERS_READ.value]
    unknown = [s for s in chosen if s not in valid]
    if unknown:
        raise InvalidInput(
            N_("Unknown permission %(names)s. Known: %(known)s."),
            names=", ".join(unknown),
            known=", ".join(valid),
        )
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput(N_("A token must expire within 1 to 3650 days."))
    with db_session() as session:
        organisation = accounts_service.get_organisation_by_slug(session=session, slug=org)
        secret, token = accounts_service.create_api_token(
            session=session,
            org=organisation,
            name=name,
            scopes=[valid[s] for s in chosen],
            expires_at=utcnow() + timedelta(days=days) if days else None,
        )
        audit.record(
            session=session,
            actor=audit.Actor(type="system", org_id=organisation.id),
            action="token.create",
            origin=audit.CLI,
            target=audit.Target("api_token", token.id, {"scopes": token.scopes}),
        )
        result = {"id": token.id, "token": secret, "scopes": token.scopes}
    if as_json:
        print_json(result)
    else:
        _ = gettext_for(cli_language())
        console.print(
            "[green]"
            + _("Token %(id)d created.") % {"id": result["id"]}
            + "[/] "
            + _("Copy it now; it is not shown again:")
        )
        console.print(secret, highlight=False, soft_wrap=True)


@app.command("rotate-key")
def rotate_key(as_json: JsonOpt = False) -> None:
    """Re-encrypt personal data and hash indicators again under the current AMPARO_SECRET_KEY.

    Set the new key in AMPARO_SECRET_KEY and the old one in AMPARO_OLD_SECRET_KEYS, run this,
    then remove the old key.
    """
    from amparo.store.rotation import rotate

    settings = load_settings()
    keyring = keyring_from(settings)
    with db_session(settings) as session:
        changed = rotate(session=session, keyring=keyring)
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            action="keys.rotate",
            origin=audit.CLI,
            target=audit.Target("keyring", keyring.current_key_id, {"rows": changed}),
        )
    if as_json:
        print_json({"key_id": keyring.current_key_id, "rows": changed})
    else:
        ngettext = ngettext_for(cli_language())
        total = sum(changed.values())
        console.print(
            "[green]"
            + ngettext(
                "%(n)d row sealed or hashed again under key %(key)s.",
                "%(n)d rows sealed or hashed again under key %(key)s.",
                total,
            )
            % {"n": total, "key": keyring.current_key_id}
            + "[/]"
        )
