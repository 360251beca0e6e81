"""The demo inbox receives what apprise posts, and does not exist in production."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from amparo.web.app import create_app
from tests.conftest import make_settings
from tests.integration.test_pages import HTML


def test_demo_inbox_shows_what_arrived(client: TestClient) -> None:
    posted = client.post(
        "/demo-inbox/mama",
        json={"title": "Amparo: SOS de Kevin Demo", "message": "Kevin Demo pulsó SOS"},
        headers={"X-Amparo-Idempotency-Key": "amparo-1-1-0"},
    )
    assert posted.status_code == 204
    page = client.get("/demo-inbox", headers=HTML)
    assert "SOS de Kevin Demo" in page.text
    assert "amparo-1-1-0" in page.text


def test_no_demo_inbox_in_production(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'p.db'}", env="production", base_url="https://a.example"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/demo-inbox", headers=HTML).status_code == 404
        assert client.post("/demo-inbox/x", json={}).status_code in (404, 405)
