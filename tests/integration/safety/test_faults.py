"""Faults the alert pipeline must survive with nothing lost: workers killed with SIGKILL at
random moments during 200 fan-outs (two workers sharing the queue on PostgreSQL, one on
SQLite), and the database dropping every connection mid-run (what a PostgreSQL restart looks
like to its clients)."""

from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from amparo.alerts import outbox
from amparo.alerts.models import Alert, AlertKind, Delivery, DeliveryState
from amparo.safety import service as safety_service
from amparo.store import migrate
from amparo.store.engine import make_engine, make_session_factory, session_scope
from tests.conftest import POSTGRES_URL, _admin_conninfo, make_settings
from tests.integration.test_cli import cli_env
from tests.receivers import JsonReceiver

FANOUTS = 200
MAX_KILLS = 6
CONTACTS = 2


def seed(database_url: str, tmp_path: Path, receiver: JsonReceiver) -> set[str]:
    """200 alerts to 2 contacts each; returns the expected idempotency keys."""
    settings = make_settings(tmp_path, database_url)
    migrate.upgrade(database_url)
    engine = make_engine(settings)
    expected: set[str] = set()
    with session_scope(make_session_factory(engine)) as session:
        travellers = []
        for n in range(20):
            traveller = safety_service.enrol_traveller(
                session=session,
                org=None,
                name=f"Viajero {n}",
                pin="4821",
                duress_pin="9137",
                every_hours=12,
                grace_minutes=60,
                contacts=[
                    safety_service.ContactIn(level=1 + c, channels=(receiver.url(f"t{n}c{c}"),))
                    for c in range(CONTACTS)
                ],
            )
            travellers.append(traveller)
        # The confirmation links are not part of this test.
        for delivery in session.scalars(select(Delivery)):
            delivery.state = DeliveryState.CANCELLED
        for i in range(FANOUTS):
            traveller = travellers[i % len(travellers)]
            alert = outbox.raise_alert(
                session=session,
                traveller=traveller,
                kind=AlertKind.SOS,
                contacts=traveller.contacts,
                payload={"at": "2026-11-29T04:00:00+00:00"},
            )
            assert alert is not None
            for contact in traveller.contacts:
                expected.add(f"amparo-{alert.id}-{contact.id}-0")
    engine.dispose()
    return expected


def start_worker(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "amparo", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def remaining(database_url: str, tmp_path: Path) -> int:
    engine = make_engine(make_settings(tmp_path, database_url))
    with session_scope(make_session_factory(engine)) as session:
        count = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(Alert)
            .where(Alert.kind == AlertKind.SOS, Delivery.state != DeliveryState.SENT)
        )
    engine.dispose()
    return int(count or 0)


@pytest.fixture
def receiver() -> Iterator[JsonReceiver]:
    hook = JsonReceiver(delay=0.02).start()
    yield hook
    hook.stop()


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = cli_env(tmp_path, database_url)
    env.update(
        AMPARO_DELIVERY_LEASE_SECONDS="5",
        AMPARO_DELIVERY_THREADS="4",
        AMPARO_DELIVERY_BACKOFF_SECONDS="0.2",
        AMPARO_LOG_FORMAT="text",
    )
    return env


def test_workers_killed_at_random_lose_no_alert(
    backend: str, tmp_path: Path, fresh_database_url: str, receiver: JsonReceiver
) -> None:
    expected = seed(fresh_database_url, tmp_path, receiver)
    env = _env(tmp_path, fresh_database_url)
    log_path = tmp_path / "workers.log"
    log = log_path.open("ab")
    count = 2 if backend == "postgresql" else 1
    workers = [start_worker(env, log) for _ in range(count)]
    rng = random.Random(20261129)
    kills = 0
    deadline = time.monotonic() + 120
    try:
        # Kill a worker at random moments (long enough apart for it to start, about a
        # second, and deliver for a while), then let the survivors finish the queue.
        while kills < MAX_KILLS and remaining(fresh_database_url, tmp_path):
            time.sleep(rng.uniform(1.2, 2.0))
            victim = rng.randrange(len(workers))
            os.kill(workers[victim].pid, signal.SIGKILL)
            workers[victim].wait(timeout=10)
            kills += 1
            workers[victim] = start_worker(env, log)
        while time.monotonic() < deadline and remaining(fresh_database_url, tmp_path):
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        log.close()
    keys = [m.key for m in receiver.messages() if m.key.startswith("amparo-")]
    missing = expected - set(keys)
    duplicates = len(keys) - len(set(keys))
    print(  # noqa: T201 - the test reports what it saw
        f"\n[{backend}] {kills} SIGKILLs, {len(expected)} deliveries expected, "
        f"{len(set(keys))} received, {duplicates} duplicates ({duplicates / len(expected):.1%})"
    )
    assert kills >= 3
    assert not missing, f"{len(missing)} deliveries lost"
    assert remaining(fresh_database_url, tmp_path) == 0
    # A worker holds at most 2 x threads claims (``Dispatcher.run_once``), and only what a
    # killed worker had sent but not yet recorded is sent again: that bounds the duplicates.
    # (A fixed 10 % of the queue failed once in CI at 41 of 400 duplicates after 6 kills,
    # within this bound of 48.)
    assert duplicates <= kills * 2 * int(env["AMPARO_DELIVERY_THREADS"])
    assert "Traceback" not in log_path.read_text(errors="replace")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database: this fault exists only where there is a server."""
    name = f"amparo_fault_{secrets.token_hex(4)}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield (
        make_url(POSTGRES_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_dropping_every_connection_mid_run_loses_no_alert(
    tmp_path: Path, postgres_url: str, receiver: JsonReceiver
) -> None:
    fresh_database_url = postgres_url
    expected = seed(fresh_database_url, tmp_path, receiver)
    env = _env(tmp_path, fresh_database_url)
    log = (tmp_path / "workers.log").open("ab")
    workers = [start_worker(env, log) for _ in range(2)]
    name = fresh_database_url.rsplit("/", 1)[1]
    drops = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and remaining(fresh_database_url, tmp_path):
            time.sleep(0.3)
            with psycopg.connect(_admin_conninfo(POSTGRES_URL), autocommit=True) as admin:
                dropped = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                ).fetchone()
            drops += 1 if dropped and dropped[0] else 0
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        log.close()
    keys = {m.key for m in receiver.messages()}
    assert drops >= 2
    assert not expected - keys
    assert all(w.returncode == 0 for w in workers)
