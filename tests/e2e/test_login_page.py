"""The log-in journey in a real browser: what a shelter's staff member sees."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot

pytestmark = pytest.mark.e2e


def test_login_page_renders_in_spanish(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/login")
    expect(page).to_have_title("Iniciar sesión · Amparo")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    expect(page.get_by_label("Correo electrónico")).to_be_visible()
    expect(page.get_by_label("Contraseña")).to_be_visible()
    assert screenshot(page, "login-es").stat().st_size > 5000


def test_wrong_password_shows_a_clear_message(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Correo electrónico").fill(server.email)
    page.get_by_label("Contraseña").fill("esta no es la contraseña")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("alert")).to_have_text(
        "El correo electrónico o la contraseña no son correctos."
    )
    screenshot(page, "login-error-es")


def test_sign_in_reach_the_dashboard_and_sign_out(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/dashboard")
    expect(page).to_have_url(f"{server.url}/login?next=%2Fdashboard")
    page.get_by_label("Correo electrónico").fill(server.email)
    page.get_by_label("Contraseña").fill(server.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/dashboard")
    expect(page.get_by_role("heading", name="Panel")).to_be_visible()
    expect(page.get_by_text("Casa del Migrante (demo)")).to_be_visible()
    screenshot(page, "dashboard-es")
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(f"{server.url}/login")


def test_language_switch_without_javascript(browser: object, server: Server) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(java_script_enabled=False, locale="es-MX")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    screenshot(page, "login-fr-nojs")
    context.close()
