"""The deployment's warning list: entries people add, and the re-sync that makes every stored
indicator and every cluster agree with the list — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.accounts.models import AuditEvent
from amparo.errors import Conflict, InvalidInput, NotFound
from amparo.i18n import gettext_for
from amparo.indicators import WarningList, default_warning_list
from amparo.network import export, partner_links, service, warninglist
from amparo.network.export import feed_hash
from amparo.network.importer import import_reports
from amparo.network.models import (
    IndicatorKey,
    Mention,
    PartnerLinkHash,
    Report,
    ReportStatus,
    WarningEntry,
)
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories

HOTLINE = "+525580808080"  # a shelter's own hotline: in every report it is given to
HOTLINE_WRITTEN = "55 8080 8080"
CEL_A, CEL_B = "+525511223344", "+525599887766"
CONSEJO = "+525555335533"  # shipped: the Consejo Ciudadano
REASON = "Línea de ayuda de la Casa del Migrante (la damos a cada familia)"


def report(db: Session, org_id: int, *phones: str, **extra: object) -> Report:
    data = ReportIn(indicators=tuple(IndicatorIn("phone", p) for p in phones), **extra)  # type: ignore[arg-type]
    created = service.create_report(session=db, org_id=org_id, data=data, region="MX")
    db.flush()
    return created


def add(db: Session, value: str = HOTLINE_WRITTEN, reason: str = REASON, **kw: object) -> int:
    entry, _ = warninglist.add_entry(
        session=db,
        kind=str(kw.get("kind", "phone")),
        value=value,
        reason=reason,
        region=kw.get("region", "MX"),  # type: ignore[arg-type]
        actor=audit.SYSTEM,
        origin=audit.CLI,
    )
    return entry.id


def clusters(db: Session) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for report_id, cluster_id in db.execute(
        select(Report.id, Report.cluster_id).where(Report.status != ReportStatus.RETRACTED)
    ):
        assert cluster_id is not None
        groups.setdefault(cluster_id, set()).add(report_id)
    return {frozenset(g) for g in groups.values()}


def components(db: Session) -> set[frozenset[int]]:
    """networkx's connected components of the live reports and their linkable indicators."""
    graph = nx.Graph()
    for (report_id,) in db.execute(
        select(Report.id).where(Report.status != ReportStatus.RETRACTED)
    ):
        graph.add_node(("r", report_id))
    for report_id, indicator_id in db.execute(
        select(Mention.report_id, Mention.indicator_id)
        .join(Report, Report.id == Mention.report_id)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(Report.status != ReportStatus.RETRACTED, IndicatorKey.warning.is_(None))
    ):
        graph.add_edge(("r", report_id), ("i", indicator_id))
    return {frozenset(n[1] for n in part if n[0] == "r") for part in nx.connected_components(graph)}


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_listed_value_unlinks_its_reports_and_links_them_again_when_removed(
    db: Session,
) -> None:
    org = factories.org(db)
    a = report(db, org.id, HOTLINE)
    b = report(db, org.id, HOTLINE, CEL_A)
    c = report(db, org.id, CEL_A)
    d = report(db, org.id, HOTLINE)
    assert clusters(db) >= {frozenset({a.id, b.id, c.id, d.id})}
    assert [s[0] for s in service.path_between(db, a.id, c.id, org_id=org.id) or []] == [
        a.id,
        b.id,
        c.id,
    ]

    entry_id = add(db)
    # Split exactly as if the hotline had never linked: b and c share a number, a and d alone.
    assert clusters(db) == components(db)
    assert {frozenset({b.id, c.id}), frozenset({a.id}), frozenset({d.id})} <= clusters(db)
    stored = db.get_one(WarningEntry, entry_id)
    assert (stored.type, stored.value, stored.reason) == ("phone", HOTLINE, REASON)
    # No look-up, cluster or path shows the link any more.
    with pytest.raises(NotFound):
        service.path_between(db, a.id, b.id, org_id=org.id)
    views = service.clusters_for(db, org_id=org.id)
    assert [sorted(v.report_ids) for v in views] == [sorted([b.id, c.id])]
    graph = service.graph_of(db, views[0])
    assert [i["label"] for i in graph["indicators"]] == [CEL_A]  # type: ignore[index]
    found = service.lookup(db, HOTLINE_WRITTEN, org_id=org.id, region="MX")
    assert (found.value, found.reported, found.warning) == (HOTLINE, 3, REASON)
    assert found.cluster_size == 0  # a listed value is in no network
    assert service.lookup(db, CEL_A, org_id=org.id).cluster_size == 2
    # A new report with the hotline links to nothing either.
    e = report(db, org.id, HOTLINE)
    assert frozenset({e.id}) in clusters(db)
    (added,) = events(db, "warninglist.add")
    assert (added.target_type, added.target_id, added.actor_type) == (
        "warning_entry",
        str(entry_id),
        "system",
    )
    assert added.details == {
        "type": "phone",
        "listed": 1,
        "unlisted": 0,
        "reworded": 0,
        "split": 2,
        "merged": 0,
    }
    assert HOTLINE not in json.dumps(added.details)  # counts only, never the value

    result = warninglist.remove_entry(
        session=db, entry_id=entry_id, actor=audit.SYSTEM, origin=audit.CLI
    )
    assert (result.unlisted, result.merged) == (1, 3)  # a, d and e join b and c again
    assert frozenset({a.id, b.id, c.id, d.id, e.id}) in clusters(db)
    assert clusters(db) == components(db)
    path = service.path_between(db, a.id, c.id, org_id=org.id)
    assert path is not None
    assert path[0][0] == a.id
    assert service.lookup(db, HOTLINE, org_id=org.id).warning is None
    assert service.lookup(db, HOTLINE, org_id=org.id).cluster_size == 5
    assert db.get(WarningEntry, entry_id) is None
    (removed,) = events(db, "warninglist.remove")
    assert removed.details["unlisted"] == 1
    with pytest.raises(NotFound):
        warninglist.remove_entry(
            session=db, entry_id=entry_id, actor=audit.SYSTEM, origin=audit.CLI
        )


def test_an_entry_is_deployment_wide(db: Session) -> None:
    """One organisation's shared report and another's link through the hotline until it is
    listed: then neither sees the other's report in a network."""
    mine, theirs = factories.org(db), factories.org(db)
    report(db, mine.id, HOTLINE)
    report(db, theirs.id, HOTLINE, sharing="network")
    assert [len(v.report_ids) for v in service.clusters_for(db, org_id=mine.id)] == [2]
    add(db)
    assert service.clusters_for(db, org_id=mine.id) == []
    assert service.lookup(db, HOTLINE, org_id=mine.id).reported == 2  # still counted, shown


def test_the_upgrade_path_lists_values_stored_before_they_were_shipped(db: Session) -> None:
    """An older release stored the Consejo Ciudadano's number without a warning (the list did
    not have it yet) and linked through it; the re-sync that runs after an upgrade lists it and
    splits the cluster. Run twice, it changes nothing the second time."""
    org = factories.org(db)
    older = WarningList({})  # the list of a release before the entry was shipped
    a = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text="llamé al 55 5533 5533"), warnings=older
    )
    b = service.create_report(
        session=db,
        org_id=org.id,
        data=ReportIn(indicators=(IndicatorIn("phone", CONSEJO),)),
        warnings=older,
        region="MX",
    )
    db.flush()
    db.refresh(a)
    db.refresh(b)
    assert a.cluster_id == b.cluster_id
    row = db.scalar(select(IndicatorKey).where(IndicatorKey.id == a.mentions[0].indicator_id))
    assert row is not None
    assert row.warning is None

    first = warninglist.sync(session=db)
    assert (first.listed, first.split) == (1, 1)
    db.refresh(row)
    assert row.warning == default_warning_list().reason("phone", CONSEJO)
    assert {frozenset({a.id}), frozenset({b.id})} <= clusters(db)
    # Idempotent: nothing left to do.
    again = warninglist.sync(session=db)
    assert not again.changed
    assert clusters(db) == components(db)
    # Every listed value now has its stored row, with its reason (for writers with an old list).
    listed = default_warning_list().entries
    rows = {
        (r.type, r.key): r.warning
        for r in db.scalars(select(IndicatorKey).where(IndicatorKey.warning.is_not(None)))
    }
    assert all(
        rows.get((kind, service.indicator_key(kind, value))) == reason
        for (kind, value), reason in listed.items()
    )


def test_a_value_taken_off_the_list_links_again(db: Session) -> None:
    """The reverse: a value stored as listed that the list no longer holds (a release dropped
    it) links its reports on the next re-sync; a reason reworded is brought up to date."""
    org = factories.org(db)
    warninglist.sync(session=db)  # the shipped values' rows, as after an upgrade
    first = report(db, org.id, CEL_B)
    # As an older release that listed the number stored it:
    row = db.get_one(IndicatorKey, first.mentions[0].indicator_id)
    row.warning = "a number that release listed"
    consejo = db.scalar(
        select(IndicatorKey).where(IndicatorKey.key == service.indicator_key("phone", CONSEJO))
    )
    assert consejo is not None
    consejo.warning = "an older wording"
    db.flush()
    second = report(db, org.id, CEL_B)  # the stored row's word wins: no link
    assert {frozenset({first.id}), frozenset({second.id})} <= clusters(db)

    result = warninglist.sync(session=db)
    assert (result.listed, result.unlisted, result.merged, result.reworded) == (0, 1, 1, 1)
    assert frozenset({first.id, second.id}) in clusters(db)
    assert clusters(db) == components(db)
    db.refresh(row)
    db.refresh(consejo)
    assert row.warning is None
    assert consejo.warning == default_warning_list().reason("phone", CONSEJO)


def test_a_writer_with_an_old_list_cannot_link_a_listed_value(db: Session) -> None:
    """A process (or a request) that read the list before the entry was added still stores
    new reports with the value unlinked: the re-sync stored the value's row with its reason,
    and a stored row keeps the database's reason — for one report and for an import."""
    org = factories.org(db)
    add(db)
    stale = default_warning_list()  # without the hotline
    for _ in range(2):
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(indicators=(IndicatorIn("phone", HOTLINE),)),
            warnings=stale,
        )
    lines = [
        json.dumps({"external_id": f"l-{n}", "text": f"me dieron el {HOTLINE_WRITTEN}"})
        for n in range(3)
    ]
    result = import_reports(
        session=db, org_id=org.id, stream=io.BytesIO("\n".join(lines).encode()), region="MX"
    )
    assert result.imported == 3
    assert all(len(group) == 1 for group in clusters(db))
    assert service.lookup(db, HOTLINE, org_id=org.id).reported == 5


def test_bad_entries_are_refused_and_nothing_is_written(db: Session) -> None:
    factories.org(db)
    add(db)
    before = (
        db.scalar(select(func.count()).select_from(WarningEntry)),
        db.scalar(select(func.count()).select_from(AuditEvent)),
    )
    cases: list[tuple[type[Exception], dict[str, object], str | None]] = [
        (InvalidInput, {"kind": "fax", "value": "5512345678"}, "type"),
        (InvalidInput, {"value": "+999 1234"}, "value"),  # a phone number from nowhere
        (InvalidInput, {"value": "(713) 555-0199", "region": None}, "value"),  # MX or US?
        (InvalidInput, {"kind": "clabe", "value": "002180700123456789"}, "value"),
        (InvalidInput, {"value": "+52 55 1234 5678", "reason": "x" * 201}, "reason"),
        (InvalidInput, {"value": "+52 55 1234 5678", "reason": "   "}, "reason"),
        (Conflict, {"value": "+52 1 55 8080 8080"}, None),  # the same hotline, written otherwise
        (Conflict, {"value": "55 5533 5533"}, None),  # shipped already
    ]
    for error, given, field in cases:
        with pytest.raises(error) as caught:
            add(db, **given)  # type: ignore[arg-type]
        if field is not None:
            assert getattr(caught.value, "field", None) == field, given
    assert (
        db.scalar(select(func.count()).select_from(WarningEntry)),
        db.scalar(select(func.count()).select_from(AuditEvent)),
    ) == before
    # Errors are messages, translated where they meet a person.
    with pytest.raises(InvalidInput) as unknown:
        add(db, kind="fax")
    assert "Tipo de indicador desconocido" in unknown.value.render(gettext_for("es"))
    with pytest.raises(InvalidInput) as nowhere:
        add(db, value="+999 1234")
    assert "no es un número de teléfono válido" in nowhere.value.render(gettext_for("es"))
    # At most 200 characters is fine.
    add(db, value="+52 55 1234 5678", reason="y" * 200)


def test_look_ups_show_a_stored_reason_as_written(db: Session) -> None:
    org = factories.org(db)
    add(db)  # never reported: the look-up still says why
    found = service.lookup(db, HOTLINE_WRITTEN, org_id=None, region="MX")
    assert (found.reported, found.warning) == (0, REASON)
    ambiguous = add(db, value="+1 713 555 0199", reason="Switchboard of the Houston consulate")
    assert ambiguous
    # Written without its code, the number is Mexican or American: the listed reading wins.
    assert (
        service.identify("(713) 555-0199", region="MX", warnings=warninglist.effective(db))[1]
        == "+17135550199"
    )
    consulate = service.lookup(db, "(713) 555-0199", org_id=org.id, region="MX")
    assert consulate.value == "+17135550199"
    assert consulate.warning == "Switchboard of the Houston consulate"


def test_exports_and_partner_hubs_leave_a_listed_value_out(db: Session) -> None:
    org = factories.org(db)
    key = bytes(range(32))
    _, link, _ = partner_links.add_link(session=db, org_id=org.id, name="Hub", key=key)
    report(db, org.id, HOTLINE, sharing="network")

    def hashes() -> set[str]:
        return set(
            db.scalars(select(PartnerLinkHash.hmac).where(PartnerLinkHash.link_id == link.id))
        )

    digest = feed_hash(key, "phone", HOTLINE)
    assert digest in hashes()
    assert [r.value for r in export.rows(db, org_id=org.id)] == [HOTLINE]
    entry_id = add(db)
    assert digest not in hashes()
    assert export.rows(db, org_id=org.id) == []
    warninglist.remove_entry(session=db, entry_id=entry_id, actor=audit.SYSTEM, origin=audit.CLI)
    assert digest in hashes()
    assert [r.value for r in export.rows(db, org_id=org.id)] == [HOTLINE]


def test_the_list_shows_shipped_and_deployment_entries(db: Session) -> None:
    org = factories.org(db, name="Casa del Migrante")
    user = factories.user(db, org)
    entry, _ = warninglist.add_entry(
        session=db,
        kind="email",
        value="Ayuda@Casa.example.org",
        reason=REASON,
        region=None,
        actor=audit.Actor(type="user", id=user.id, org_id=org.id),
        origin=audit.Origin(channel="api"),
    )
    items = warninglist.listing(session=db)
    shipped = [i for i in items if i.source == warninglist.SHIPPED]
    assert len(shipped) == len(default_warning_list().entries)
    (mine,) = [i for i in items if i.source == warninglist.DEPLOYMENT]
    assert (mine.id, mine.type, mine.value, mine.organisation) == (
        entry.id,
        "email",
        "ayuda@casa.example.org",
        "Casa del Migrante",
    )
    assert (entry.added_by, entry.added_by_id, entry.org_id) == ("user", user.id, org.id)
    (event,) = events(db, "warninglist.add")
    assert (event.org_id, event.actor_id, event.channel) == (org.id, user.id, "api")
