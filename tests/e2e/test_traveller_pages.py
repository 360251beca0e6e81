"""A traveller prepares the trip, prints the card, checks in and presses SOS on a cheap phone;
the family's contact acknowledges. Real server with its embedded worker, real webhook, real
Chromium, no JavaScript."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.receivers import JsonReceiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def hook() -> Iterator[JsonReceiver]:
    receiver = JsonReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def nojs(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=False, locale="es-MX", viewport={"width": 360, "height": 740}
    )
    yield context.new_page()
    context.close()


def wait_for(receiver: JsonReceiver, title: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in receiver.messages():
            if title in message.payload["title"]:
                return str(message.payload["message"])
        time.sleep(0.2)
    raise AssertionError(f"no message titled {title!r}: {[m.payload for m in receiver.messages()]}")


def test_enrol_print_check_in_sos_and_acknowledge(
    nojs: Page, server: Server, hook: JsonReceiver
) -> None:
    page = nojs
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    page.goto(server.url + "/viajero/nuevo")
    expect(page.get_by_role("heading", name="Antes del viaje")).to_be_visible()
    page.get_by_label("Nombre", exact=True).fill("Wendy Ramos")
    page.get_by_label("PIN (4 a 8 dígitos)").fill("2468")
    page.locator("#duress_pin").fill("1357")
    page.locator("#contact1_name").fill("Mamá")
    page.locator("#contact1_url").fill(hook.url("mama"))
    screenshot(page, "enrol-form-es")
    page.get_by_role("button", name="Crear mi tarjeta").click()
    expect(page.get_by_role("heading", name="Tarjeta de reportes de Amparo")).to_be_visible()
    assert page.locator("ol.codes li").count() == 12
    screenshot(page, "enrol-card-es")
    link = page.locator("a[href*='/t/']").get_attribute("href")
    assert link
    assert "confirme" in wait_for(hook, "contacto de confianza").lower()

    sizes.clear()
    page.goto(link)
    assert sum(sizes) < 50_000  # the check-in page on a cheap phone
    page.get_by_label("PIN").first.fill("2468")
    page.get_by_label("¿Dónde está? (pueblo o albergue, opcional)").fill("Tapachula")
    page.get_by_role("button", name="Reportarme").click()
    expect(page.get_by_role("status")).to_contain_text("Reporte recibido")
    screenshot(page, "traveller-checked-in-es")

    page.get_by_role("button", name="SOS: avisar a todos mis contactos").click()
    expect(page.get_by_role("alert")).to_contain_text("SOS recibido")
    screenshot(page, "traveller-sos-es")
    message = wait_for(hook, "SOS de Wendy", seconds=40)
    ack = message.split("/ack/")[1].split()[0]

    page.goto(f"{server.url}/ack/{ack}")
    page.get_by_role("button", name="Lo vi, estoy actuando").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("dl.status")).to_contain_text("Emergencia")
    screenshot(page, "contact-acknowledged-es")
    page.goto(f"{server.url}/ack/{ack}")
    page.get_by_role("button", name="Lo vi, estoy actuando").click()
    expect(page.get_by_role("alert")).to_contain_text("ya fue confirmada")


def test_code_page_refuses_a_wrong_code_clearly(nojs: Page, server: Server) -> None:
    nojs.goto(server.url + "/codigo")
    nojs.get_by_label("Número de viajero").fill("ZZZZ1234")
    nojs.get_by_label("Código").fill("AAAAA-BBBBB")
    nojs.get_by_role("button", name="Reportarme").click()
    expect(nojs.get_by_role("alert")).to_contain_text("Ningún viajero tiene este número")
    screenshot(nojs, "code-checkin-error-es")
