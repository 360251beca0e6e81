"""``amparo admin partner-link`` (hubs that may ask us online) and ``amparo admin remote-hub``
(hubs our members' look-ups ask online)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.cli import cli_language
from amparo.cli.common import console, db_session, input_file, load_settings, print_json
from amparo.cli.network import OrgOption, organisation, read_key
from amparo.i18n import gettext_for, ngettext_for

link_app = typer.Typer(
    help="Partner hubs allowed to ask this organisation's look-up online, by keyed hash.",
    no_args_is_help=True,
)
hub_app = typer.Typer(
    help="Partner hubs that members' look-ups ask online, by keyed hash.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
NameArg = Annotated[str, typer.Argument(help="The partner hub's name.")]
KeyFile = Annotated[
    str, typer.Option("--key-file", help="The key shared with that hub (at least 32 bytes).")
]


def _audit(session: Session, org_id: int, action: str, target: audit.Target) -> None:
    """Every change made here is audited, as done by the system for that organisation."""
    audit.record(
        session=session,
        actor=audit.Actor(type="system", org_id=org_id),
        action=action,
        origin=audit.CLI,
        target=target,
    )


@link_app.command("add")
def link_add(
    name: NameArg, key_file: KeyFile, org: OrgOption = None, as_json: JsonOpt = False
) -> None:
    """Let a partner hub ask online; prints the token to give that hub, once."""
    from amparo.network import partner_links

    _ = gettext_for(cli_language())
    key = read_key(key_file)
    with db_session() as session:
        owner = organisation(session, org)
        secret, link, size = partner_links.add_link(
            session=session, org_id=owner.id, name=name, key=key
        )
        _audit(
            session,
            owner.id,
            "partner_link.add",
            audit.Target("partner_link", link.id, {"hashes": size}),
        )
    if as_json:
        print_json({"name": link.name, "token": secret, "hashes": size})
        return
    ngettext = ngettext_for(cli_language())
    console.print(
        ngettext(
            "Partner hub %(name)s may now ask online (%(n)d value shared).",
            "Partner hub %(name)s may now ask online (%(n)d values shared).",
            size,
        )
        % {"name": link.name, "n": size}
    )
    console.print(_("Give that hub this token; it is not shown again:"))
    console.print(secret, highlight=False, soft_wrap=True)


@link_app.command("list")
def link_list(org: OrgOption = None, as_json: JsonOpt = False) -> None:
    """Partner hub links: name, token prefix, values shared, last use, revoked or not."""
    from amparo.network import partner_links

    _ = gettext_for(cli_language())
    with db_session() as session:
        owner = organisation(session, org)
        links = partner_links.list_links(session=session, org_id=owner.id)
    if as_json:
        for info in links:
            print_json(info.__dict__)
        return
    table = Table(title=_("Partner hub links"))
    for heading in (_("Name"), _("Token"), _("Values"), _("Last used"), _("Revoked")):
        table.add_column(heading)
    for info in links:
        table.add_row(
            info.name,
            info.prefix + "…",
            str(info.hashes),
            info.last_used_at.isoformat(timespec="minutes") if info.last_used_at else "",
            info.revoked_at.date().isoformat() if info.revoked_at else "",
        )
    console.print(table)


@link_app.command("revoke")
def link_revoke(name: NameArg, org: OrgOption = None) -> None:
    """The hub's token stops working at once."""
    from amparo.network import partner_links

    _ = gettext_for(cli_language())
    with db_session() as session:
        owner = organisation(session, org)
        link = partner_links.revoke_link(session=session, org_id=owner.id, name=name)
        _audit(session, owner.id, "partner_link.revoke", audit.Target("partner_link", link.id))
    console.print(_("Partner hub %(name)s may no longer ask.") % {"name": link.name})


@link_app.command("refresh")
def link_refresh(name: NameArg, org: OrgOption = None, as_json: JsonOpt = False) -> None:
    """Rebuild the values shared with a hub from scratch (they are also kept current as
    reports change)."""
    from amparo.network import partner_links

    _ = gettext_for(cli_language())
    with db_session() as session:
        owner = organisation(session, org)
        link, size = partner_links.refresh_link(session=session, org_id=owner.id, name=name)
        _audit(
            session,
            owner.id,
            "partner_link.refresh",
            audit.Target("partner_link", link.id, {"hashes": size}),
        )
    if as_json:
        print_json({"name": link.name, "hashes": size})
    else:
        ngettext = ngettext_for(cli_language())
        console.print(
            ngettext(
                "%(n)d value shared with %(name)s.", "%(n)d values shared with %(name)s.", size
            )
            % {"n": size, "name": link.name}
        )


@hub_app.command("add")
def hub_add(
    name: NameArg,
    url: Annotated[str, typer.Option("--url", help="The hub's base URL, https://…")],
    key_file: KeyFile,
    token_file: Annotated[
        str, typer.Option("--token-file", help="A file holding the token that hub gave you.")
    ],
    org: OrgOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask this partner hub online on every member's look-up (key and token kept encrypted)."""
    from amparo.network import remote_hubs

    _ = gettext_for(cli_language())
    settings = load_settings()
    key = read_key(key_file)
    token = input_file(token_file).read_text(encoding="utf-8", errors="replace").strip()
    with db_session(settings) as session:
        owner = organisation(session, org)
        hub = remote_hubs.add_hub(
            session=session,
            org_id=owner.id,
            name=name,
            url=url,
            key=key,
            token=token,
            allow_http=settings.env != "production",
        )
        _audit(session, owner.id, "remote_hub.add", audit.Target("remote_hub", hub.id))
        result = {"name": hub.name, "url": hub.url}
    if as_json:
        print_json(result)
    else:
        console.print(_("Look-ups will also ask %(name)s (%(url)s).") % result, highlight=False)


@hub_app.command("list")
def hub_list(org: OrgOption = None, as_json: JsonOpt = False) -> None:
    """Partner hubs asked online (never their keys or tokens)."""
    from amparo.network import remote_hubs

    _ = gettext_for(cli_language())
    with db_session() as session:
        owner = organisation(session, org)
        hubs = [
            {"name": h.name, "url": h.url, "created_at": h.created_at.isoformat()}
            for h in remote_hubs.list_hubs(session=session, org_id=owner.id)
        ]
    if as_json:
        for hub in hubs:
            print_json(hub)
        return
    table = Table(title=_("Partner hubs asked online"))
    table.add_column(_("Name"))
    table.add_column("URL")
    for hub in hubs:
        table.add_row(hub["name"], hub["url"])
    console.print(table)


@hub_app.command("remove")
def hub_remove(name: NameArg, org: OrgOption = None) -> None:
    """Stop asking this partner hub (its key and token are deleted)."""
    from amparo.network import remote_hubs

    _ = gettext_for(cli_language())
    with db_session() as session:
        owner = organisation(session, org)
        hub = remote_hubs.remove_hub(session=session, org_id=owner.id, name=name)
        _audit(session, owner.id, "remote_hub.remove", audit.Target("remote_hub", hub.id))
    console.print(_("Look-ups no longer ask %(name)s.") % {"name": hub.name})
