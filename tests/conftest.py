"""Test fixtures: every database test runs on SQLite and on PostgreSQL, inside a rolled-back
transaction; PostgreSQL must be reachable (``AMPARO_TEST_POSTGRES_URL``) or the run fails."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from amparo.settings import Settings, get_settings
from amparo.store import migrate
from amparo.store.engine import make_engine
from amparo.web.app import create_app

T = TypeVar("T")
POSTGRES_URL = os.environ.get(
    "AMPARO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-key-" + "x" * 40


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: once the browser tests have started, Playwright
    keeps an event loop running in the main thread for the rest of the session, and
    ``asyncio.run`` refuses to start another there."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # raised again in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        with psycopg.connect(_admin_conninfo(POSTGRES_URL), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.exit(
            f"\n\n*** PostgreSQL is not reachable at {POSTGRES_URL} ({exc.__class__.__name__}).\n"
            "*** The suite runs on SQLite AND PostgreSQL; it does not skip. Start PostgreSQL or\n"
            "*** set AMPARO_TEST_POSTGRES_URL to a server where the user may CREATE DATABASE.\n",
            returncode=3,
        )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this run, dropped at the end."""
    name = f"amparo_test_{secrets.token_hex(4)}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the current backend, for tests that commit for real (CLI)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"amparo_fresh_{secrets.token_hex(4)}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(tmp: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": tmp,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "log_format": "text",
    }
    values.update(overrides)
    return get_settings(**values)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def settings(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Settings:
    tmp = tmp_path_factory.mktemp(f"data-{backend}")
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'amparo.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
    return make_settings(tmp, url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The migrated database of one backend, shared by the whole run."""
    migrate.upgrade(settings.resolved_database_url)
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    transaction = conn.begin()
    yield conn
    if transaction.is_active:
        transaction.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits only release a savepoint of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    application = create_app(settings, engine=engine)
    application.state.session_factory = session_factory
    if application.state.loop_reads is not None:  # the event loop's reads see the test's rows
        application.state.loop_reads = session_factory
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
