from __future__ import annotations

from pathlib import Path

import pytest

from amparo.errors import ConfigurationError
from amparo.settings import get_settings


def test_embedded_defaults_generate_a_private_key_once(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, secret_key=None, env="development")
    key = settings.secret()
    assert len(key) >= 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert get_settings(data_dir=tmp_path, secret_key=None).secret() == key
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'amparo.db'}"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    settings = get_settings(env="production", data_dir=tmp_path, secret_key=None)
    with pytest.raises(ConfigurationError, match="AMPARO_SECRET_KEY is required"):
        settings.validate_for_startup()
    assert not (tmp_path / "secret.key").exists()


def test_production_refuses_plain_http(tmp_path: Path) -> None:
    settings = get_settings(
        env="production", secret_key="k" * 40, base_url="http://amparo.example.org"
    )
    with pytest.raises(ConfigurationError, match="https"):
        settings.validate_for_startup()


def test_short_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="at least 32"):
        get_settings(secret_key="short", data_dir=tmp_path).validate_for_startup()
    with pytest.raises(ConfigurationError, match="at least 32"):
        get_settings(
            secret_key="k" * 40, old_secret_keys="tiny", data_dir=tmp_path
        ).validate_for_startup()


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AMPARO_OLD_SECRET_KEYS", "a" * 32 + ", " + "b" * 32)
    monkeypatch.setenv("AMPARO_PORT", "9001")
    settings = get_settings(data_dir=tmp_path)
    assert [k.get_secret_value() for k in settings.old_secret_keys] == ["a" * 32, "b" * 32]
    assert settings.port == 9001
    assert "a" * 32 not in repr(settings)
