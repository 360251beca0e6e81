"""Checking a message through the API, the page and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent
from amparo.settings import Settings

RANSOM = "Tenemos a su hijo. Deposite 5 mil pesos en OXXO hoy o no lo vuelve a ver. No cuelgue."


def test_api_check_returns_a_verdict_and_stores_nothing(client: TestClient, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post("/api/v1/check", json={"text": RANSOM, "country": "MX"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] in ("high", "critical")
    assert body["lang"] == "es"
    assert body["category_name"]
    span = body["flags"][0]["evidence"][0]
    assert RANSOM[span["start"] : span["end"]] == span["text"]
    assert "089" in body["report"]
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_api_check_bad_input(client: TestClient) -> None:
    cases: list[tuple[Any, int]] = [
        ({"text": ""}, 422),
        ({"text": "x" * 20_001}, 422),
        ({"text": 5}, 422),
        ({"text": "hola", "lang": "de"}, 422),
        ({"text": "hola", "extra": 1}, 422),
        ({"message": "hola"}, 422),
    ]
    for body, status in cases:
        response = client.post("/api/v1/check", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    binary = client.post("/api/v1/check", json={"text": "abc\u0000def"})
    assert binary.status_code == 422
    assert "binarios" in binary.json()["detail"]
    invalid_utf8 = client.post(
        "/api/v1/check",
        content=b'{"text": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert invalid_utf8.status_code == 400
    assert "UTF-8" in invalid_utf8.json()["detail"]


def test_api_check_is_rate_limited(client: TestClient, settings: Settings) -> None:
    limit = int(settings.anonymous_rate_limit.split("/")[0])
    codes = [
        client.post("/api/v1/check", json={"text": "hola"}).status_code for _ in range(limit + 1)
    ]
    assert codes[-1] == 429


def test_check_page_highlights_the_words(client: TestClient) -> None:
    page = client.post("/", data={"text": RANSOM}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<mark>" in page.text
    assert "Tenemos a su hijo" in page.text
    assert "Qué hacer ahora" in page.text or "Qué hacer" in page.text
    empty = client.post("/", data={"text": "  "}, headers={"Accept": "text/html"})
    assert empty.status_code == 422
    assert "vacío" in empty.text


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amparo", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "AMPARO_LANG": "es", "COLUMNS": "120"},
    )


def test_cli_check_json_and_rich() -> None:
    result = cli("--json", RANSOM)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["level"] in ("high", "critical")
    assert verdict["flags"]
    rich = cli(RANSOM)
    assert rich.returncode == 0
    assert "Qué hacer ahora" in rich.stdout
    empty = cli("")
    assert empty.returncode == 2
    assert "vacío" in empty.stderr


def test_cli_check_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": RANSOM}),
        "{not json",
        json.dumps({"id": "c", "text": "hola mija, ya llegué bien"}),
        json.dumps({"no_text": 1}),
        "",
        json.dumps({"id": "e", "text": "x" * 20_001}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "\xff"}\n')
    result = cli("--jsonl", str(source))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 6, 7]
    assert out[0]["id"] == "a"
    assert out[0]["level"] in ("high", "critical")
    assert out[0]["flags"][0]["evidence"][0]["text"]
    assert "JSON" in out[1]["error"]
    assert out[2]["id"] == "c"
    assert "risk" in out[2]
    assert "text" in out[3]["error"]
    assert "largo" in out[4]["error"]
    assert "UTF-8" in out[5]["error"]
    piped = cli("--jsonl", "-", stdin=lines[0] + "\n")
    assert json.loads(piped.stdout)["id"] == "a"
    missing = cli("--jsonl", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
