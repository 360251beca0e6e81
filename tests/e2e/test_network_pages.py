"""An analyst opens the extortion networks of the demo shelter: real browser, real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot

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
