"""Tests that keep the README true: every setting, every command, every API route."""

from __future__ import annotations

from pathlib import Path

import typer

from amparo.cli import app as cli_app
from amparo.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`AMPARO_{name.upper()}`" in README, f"AMPARO_{name.upper()} missing from README"


def _commands(group: object, prefix: str = "amparo") -> list[str]:
    commands = getattr(group, "commands", None)
    if commands:
        out = []
        for name, command in commands.items():
            out.extend(_commands(command, f"{prefix} {name}"))
        return out
    return [prefix]


def test_every_cli_command_is_documented() -> None:
    commands = _commands(typer.main.get_command(cli_app))
    assert len(commands) >= 10
    for command in commands:
        assert f"`{command}" in README, f"{command} missing from README"


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    from amparo.web.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method in operations:
            assert f"`{method.upper()} {path}" in README, f"{method.upper()} {path} missing"
