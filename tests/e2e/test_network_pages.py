"""An analyst opens the extortion networks of the demo shelter: real browser, real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import OUTPUT, Server, running_server, screenshot

pytestmark = pytest.mark.e2e


def test_an_analyst_sees_the_demo_networks(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/login?next=/redes")
    page.get_by_label("Correo electrónico").fill(server.email)
    page.get_by_label("Contraseña").fill(server.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/redes")
    expect(page.get_by_role("heading", name="Redes de extorsión")).to_be_visible()
    rows = page.locator("table.desk tbody tr")
    expect(rows).to_have_count(2)
    screenshot(page, "networks-es")
    page.locator("table.desk tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Por qué están vinculados")).to_be_visible()
    expect(page.locator("body")).to_contain_text("002 •••• 6788")
    expect(page.locator("#graph[data-ready=true] canvas").first).to_be_attached()
    drawn = page.evaluate("window.amparoGraph")
    assert drawn["nodes"] == 3 + 3  # three reports; the phone, the CLABE and the name they share
    assert drawn["edges"] >= 4
    screenshot(page, "network-detail-es")


def test_a_network_of_thousands_stays_usable(page: Page, tmp_path: Path) -> None:
    """A chain of 1,500 reports, each sharing a number with the next: one network of about
    3,000 nodes (on a server of its own, not to change the other tests' data). The graph
    draws, a search finds a report and says what it links, and the page logs no error."""
    with running_server(tmp_path / "data") as server:
        _large_network(page, server, tmp_path)


def _large_network(page: Page, server: Server, tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "external_id": f"cadena-{i:04d}",
                "text": "Tenemos a su hijo, deposite ya",
                "channel": "call",
                "indicators": [
                    {"type": "phone", "value": f"+52 55 {7000 + i} {i:04d}"},
                    {"type": "phone", "value": f"+52 55 {7001 + i} {i + 1:04d}"},
                ],
            }
        )
        for i in range(1500)
    ]
    source = tmp_path / "chain.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "amparo", "reports", "import", str(source), "--json"],
        env=server.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/login?next=/redes")
    page.get_by_label("Correo electrónico").fill(server.email)
    page.get_by_label("Contraseña").fill(server.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/redes")
    page.locator("table.desk tbody tr", has_text="1500").locator("a").first.click()
    expect(page.locator("#graph[data-ready=true]")).to_be_attached(timeout=60_000)
    drawn = page.evaluate("window.amparoGraph")
    assert drawn["nodes"] >= 3000
    page.get_by_label("Buscar en el gráfico").fill("cadena-0750")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("#graph-status")).to_have_text("1 encontrado")
    expect(page.locator("#graph-info")).to_contain_text("cadena-0750")
    expect(page.locator("#graph-info")).to_contain_text("2 vínculos")
    page.get_by_label("Buscar en el gráfico").fill("cadena-00")  # cadena-0000 … cadena-0099
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("#graph-status")).to_have_text("100 encontrados")
    page.get_by_label("Buscar en el gráfico").fill("no-existe")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("#graph-status")).to_have_text("Nada encontrado")
    page.get_by_label("Buscar en el gráfico").fill("cadena-0750")
    page.get_by_role("button", name="Buscar", exact=True).click()
    page.wait_for_timeout(1000)  # the canvas redraws after the view moved
    page.locator("#graph").screenshot(path=str(OUTPUT / "network-large-es.png"))
    assert errors == []
