"""The interactive API docs in a real browser: a developer can authorise and try the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_swagger_ui_offers_to_authorise_with_a_token(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/docs")
    authorise = page.locator("button.authorize").first
    expect(authorise).to_be_visible()
    authorise.click()
    dialog = page.locator(".modal-ux")
    expect(dialog).to_contain_text("apiToken")
    expect(dialog).to_contain_text("partnerHubToken")
    # each protected operation carries a lock that opens the same dialog
    expect(page.locator(".opblock .authorization__btn").first).to_be_attached()
