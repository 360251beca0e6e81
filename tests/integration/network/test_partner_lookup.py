"""The online partner look-up between two hubs: two databases, two apps, and hub B served for
real by uvicorn on a loopback port, so hub A's member look-ups go over real HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from amparo.accounts import service as accounts_service
from amparo.accounts.models import AuditEvent, Scope
from amparo.network import partner_links, remote_hubs, service
from amparo.network.export import feed_hash
from amparo.network.importer import import_reports
from amparo.network.models import PartnerLinkHash
from amparo.network.service import IndicatorIn, ReportIn, indicator_key
from amparo.settings import Settings
from amparo.store import migrate
from amparo.store.engine import make_engine, make_session_factory, session_scope
from amparo.store.types import utcnow
from amparo.web.app import create_app
from tests import factories
from tests.conftest import make_settings
from tests.receivers import ServedApp

KEY = bytes.fromhex("a1" * 32)  # the key hubs A and B share
PHONE = "+525512345678"
KEPT = "+525587654321"  # B keeps its report about this one at `own` level
LOOKUP = "/api/v1/partner/lookup"
TIMEOUT = 1.0


@dataclass
class HubB:
    served: ServedApp
    factory: sessionmaker[Session]
    org_id: int
    token: str  # the token B gave A

    def report(self, phone: str, sharing: str, day: str | None = None) -> int:
        with session_scope(self.factory) as session:
            report = service.create_report(
                session=session,
                org_id=self.org_id,
                data=ReportIn(
                    text="Tenemos a su hijo, deposite hoy",
                    victim="María Pérez",
                    place="Saltillo",
                    sharing=sharing,
                    reported_at=datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None,
                    indicators=(IndicatorIn("phone", phone),),
                ),
            )
            return report.id

    def ask(self, items: object, token: str | None = None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx2.post(self.served.url + LOOKUP, json=items, headers=headers, timeout=5)


@pytest.fixture
def make_hub_b(tmp_path: Path, fresh_database_url: str) -> Iterator[Callable[..., HubB]]:
    """Hub B: its own database (of the backend under test) and its own app, served for real."""
    started: list[ServedApp] = []
    engines: list[Engine] = []

    def make(**overrides: object) -> HubB:
        settings = make_settings(tmp_path / "hub-b", fresh_database_url, **overrides)
        migrate.upgrade(fresh_database_url)
        engine = make_engine(settings)
        engines.append(engine)
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            org = accounts_service.create_organisation(session=session, slug="b", name="Hub B")
            token, _, _ = partner_links.add_link(
                session=session, org_id=org.id, name="Hub A", key=KEY
            )
            org_id = org.id
        served = ServedApp(create_app(settings, engine=engine)).start()
        started.append(served)
        return HubB(served, factory, org_id, token)

    yield make
    for served in started:
        served.stop()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def hub_a(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[TestClient]:
    """Hub A: the test database, with a short wait for partner hubs."""
    a_settings = make_settings(
        tmp_path / "hub-a",
        settings.resolved_database_url,
        remote_hub_timeout_seconds=TIMEOUT,
    )
    app: FastAPI = create_app(a_settings, engine=engine)
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Member:
    org_id: int
    headers: dict[str, str]


def _member(db: Session, url: str, *, token: str, key: bytes = KEY) -> Member:
    """A member of hub A, whose organisation asks hub B online."""
    org = factories.org(db)
    remote_hubs.add_hub(
        session=db, org_id=org.id, name="Hub B", url=url, key=key, token=token, allow_http=False
    )
    headers = factories.bearer(factories.token(db, org, [Scope.REPORTS_READ]))
    db.commit()
    return Member(org.id, headers)


def _look_up(client: TestClient, member: Member, phone: str) -> dict[str, object]:
    response = client.get(
        "/api/v1/lookup", params={"value": f"phone:{phone}"}, headers=member.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_member_sees_what_hub_b_shares_and_nothing_it_keeps(
    hub_a: TestClient, db: Session, make_hub_b: Callable[..., HubB]
) -> None:
    b = make_hub_b()
    first = b.report(PHONE, "network", "2026-01-10")
    second = b.report(PHONE, "partners", "2026-02-03")
    kept = b.report(KEPT, "own", "2026-02-05")
    member = _member(db, b.served.url, token=b.token)

    found = _look_up(hub_a, member, PHONE)
    assert found["partners"] == [
        {"partner": "Hub B", "reports": 2, "last_seen": "2026-02-03", "source": "online"}
    ]
    assert found["unreachable"] == []
    assert found["count"] == 0  # A itself has no report of it
    nothing = _look_up(hub_a, member, KEPT)
    assert (nothing["partners"], nothing["unreachable"]) == ([], [])

    # What went over the wire: the type and the keyed hash, with B's token; nothing else.
    assert len(b.served.requests) == 2
    for request, phone in zip(b.served.requests, (PHONE, KEPT), strict=True):
        assert request.path == LOOKUP
        assert request.headers["authorization"] == f"Bearer {b.token}"
        assert json.loads(request.body) == {
            "items": [{"type": "phone", "hmac": feed_hash(KEY, "phone", phone)}]
        }
        raw = request.body.decode()
        for leak in (
            phone,
            phone[3:],
            hashlib.sha256(phone.encode()).hexdigest(),
            hashlib.sha256(f"phone:{phone}".encode()).hexdigest(),
            hashlib.sha1(phone.encode()).hexdigest(),  # noqa: S324 - looked for, not used
            hashlib.md5(phone.encode()).hexdigest(),  # noqa: S324 - looked for, not used
            indicator_key("phone", phone),
        ):
            assert leak not in raw

    # Anonymous look-ups never ask partner hubs, and say nothing about them.
    anonymous = hub_a.get("/api/v1/lookup", params={"value": f"phone:{PHONE}"}).json()
    assert "partners" not in anonymous
    assert "unreachable" not in anonymous
    assert len(b.served.requests) == 2

    # B's changes reach A at once (kept current in B's own transactions, no refresh).
    with session_scope(b.factory) as session:
        service.retract(session=session, org_id=b.org_id, report_id=second)
    assert _look_up(hub_a, member, PHONE)["partners"] == [
        {"partner": "Hub B", "reports": 1, "last_seen": "2026-01-10", "source": "online"}
    ]
    with session_scope(b.factory) as session:
        service.delete_report(session=session, org_id=b.org_id, report_id=first)
    assert _look_up(hub_a, member, PHONE)["partners"] == []
    with session_scope(b.factory) as session:
        service.set_sharing(session=session, org_id=b.org_id, report_id=kept, level="network")
    assert _look_up(hub_a, member, KEPT)["partners"] == [
        {"partner": "Hub B", "reports": 1, "last_seen": "2026-02-05", "source": "online"}
    ]
    with session_scope(b.factory) as session:
        service.set_sharing(session=session, org_id=b.org_id, report_id=kept, level="own")
    assert _look_up(hub_a, member, KEPT)["partners"] == []

    # B audited every call: which hub, how many values — never the hashes.
    with session_scope(b.factory) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "partner.lookup")
        ).all()
        assert len(events) == len(b.served.requests) == 6
        assert {e.actor_type for e in events} == {"partner_hub"}
        assert all(e.details.keys() == {"items", "found"} for e in events)
        assert [e.details["found"] for e in events] == [1, 0, 1, 0, 1, 0]
        assert not any(feed_hash(KEY, "phone", PHONE) in json.dumps(e.details) for e in events)


def test_hub_b_refuses_wrong_tokens_bad_bodies_and_too_many_values(
    hub_a: TestClient, db: Session, make_hub_b: Callable[..., HubB]
) -> None:
    b = make_hub_b(partner_lookup_rate_limit="5/hour")
    b.report(PHONE, "network", "2026-03-01")
    digest = feed_hash(KEY, "phone", PHONE)
    with session_scope(b.factory) as session:
        api_token = factories.token(
            session, accounts_service.get_organisation_by_slug(session=session, slug="b")
        )
        revoked, _, _ = partner_links.add_link(
            session=session, org_id=b.org_id, name="Old hub", key=KEY
        )
        partner_links.revoke_link(session=session, org_id=b.org_id, name="Old hub")
    one = {"items": [{"type": "phone", "hmac": digest}]}

    no_token = httpx2.post(b.served.url + LOOKUP, json=one, timeout=5)
    assert no_token.status_code == 401
    assert no_token.headers["content-type"].startswith("application/problem+json")
    for wrong in ("amph_" + "x" * 43, api_token, revoked, b.token + "x"):
        refused = b.ask(one, token=wrong)
        assert refused.status_code == 401, wrong[:5]
        assert refused.json()["code"] == "not-authenticated"

    for body, field in (
        ({"items": []}, "items"),
        ({"items": [{"type": "phone", "hmac": digest}] * 101}, "items"),
        ({"items": [{"type": "phone", "hmac": PHONE}]}, "items.0.hmac"),
        ({"items": [{"type": "phone", "hmac": digest.upper()}]}, "items.0.hmac"),
        ({"items": [{"type": "planet", "hmac": digest}]}, "items.0.type"),
        ({"items": [{"type": "phone", "hmac": digest, "value": PHONE}]}, "items.0.value"),
        ({"values": [PHONE]}, "items"),
    ):
        bad = b.ask(body)
        assert bad.status_code == 422, body
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in bad.json()["errors"]], bad.json()
    not_json = httpx2.post(
        b.served.url + LOOKUP,
        content=b"{items",
        headers={"Authorization": f"Bearer {b.token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert not_json.status_code == 422
    assert not_json.json()["errors"][0]["type"] == "json_invalid"
    assert "JSON" in not_json.json()["errors"][0]["message"]  # in the hub's language

    # Values asked are counted, not calls: 5 per hour here.
    other = feed_hash(KEY, "phone", KEPT)
    three = {"items": [{"type": "phone", "hmac": h} for h in (digest, other, other)]}
    answered = b.ask(three)
    assert answered.status_code == 200
    assert answered.json() == {
        "items": [
            {"type": "phone", "hmac": digest, "reports": 1, "last_seen": "2026-03-01"},
            {"type": "phone", "hmac": other, "reports": 0, "last_seen": None},
            {"type": "phone", "hmac": other, "reports": 0, "last_seen": None},
        ]
    }
    over = b.ask(three)
    assert over.status_code == 429
    assert int(over.headers["retry-after"]) > 0
    assert b.ask({"items": three["items"][:2]}).status_code == 200  # 3 + 2 = 5
    assert b.ask(one).status_code == 429

    # Hub A's member still gets an answer: B is reported as not askable, never a 500.
    member = _member(db, b.served.url, token=b.token)
    found = _look_up(hub_a, member, PHONE)
    assert (found["partners"], found["unreachable"]) == ([], ["Hub B"])


def test_a_hub_that_is_down_or_silent_does_not_break_or_slow_the_look_up(
    hub_a: TestClient, db: Session, make_hub_b: Callable[..., HubB]
) -> None:
    b = make_hub_b()
    b.report(PHONE, "network")
    member = _member(db, b.served.url, token=b.token)
    assert _look_up(hub_a, member, PHONE)["unreachable"] == []
    b.served.stop()
    started = time.monotonic()
    down = _look_up(hub_a, member, PHONE)
    assert (down["partners"], down["unreachable"]) == ([], ["Hub B"])
    assert time.monotonic() - started < TIMEOUT + 1

    # A hub that accepts the connection and never answers: the look-up waits TIMEOUT, no more.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        remote_hubs.add_hub(
            session=db,
            org_id=member.org_id,
            name="Hub Lenta",
            url=f"http://127.0.0.1:{port}",
            key=KEY,
            token="amph_silent",
            allow_http=False,
        )
        db.commit()
        started = time.monotonic()
        slow = _look_up(hub_a, member, PHONE)
        elapsed = time.monotonic() - started
    assert sorted(slow["unreachable"]) == ["Hub B", "Hub Lenta"]  # type: ignore[arg-type]
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1


def test_a_public_line_is_not_asked_about(
    hub_a: TestClient, db: Session, make_hub_b: Callable[..., HubB]
) -> None:
    """Partner hubs leave warning-listed values out of what they count: asking B about the
    Consejo Ciudadano or 089 could only tell B what a member looked up."""
    b = make_hub_b()
    member = _member(db, b.served.url, token=b.token)
    for value in ("+525555335533", "089"):
        response = hub_a.get("/api/v1/lookup", params={"value": value}, headers=member.headers)
        assert response.json()["warning"]
        assert (response.json()["partners"], response.json()["unreachable"]) == ([], [])
    assert b.served.requests == []
    assert _look_up(hub_a, member, PHONE)["unreachable"] == []
    assert len(b.served.requests) == 1  # an ordinary number still is


def test_another_pair_key_gives_other_hashes_and_finds_nothing(
    hub_a: TestClient, db: Session, make_hub_b: Callable[..., HubB]
) -> None:
    other_key = bytes.fromhex("b2" * 32)
    assert feed_hash(KEY, "phone", PHONE) != feed_hash(other_key, "phone", PHONE)
    assert feed_hash(KEY, "phone", PHONE) != feed_hash(KEY, "phone", KEPT)
    b = make_hub_b()
    b.report(PHONE, "network")
    member = _member(db, b.served.url, key=other_key, token=b.token)
    found = _look_up(hub_a, member, PHONE)
    assert (found["partners"], found["unreachable"]) == ([], [])
    assert json.loads(b.served.requests[-1].body)["items"][0]["hmac"] == feed_hash(
        other_key, "phone", PHONE
    )


def _table(db: Session, link_id: int) -> set[tuple[str, str, int, str | None]]:
    return {
        (row.type, row.hmac, row.reports, row.last_seen)
        for row in db.scalars(select(PartnerLinkHash).where(PartnerLinkHash.link_id == link_id))
    }


def test_the_hash_table_kept_current_equals_a_rebuild(db: Session) -> None:
    org = factories.org(db)
    _, link, size = partner_links.add_link(session=db, org_id=org.id, name="Hub X", key=KEY)
    assert size == 0

    def report(phones: tuple[str, ...], sharing: str) -> int:
        data = ReportIn(
            text="pague hoy",
            sharing=sharing,
            indicators=tuple(IndicatorIn("phone", p) for p in phones),
        )
        return service.create_report(session=db, org_id=org.id, data=data).id

    def agrees() -> set[tuple[str, str, int, str | None]]:
        kept = _table(db, link.id)
        partner_links.refresh_link(session=db, org_id=org.id, name="Hub X")
        assert _table(db, link.id) == kept
        return kept

    shared = report((PHONE, "+525511112222"), "network")
    report((PHONE,), "partners")
    own = report((KEPT, PHONE), "own")
    table = agrees()
    assert {(kind, reports) for kind, _, reports, _ in table} == {("phone", 2), ("phone", 1)}
    assert feed_hash(KEY, "phone", KEPT) not in {h for _, h, _, _ in table}
    service.set_sharing(session=db, org_id=org.id, report_id=own, level="partners")
    assert len(agrees()) == 3
    service.retract(session=db, org_id=org.id, report_id=shared)
    assert len(agrees()) == 2
    service.delete_report(session=db, org_id=org.id, report_id=own)
    today = utcnow().date().isoformat()
    assert agrees() == {("phone", feed_hash(KEY, "phone", PHONE), 1, today)}
    # Another organisation's shared reports are never in this organisation's table.
    stranger = factories.org(db)
    service.create_report(
        session=db,
        org_id=stranger.id,
        data=ReportIn(text="x", sharing="network", indicators=(IndicatorIn("phone", KEPT),)),
    )
    assert feed_hash(KEY, "phone", KEPT) not in {h for _, h, _, _ in agrees()}
    # An import's batches keep it current too (helper processes or not, the same path).
    lines = [
        {
            "external_id": "i-1",
            "sharing": "network",
            "indicators": [{"type": "phone", "value": KEPT}],
        },
        {"external_id": "i-2", "sharing": "own", "indicators": [{"type": "phone", "value": PHONE}]},
        {"external_id": "i-3", "sharing": "partners", "text": f"del {PHONE}"},
    ]
    stream = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())
    assert import_reports(session=db, org_id=org.id, stream=stream).imported == 3
    assert {(h, n) for _, h, n, _ in agrees()} == {
        (feed_hash(KEY, "phone", PHONE), 2),
        (feed_hash(KEY, "phone", KEPT), 1),
    }
    # So do edits: a report shared later, then its number changed.
    from amparo.network import reports as reports_service

    edited = report(("+525577778888",), "own")
    before = agrees()
    reports_service.update_report(
        session=db, org_id=org.id, report_id=edited, changes={"sharing": "network"}
    )
    assert len(agrees()) == len(before) + 1
    reports_service.update_report(
        session=db,
        org_id=org.id,
        report_id=edited,
        changes={"indicators": [IndicatorIn("phone", "+525599990000")]},
    )
    hashes = {h for _, h, _, _ in agrees()}
    assert feed_hash(KEY, "phone", "+525599990000") in hashes
    assert feed_hash(KEY, "phone", "+525577778888") not in hashes
    partner_links.revoke_link(session=db, org_id=org.id, name="Hub X")
    assert _table(db, link.id) == set()
