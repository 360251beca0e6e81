"""After a key rotation, the numbers already reported still link new reports and still answer
look-ups (``amparo.network.rekey``) — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo import crypto
from amparo.accounts import audit
from amparo.crypto import Keyring
from amparo.errors import Conflict
from amparo.network import partner_links, rekey, service, warninglist
from amparo.network.export import feed_hash
from amparo.network.models import IndicatorKey, Mention, WarningEntry
from tests import factories
from tests.conftest import TEST_SECRET
from tests.integration.network.test_warninglist import (
    CONSEJO,
    clusters,
    components,
    report,
)

NEW_SECRET = "the-new-secret-after-rotation-" + "z" * 40
PHONE_X, PHONE_Y = "+525511223344", "+525599887766"


@pytest.fixture
def rotated() -> Iterator[Keyring]:
    """The new key active, the old one still accepted for reading (as during a rotation)."""
    before = crypto.active_keyring()
    keyring = Keyring.from_secrets(NEW_SECRET, [TEST_SECRET])
    crypto.set_active_keyring(keyring)
    yield keyring
    crypto.set_active_keyring(before)


def test_reported_numbers_link_and_answer_again_after_a_rotation(
    db: Session, rotated: Keyring
) -> None:
    crypto.set_active_keyring(Keyring.from_secrets(TEST_SECRET))  # before the rotation
    org = factories.org(db)
    a = report(db, org.id, PHONE_X)
    b = report(db, org.id, PHONE_X, PHONE_Y)
    c = report(db, org.id, PHONE_Y)
    listed = report(db, org.id, CONSEJO)  # a warning-listed number stays unlinking
    listed_too = report(db, org.id, CONSEJO)
    assert service.times_reported(db, "phone", PHONE_X, older_than=None)[0] == 2

    crypto.set_active_keyring(rotated)  # the secret changed; rotate-key has not run yet
    # the defect this fixes: under the new key the stored numbers are strangers
    assert service.times_reported(db, "phone", PHONE_X, older_than=None)[0] == 0
    d = report(db, org.id, PHONE_X)  # stored in that window: a second row for PHONE_X
    assert {d.id} in [set(g) for g in clusters(db)]

    result = rekey.rekey(session=db, keyring=rotated)

    assert result.absorbed == 1  # PHONE_X's old row joined the new one that d created
    assert result.rekeyed >= 2  # PHONE_Y and the listed number at least
    assert result.clusters_joined == 1
    assert service.times_reported(db, "phone", PHONE_X, older_than=None)[0] == 3
    assert service.times_reported(db, "phone", PHONE_Y, older_than=None)[0] == 2
    assert service.times_reported(db, "phone", CONSEJO, older_than=None)[1] is not None
    assert frozenset({a.id, b.id, c.id, d.id}) in clusters(db)
    assert frozenset({listed.id}) in clusters(db)
    assert frozenset({listed_too.id}) in clusters(db)
    assert clusters(db) == components(db)
    for row in db.scalars(select(IndicatorKey)):
        values = set(db.scalars(select(Mention.value).where(Mention.indicator_id == row.id)))
        assert len(values) <= 1  # one value per indicator, never two merged wrongly
        for value in values:
            assert row.key == rotated.blind_index(value, kind=f"indicator:{row.type}")

    e = report(db, org.id, PHONE_Y)  # a new report links with the old ones at once
    assert frozenset({a.id, b.id, c.id, d.id, e.id}) in clusters(db)
    again = rekey.rekey(session=db, keyring=rotated)
    assert not any(again.counts().values())


def test_indicators_no_report_mentions_are_dropped(db: Session, rotated: Keyring) -> None:
    crypto.set_active_keyring(Keyring.from_secrets(TEST_SECRET))
    org = factories.org(db)
    gone = report(db, org.id, "+525544332211")
    service.delete_report(session=db, org_id=org.id, report_id=gone.id)
    db.flush()
    orphan = db.execute(
        select(IndicatorKey.id, IndicatorKey.key).where(
            IndicatorKey.key == service.indicator_key("phone", "+525544332211")
        )
    ).first()
    crypto.set_active_keyring(rotated)
    result = rekey.rekey(session=db, keyring=rotated)
    assert orphan is not None  # deleting a report leaves the indicator row behind
    assert result.dropped >= 1
    # by its key: SQLite may give the freed id to a row written after (the list's re-sync)
    assert db.scalar(select(func.count()).where(IndicatorKey.key == orphan.key)) == 0


def test_a_listed_value_resynced_at_start_under_the_new_key_still_links_nothing(
    db: Session, rotated: Keyring
) -> None:
    """The documented order: the new key is set, ``amparo serve`` starts (and re-syncs the
    warning list, which under the new key takes the old listed row for an unlisted one and
    joins its reports), then ``rotate-key`` runs. The reports must end up apart again."""
    crypto.set_active_keyring(Keyring.from_secrets(TEST_SECRET))
    org = factories.org(db)
    a = report(db, org.id, CONSEJO, "+525511112222")
    b = report(db, org.id, CONSEJO, "+525533334444")
    assert {frozenset({a.id}), frozenset({b.id})} <= clusters(db)
    crypto.set_active_keyring(rotated)
    warninglist.sync(session=db)  # the start-up re-sync, before the rotation
    db.flush()
    result = rekey.rekey(session=db, keyring=rotated)
    db.flush()
    assert result.clusters_split >= 1
    assert {frozenset({a.id}), frozenset({b.id})} <= clusters(db)
    assert clusters(db) == components(db)


def test_the_deployments_own_entries_are_hashed_again(db: Session, rotated: Keyring) -> None:
    """Otherwise the same value could be listed a second time after the rotation, and taking
    one entry off would leave it listed."""
    crypto.set_active_keyring(Keyring.from_secrets(TEST_SECRET))
    hotline = "+525512121212"
    listed = {"kind": "phone", "region": "MX", "actor": audit.SYSTEM, "origin": audit.CLI}
    warninglist.add_entry(session=db, value=hotline, reason="our hotline", **listed)  # type: ignore[arg-type]
    crypto.set_active_keyring(rotated)
    # added again in the window between the change of key and the rotation: a twin
    warninglist.add_entry(session=db, value=hotline, reason="again", **listed)  # type: ignore[arg-type]
    result = rekey.rekey(session=db, keyring=rotated)
    assert result.entries == 2  # the first one hashed again, the twin dropped
    entries = list(db.scalars(select(WarningEntry)))
    assert [(e.reason, e.key) for e in entries] == [
        ("our hotline", rotated.blind_index(hotline, kind="indicator:phone"))
    ]
    with pytest.raises(Conflict):
        warninglist.add_entry(session=db, value=hotline, reason="a third time", **listed)  # type: ignore[arg-type]


def test_partner_hubs_count_every_report_of_a_value_after_a_rotation(
    db: Session, rotated: Keyring
) -> None:
    """A shared report stored between the change of key and the rotation rewrote the value's
    outgoing partner hash counting only itself; the rotation joined the two rows but the hub
    asking online was still told 1 report, until someone ran ``partner-link refresh``."""
    crypto.set_active_keyring(Keyring.from_secrets(TEST_SECRET))  # before the rotation
    org = factories.org(db)
    hub_key = b"k" * 32
    _token, link, _size = partner_links.add_link(session=db, org_id=org.id, name="hub", key=hub_key)
    report(db, org.id, PHONE_X, sharing="partners")
    report(db, org.id, PHONE_X, sharing="network")

    def hub_count() -> int:
        digest = feed_hash(hub_key, "phone", PHONE_X)
        (found,) = partner_links.answer(session=db, link=link, items=[("phone", digest)])
        return found.reports

    assert hub_count() == 2
    crypto.set_active_keyring(rotated)  # the secret changed; rotate-key has not run yet
    report(db, org.id, PHONE_X, sharing="partners")  # a second row for PHONE_X
    result = rekey.rekey(session=db, keyring=rotated)
    assert result.absorbed == 1
    assert hub_count() == 3
    partner_links.refresh_link(session=db, org_id=org.id, name="hub")
    assert hub_count() == 3
