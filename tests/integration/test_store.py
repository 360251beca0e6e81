"""The engine's SQLite transactions: a read-then-write unit of work survives a concurrent writer."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from amparo.settings import Settings
from amparo.store.engine import READ_ONLY, make_engine, make_session_factory, session_scope
from amparo.web.deps import SessionDep  # module level: the route below reads its annotation
from tests.conftest import TEST_SECRET, run_coroutine


def test_read_then_write_survives_a_writer_that_commits_in_between(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'lock.db'}",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
    )
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (1, 0)"))

    read_done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        read_done.wait(5)
        try:
            with session_scope(factory) as session:
                session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=other_writer)
    thread.start()
    # Like a sign-in: read, spend a while (a password hash), then write in the same transaction.
    with session_scope(factory) as session:
        n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
        read_done.set()
        thread.join(0.3)  # the other writer would commit here if nothing held it back
        session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 10})
    thread.join(10)

    assert errors == []
    with session_scope(factory) as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 11
    engine.dispose()


def test_a_read_only_lookup_does_not_queue_behind_a_writer(tmp_path: Path) -> None:
    """The message check's look-up runs on the event loop when the database is embedded
    SQLite: it must never wait on a writer's lock (every other transaction begins IMMEDIATE,
    and would wait for the busy timeout, then fail)."""
    from amparo.indicators import extract
    from amparo.store import migrate
    from amparo.store.engine import READ_ONLY
    from amparo.verdict import service

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'read.db'}",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
    )
    migrate.upgrade(settings.resolved_database_url)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    items = list(extract("Deposite al +52 55 1234 5678", names=False))
    assert items
    with session_scope(factory) as writer:
        writer.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
        writer.execute(text("INSERT INTO scratch VALUES (1)"))  # holds the write lock
        seen = service.indicators_seen_with(factory, items, delay_hours=0)
        with factory() as reader:
            connection = reader.connection(execution_options={READ_ONLY: True})
            assert connection.get_execution_options()[READ_ONLY]
    assert [(s.reported, s.times) for s in seen] == [(False, "0")]
    engine.dispose()


def test_the_checks_look_up_never_waits_for_the_shared_pool(tmp_path: Path) -> None:
    """Requests that hold the shared pool's connections give them back only when the event
    loop runs their clean-up; a look-up on the loop that waited for that pool froze the whole
    process for the busy timeout (found by review: 16 concurrent slow requests, the check took
    5 s and 14 of them failed). The loop's reads have a connection of their own."""
    import asyncio
    import collections
    import threading

    import httpx2 as httpx

    from amparo.store import migrate
    from amparo.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'pool.db'}", anonymous_rate_limit="1000/minute"
    )
    migrate.upgrade(settings.resolved_database_url)
    engine = make_engine(settings)
    app = create_app(settings, engine=engine)
    assert app.state.loop_reads is not None

    release = threading.Event()

    @app.get("/slow")
    def slow(session: SessionDep) -> dict[str, str]:  # say, a page that takes its time
        session.connection(execution_options={READ_ONLY: True})  # no write lock: all at once
        session.execute(text("SELECT 1"))
        release.wait(20)  # keeps its pooled connection until the check has answered
        return {}

    async def scenario() -> tuple[int, int, collections.Counter[int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.post("/api/v1/check", json={"text": "warm up: +52 55 8765 4321"})
            holders = [asyncio.create_task(client.get("/slow")) for _ in range(16)]
            for _ in range(2000):  # until the shared pool (5 + 10 overflow) is empty
                if engine.pool.checkedout() >= 15:  # type: ignore[attr-defined]
                    break
                await asyncio.sleep(0.01)
            checked_out = engine.pool.checkedout()  # type: ignore[attr-defined]
            try:
                answer = await client.post(
                    "/api/v1/check", json={"text": "llame al +52 55 1234 5678 o no lo ve más"}
                )
            finally:
                release.set()
            done = await asyncio.gather(*holders)
            found = len(answer.json().get("indicators", []))
            return (
                checked_out,
                answer.status_code * 10 + found,
                collections.Counter(r.status_code for r in done),
            )

    checked_out, check, holders = run_coroutine(scenario())
    assert checked_out == 15  # the shared pool was empty when the check came
    assert check == 2001  # answered, with its number looked up
    assert holders == collections.Counter({200: 16})
    engine.dispose()


def test_a_busy_file_sends_the_checks_look_up_to_the_thread_pool(tmp_path: Path) -> None:
    """Past its 0.1 s busy timeout the event loop's read gives up and the look-up waits in the
    thread pool, on the shared engine's patience, instead of holding up every request."""
    import sqlite3
    import threading

    from fastapi.testclient import TestClient

    from amparo.store import migrate
    from amparo.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'busy.db'}")
    migrate.upgrade(settings.resolved_database_url)
    engine = make_engine(settings)
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        # a connection that keeps the file to itself (exclusive locking mode: in WAL mode,
        # the one thing that makes readers wait), for 0.6 s
        engine.dispose()  # no other connection open, or the holder cannot have the file
        app.state.loop_reads.kw["bind"].dispose()
        holder = sqlite3.connect(tmp_path / "busy.db", check_same_thread=False)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("CREATE TABLE scratch (id INTEGER)")
        release = threading.Timer(0.6, holder.close)  # exclusive mode: the lock goes with it
        release.start()
        try:
            answer = client.post("/api/v1/check", json={"text": "llame al +52 55 1234 5678"})
        finally:
            release.join()
    assert answer.status_code == 200, answer.text
    assert [i["reported"] for i in answer.json()["indicators"]] == [False]
    engine.dispose()


def test_the_check_gives_its_verdict_while_the_database_is_away(tmp_path: Path) -> None:
    """A mother checking a message gets the verdict even when the database does not answer;
    only "already reported?" is missing, and says so (a PostgreSQL that refuses connections)."""
    from fastapi.testclient import TestClient

    from amparo.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, "postgresql://amparo@127.0.0.1:1/nowhere")
    app = create_app(settings)
    assert app.state.loop_reads is None  # PostgreSQL: the look-up goes to the thread pool
    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/check",
            json={"text": "Tenemos a su hijo, deposite 5000 al 55 1234 5678 o no lo vuelve a ver"},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["level"] in ("high", "critical")
    assert body["indicators"] == []
    assert body["indicators_not_looked_up"] == 1
