from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from amparo.settings import Settings
from amparo.store import migrate
from amparo.store.engine import normalise_url


def test_models_and_migrations_agree(settings: Settings, engine: object) -> None:
    migrate.check(settings.resolved_database_url)


def test_downgrade_and_upgrade_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'round.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    probe = create_engine(normalise_url(url))
    assert set(inspect(probe).get_table_names()) <= {"alembic_version"}
    probe.dispose()
    migrate.upgrade(url)
    migrate.check(url)


def test_upgrade_is_idempotent(settings: Settings, engine: object) -> None:
    migrate.upgrade(settings.resolved_database_url)
    migrate.upgrade(settings.resolved_database_url)


def test_audit_log_refuses_update_and_delete_in_the_database(connection: object) -> None:
    from sqlalchemy import Connection

    assert isinstance(connection, Connection)
    connection.execute(
        text(
            "INSERT INTO audit_events (at, actor_type, action, channel, details) "
            "VALUES (CURRENT_TIMESTAMP, 'system', 'test.event', 'cli', '{}')"
        )
    )
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        savepoint = connection.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))
        savepoint.rollback()


def test_upgrade_creates_the_folder_of_a_new_sqlite_database(tmp_path: Path) -> None:
    from amparo.store import migrate as migrations

    target = tmp_path / "new" / "folder" / "amparo.db"
    migrations.upgrade(f"sqlite:///{target}")
    assert target.exists()
