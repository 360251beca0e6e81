"""The engine and the session factory: the one place that opens database connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from amparo.crypto import Keyring, set_active_keyring
from amparo.settings import Settings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # SAVEPOINT and transactional DDL work (the documented pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database and install the encryption keyring."""
    set_active_keyring(keyring_from(settings))
    url = normalise_url(settings.resolved_database_url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
        kwargs.pop("pool_pre_ping")
    else:
        kwargs["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


READ_ONLY = "amparo_read_only"
"""Execution option of a transaction that only reads: on SQLite it begins DEFERRED, so that in
WAL mode it never waits for a writer (see :func:`_sqlite_begin`)."""


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE, not the default DEFERRED: a deferred transaction that read first and writes
    # later fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, the busy timeout
    # does not apply) whenever another connection committed in between -- the embedded worker
    # did that to a sign-in that was busy verifying a password. Taking the write lock at BEGIN
    # makes writers queue behind each other under the busy timeout; readers in WAL mode are
    # not blocked. SQLite is the single-process deployment; PostgreSQL is unaffected.
    # A transaction that only reads (``READ_ONLY``) has no write to fail, so it begins DEFERRED
    # and, in WAL mode, reads its snapshot without queueing behind a writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def keyring_from(settings: Settings) -> Keyring:
    return Keyring.from_secrets(
        settings.secret(), [k.get_secret_value() for k in settings.old_secret_keys]
    )


LOOP_READ_BUSY_SECONDS = 0.1


def make_loop_read_engine(engine: Engine) -> Engine | None:
    """An engine for the few reads the event loop makes itself, or None where a read can wait
    on something outside the process (PostgreSQL is a network round trip).

    For an embedded SQLite file: one connection of its own (``StaticPool``: the loop runs one
    read at a time), query-only, every transaction DEFERRED (in WAL mode a reader never waits
    for a writer), and a busy timeout of 0.1 s instead of 5 for the rare waits left (recovery of
    the WAL index). Its own connection, because the loop must never wait for the shared pool:
    the requests that hold the pool's connections give them back only when the loop runs their
    clean-up (16 concurrent sign-ins emptied it and froze the process for 5 s)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # another connection would open another (empty) database
    read = create_engine(
        engine.url,
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "timeout": LOOP_READ_BUSY_SECONDS},
    )
    event.listen(read, "connect", _sqlite_read_pragmas)
    event.listen(read, "begin", _sqlite_read_begin)
    return read


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy decides where transactions begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_read_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
