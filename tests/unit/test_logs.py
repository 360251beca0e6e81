from __future__ import annotations

import logging

import pytest

from amparo.logs import RedactingFilter, configure, redact


@pytest.mark.parametrize(
    "text",
    [
        "call +52 55 1234 5678 now",
        "mail maria.lopez@example.org",
        "at 19.43261, -99.13321",
        "card 4152 3138 0000 1234",
    ],
)
def test_personal_data_is_masked(text: str) -> None:
    cleaned = redact(text)
    assert not any(part in cleaned for part in ("1234 5678", "maria", "19.43261", "0000 1234"))


def test_counts_status_codes_and_timings_survive() -> None:
    assert redact("GET /api/v1/users 200 12.3ms") == "GET /api/v1/users 200 12.3ms"
    assert redact("delivered alert 42 to 3 recipients") == "delivered alert 42 to 3 recipients"


def test_filter_masks_arguments_too() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "looked up %s", ("+15551234567",), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "looked up [number]"


def test_debug_logs_do_not_carry_what_alerts_say(capsys: pytest.CaptureFixture[str]) -> None:
    """With AMPARO_LOG_LEVEL=DEBUG, apprise logged every alert it sent (a traveller's name, the
    place of an SOS, a contact's one-time link) and urllib3 the URL (found by QA)."""
    import apprise

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure("DEBUG", "text")
        notifier = apprise.Apprise()
        notifier.add("json://127.0.0.1:9/hook/s3cret-path")
        notifier.notify(title="Kevin Demo", body="SOS en Tapachula http://x/ack/7-abcdef0123")
        logging.getLogger("amparo.test").debug("our own debug line")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    logged = capsys.readouterr().err
    assert "our own debug line" in logged
    for secret in ("Kevin", "Tapachula", "abcdef0123", "s3cret-path"):
        assert secret not in logged
