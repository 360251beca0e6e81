"""The ``amparo`` command as a person runs it: a real process, a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from amparo.crypto import Keyring
from amparo.store.engine import normalise_url
from tests.conftest import TEST_SECRET

NEW_SECRET = "rotated-secret-key-" + "y" * 40


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "amparo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def cli_env(tmp_path: Path, database_url: str, secret: str = TEST_SECRET) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
    env.update(
        AMPARO_DATABASE_URL=database_url,
        AMPARO_DATA_DIR=str(tmp_path),
        AMPARO_SECRET_KEY=secret,
        AMPARO_LANG="en",
        AMPARO_LOG_LEVEL="WARNING",
        COLUMNS="200",
    )
    return env


def test_help_explains_every_command(tmp_path: Path) -> None:
    out = run(cli_env(tmp_path, "sqlite://"), "--help").stdout
    for command in ("serve", "worker", "db", "admin", "demo"):
        assert command in out
    admin = run(cli_env(tmp_path, "sqlite://"), "admin", "--help").stdout
    for command in ("create-org", "create-user", "create-token", "rotate-key"):
        assert command in admin


def test_admin_journey_and_key_rotation(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    org = json.loads(run(env, "admin", "create-org", "casa-1", "--name", "Casa 1", "--json").stdout)
    user = json.loads(
        run(
            {**env, "AMPARO_NEW_PASSWORD": "a very good password"},
            "admin",
            "create-user",
            "Lucia@Example.org",
            "--name",
            "Lucía",
            "--org",
            "casa-1",
            "--role",
            "admin",
            "--json",
        ).stdout
    )
    assert user["org_id"] == org["id"]
    assert user["role"] == "admin"
    token = json.loads(
        run(
            env,
            "admin",
            "create-token",
            "--org",
            "casa-1",
            "--name",
            "ci",
            "--scope",
            "users:read",
            "--json",
        ).stdout
    )
    assert token["token"].startswith("amp_")
    assert token["scopes"] == ["users:read"]

    duplicate = run(env, "admin", "create-org", "casa-1", "--name", "Again", check=False)
    assert duplicate.returncode == 5
    assert "already exists" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr
    bad_scope = run(
        env,
        "admin",
        "create-token",
        "--org",
        "casa-1",
        "--name",
        "x",
        "--scope",
        "root",
        check=False,
    )
    assert bad_scope.returncode == 2
    assert "Unknown permission root" in bad_scope.stderr
    missing_org = run(
        {**env, "AMPARO_NEW_PASSWORD": "a very good password"},
        "admin",
        "create-user",
        "x@example.org",
        "--name",
        "X",
        "--org",
        "nope",
        check=False,
    )
    assert missing_org.returncode == 4

    # two reports that share a number, imported under the old key
    reports = tmp_path / "before.jsonl"
    reports.write_text(
        json.dumps({"external_id": "a", "text": "deposite o llame al +52 55 1234 5678"})
        + "\n"
        + json.dumps({"external_id": "b", "text": "el mismo 55 1234 5678 y 33 1111 2222"})
        + "\n"
    )
    run(env, "reports", "import", str(reports), "--org", "casa-1", "--region", "MX")

    engine = create_engine(normalise_url(fresh_database_url))
    with engine.connect() as conn:
        before = conn.execute(text("SELECT email FROM users")).scalar_one()
    assert Keyring.key_id_of(before) == Keyring.from_secrets(TEST_SECRET).current_key_id

    rotated_env = {
        **cli_env(tmp_path, fresh_database_url, NEW_SECRET),
        "AMPARO_OLD_SECRET_KEYS": TEST_SECRET,
    }
    result = json.loads(run(rotated_env, "admin", "rotate-key", "--json").stdout)
    assert result["rows"].get("users") == 1
    assert result["rows"].get("indicators") == 2  # both numbers hashed again
    with engine.connect() as conn:
        after = conn.execute(text("SELECT email FROM users")).scalar_one()
    engine.dispose()
    new_ring = Keyring.from_secrets(NEW_SECRET)
    assert Keyring.key_id_of(after) == new_ring.current_key_id
    assert new_ring.decrypt(after, context="users.email") == "lucia@example.org"

    # after rotation the old key is no longer needed, and log-in by e-mail still works
    check = run(
        cli_env(tmp_path, fresh_database_url, NEW_SECRET),
        "admin",
        "create-user",
        "lucia@example.org",
        "--name",
        "Twin",
        "--org",
        "casa-1",
        "--password",
        "another good password",
        check=False,
    )
    assert check.returncode == 5  # the blind index was recomputed: the address is still found

    # the numbers reported before the rotation still answer look-ups, and still link
    new_env = cli_env(tmp_path, fresh_database_url, NEW_SECRET)
    found = json.loads(run(new_env, "lookup", "+525512345678", "--json").stdout)
    assert found["reported"] == 2
    later = tmp_path / "after.jsonl"
    later.write_text(json.dumps({"external_id": "c", "text": "whatsapp 33 1111 2222"}) + "\n")
    run(new_env, "reports", "import", str(later), "--org", "casa-1", "--region", "MX")
    clusters = run(new_env, "network", "clusters", "--org", "casa-1", "--json").stdout
    assert [sorted(json.loads(line)["report_ids"]) for line in clusters.splitlines()] == [
        ["a", "b", "c"]
    ]


def test_demo_seed_is_idempotent(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    first = json.loads(run(env, "demo", "seed", "--json").stdout)
    second = json.loads(run(env, "demo", "seed", "--json").stdout)
    assert first["created"] == "true"
    assert second["created"] == "false"
    assert first["password"] == second["password"]
    assert len(first["password"]) >= 12
    assert (tmp_path / "demo-login.txt").stat().st_mode & 0o777 == 0o600
    engine = create_engine(normalise_url(fresh_database_url))
    with engine.connect() as conn:
        travellers = conn.execute(text("SELECT count(*) FROM travellers")).scalar_one()
        contacts = conn.execute(text("SELECT count(*) FROM traveller_contacts")).scalar_one()
        viewers = conn.execute(text("SELECT count(*) FROM traveller_viewers")).scalar_one()
    engine.dispose()
    assert travellers == 1
    assert contacts == 3
    assert viewers == 1  # Kevin's mother's account sees his state
    assert first["family_email"] == "familia@demo.amparo.example"
    human = run(env, "demo", "seed").stdout
    assert "familia@demo.amparo.example" in human


def test_production_without_key_is_a_clear_error(tmp_path: Path) -> None:
    env = cli_env(tmp_path, f"sqlite:///{tmp_path / 'p.db'}")
    env.pop("AMPARO_SECRET_KEY")
    env["AMPARO_ENV"] = "production"
    result = run(env, "db", "upgrade", check=False)
    assert result.returncode == 78
    assert "AMPARO_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_messages_follow_the_language(tmp_path: Path, fresh_database_url: str) -> None:
    env = {**cli_env(tmp_path, fresh_database_url), "AMPARO_LANG": "es"}
    run(env, "db", "upgrade")
    result = run(env, "admin", "create-token", "--org", "nadie", "--name", "x", check=False)
    assert result.returncode == 4
    assert "Ninguna organización tiene ese nombre corto." in result.stderr
