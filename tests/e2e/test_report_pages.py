"""An analyst records a report through the form, edits it, finds it in the list and sees the
trends: real browser, real server, phone and desktop sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot

pytestmark = pytest.mark.e2e


def _shot(page: Page, name: str) -> None:
    screenshot(page, name)
    page.screenshot(path=f"/tmp/reports-{name}.png", full_page=True)


def test_an_analyst_records_edits_finds_and_counts_a_report(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/login?next=/reportes/nuevo")
    page.get_by_label("Correo electrónico").fill(server.email)
    page.get_by_label("Contraseña").fill(server.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nuevo reporte")).to_be_visible()
    page.get_by_label("El mensaje, tal como llegó").fill(
        "Señora, tenemos a su hijo. Deposite 40 mil a la tarjeta 4152 3137 1234 5672 "
        "y llame al 55 6677 8899 o no lo vuelve a ver."
    )
    page.get_by_label("País de los números escritos sin código de país").select_option("MX")
    page.get_by_label("Canal", exact=True).select_option("whatsapp")
    page.get_by_label("Tipo de extorsión").select_option("virtual_kidnapping")
    page.get_by_label("Exigido").fill("40.000.00")  # unreadable: refused beside the field
    page.get_by_label("Moneda").fill("MXN")
    page.get_by_label("Ciudad o estado (nunca una dirección exacta)").fill("Tapachula")
    page.get_by_role("button", name="Guardar el reporte").click()
    expect(page.locator("#amount-error")).to_have_text(
        "El monto exigido '40.000.00' no se puede leer como una cantidad: escríbalo como 20000, "
        "20,000.50 o 20.000,50."
    )
    expect(page.get_by_label("Ciudad o estado (nunca una dirección exacta)")).to_have_value(
        "Tapachula"
    )
    _shot(page, "form-error-phone")
    page.get_by_label("Exigido").fill("40 mil")  # as people write it
    page.get_by_role("button", name="Guardar el reporte").click()

    expect(page.get_by_role("heading", name="Números, cuentas y perfiles")).to_be_visible()
    indicators = page.locator("#indicators tbody tr")
    expect(indicators).to_have_count(2)
    expect(page.locator("#indicators")).to_contain_text("•••• 5672")
    expect(page.locator("#indicators")).to_contain_text("+525566778899")
    expect(page.locator("body")).to_contain_text("40000.00 MXN")
    report_url = page.url
    _shot(page, "report-phone")

    page.get_by_role("link", name="Editar").click()
    expect(page.get_by_label("Ciudad o estado (nunca una dirección exacta)")).to_have_value(
        "Tapachula"
    )
    page.get_by_label("Otros números, cuentas o perfiles (uno por línea)").fill(
        "cobros.rescate@example.org"
    )
    page.get_by_label("Pagado").fill("5000")
    _shot(page, "form-edit-phone")
    page.get_by_role("button", name="Guardar el reporte").click()
    expect(page).to_have_url(report_url)
    expect(indicators).to_have_count(3)
    expect(page.locator("#indicators")).to_contain_text("cobros.rescate@example.org")
    expect(page.locator("body")).to_contain_text("5000.00 MXN")
    page.get_by_role("button", name="Cerrar: el caso ya se atendió").click()
    expect(page.locator("h1 .tag")).to_have_text("cerrado")

    page.get_by_role("link", name="Reportes", exact=True).click()
    page.get_by_label("Número, cuenta o perfil").fill("55 6677 8899")
    page.get_by_label("Estado").select_option("closed")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#count")).to_contain_text("Reportes: 1 ·")
    expect(page.locator("#reports tbody tr")).to_have_count(1)
    expect(page.locator("#reports")).to_contain_text("Señora, tenemos a su hijo")
    _shot(page, "list-phone")

    page.get_by_role("link", name="Tendencias").click()
    expect(page.get_by_role("heading", name="Tendencias")).to_be_visible()
    expect(page.locator("svg rect")).not_to_have_count(0)
    expect(page.locator("#periods")).to_contain_text("5000.00 MXN")  # paid: ours only
    _shot(page, "trends-phone")


def test_the_report_pages_on_a_desktop(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/login?next=/reportes")
        page.get_by_label("Correo electrónico").fill(server.email)
        page.get_by_label("Contraseña").fill(server.password)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Reportes")).to_be_visible()
        expect(page.locator("#reports tbody tr").first).to_be_visible()
        _shot(page, "list-desktop")
        page.locator("#reports tbody tr a").first.click()
        expect(page.get_by_role("heading", name="Números, cuentas y perfiles")).to_be_visible()
        _shot(page, "report-desktop")
        page.goto(f"{server.url}/reportes/nuevo")
        _shot(page, "form-desktop")
        page.goto(f"{server.url}/tendencias?bucket=month&since=2024-01-01")
        expect(page.locator("svg")).to_be_visible()
        _shot(page, "trends-desktop")
    finally:
        context.close()
