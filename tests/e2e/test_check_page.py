"""A frightened mother checks a message on her phone: real browser, real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot

pytestmark = pytest.mark.e2e

RANSOM = (
    "Señora no cuelgue. Tenemos a su hijo Kevin, si quiere volver a verlo deposite 15 mil "
    "pesos en OXXO antes de las 6. No llame a la policía, la estamos vigilando."
)


def test_check_a_ransom_message(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="¿Es extorsión?")).to_be_visible()
    page.get_by_label("El mensaje").fill(RANSOM)
    page.get_by_role("button", name="Revisar el mensaje").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    assert verdict.locator("h2").inner_text() in ("Riesgo alto", "Riesgo muy alto")
    expect(verdict.locator("mark").first).to_be_visible()
    expect(verdict.get_by_role("heading", name="Qué hacer ahora")).to_be_visible()
    assert verdict.locator("ol.advice li").count() >= 3
    screenshot(page, "check-ransom-es")


def test_check_works_without_javascript_and_keeps_an_empty_form_friendly(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="es-MX")
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("El mensaje").fill("Hola mija, ya te mandé lo de la luz por Elektra")
    page.get_by_role("button", name="Revisar el mensaje").click()
    expect(page.locator("#verdict")).to_be_visible()
    screenshot(page, "check-benign-nojs")
    context.close()


def test_page_weight_is_small_for_cheap_phones(page: Page, server: Server) -> None:
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    page.goto(server.url + "/")
    assert sum(sizes) < 50_000


def test_a_number_in_the_message_and_the_lookup_page(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    page.get_by_label("El mensaje").fill(RANSOM + " Deposite y llame al 55 4433 2211.")
    page.get_by_role("button", name="Revisar el mensaje").click()
    verdict = page.locator("#verdict")
    expect(verdict.get_by_role("heading", name="Números y cuentas del mensaje")).to_be_visible()
    expect(verdict.locator("ul.seen li").first).to_contain_text("+525544332211")
    screenshot(page, "check-with-number-es")
    page.goto(server.url + "/consulta")
    page.get_by_label("Número, cuenta o perfil").fill("55 4433 2211")
    page.get_by_role("button", name="Consultar").click()
    result = page.locator("#lookup-result")
    expect(result).to_contain_text("+525544332211")
    expect(result).to_contain_text("Ninguna otra familia lo ha reportado todavía.")
    screenshot(page, "lookup-es")


def test_a_long_paste_is_refused_with_a_reason_not_cut(page: Page, server: Server) -> None:
    """The form used to cut a paste at 20,000 characters without a word, and a threat at the
    end of a long chat came out "low risk"; now the whole paste is sent and the answer says
    it is too long."""
    page.goto(server.url + "/")
    chat = "Hola mamá, todo bien por acá. " * 700 + "Señora tenemos a su hijo, deposite ya."
    page.get_by_label("El mensaje").fill(chat)
    page.get_by_role("button", name="Revisar el mensaje").click()
    expect(page.locator("#check-error")).to_contain_text("demasiado largo")
    expect(page.locator("#verdict")).to_have_count(0)


def test_long_links_stay_inside_a_phone_screen(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="es-MX")
    page = context.new_page()
    page.goto(server.url + "/")
    link = "https://example.org/pagos/" + "x9" * 60 + "?cuenta=012180015555555555"
    page.get_by_label("El mensaje").fill(
        f"Tenemos a su hijo. Pague aquí {link} o cobros.fam.{link[8:40]}@example.org"
    )
    page.get_by_role("button", name="Revisar el mensaje").click()
    expect(page.locator("#verdict")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "check-long-link-phone")
    context.close()


def test_a_signed_in_mother_sees_her_sons_last_check_in_with_the_verdict(
    browser: Browser, server: Server
) -> None:
    """The demo's family account (Kevin's mother) checks a ransom message about Kevin: next to
    the verdict she reads his state and when he last checked in."""
    context = browser.new_context(locale="es-MX", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/")
    page.get_by_label("Correo electrónico").fill("familia@demo.amparo.example")
    page.get_by_label("Contraseña").fill(server.password)
    page.keyboard.press("Enter")
    page.get_by_label("El mensaje").fill(RANSOM)
    page.get_by_role("button", name="Revisar el mensaje").click()
    travellers = page.locator("#verdict section.travellers")
    expect(travellers).to_be_visible()
    expect(travellers.get_by_role("heading", name="Los reportes de sus viajeros")).to_be_visible()
    expect(travellers).to_contain_text("Kevin Demo")
    expect(travellers).to_contain_text("todavía no se ha reportado")  # the demo never checks in
    screenshot(page, "check-family-es")
    context.close()
