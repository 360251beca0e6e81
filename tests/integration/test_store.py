"""The engine's SQLite transactions: a read-then-write unit of work survives a concurrent writer."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from amparo.settings import Settings
from amparo.store.engine import make_engine, make_session_factory, session_scope
from tests.conftest import TEST_SECRET


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
