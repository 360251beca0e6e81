from __future__ import annotations

import logging

import pytest

from amparo.logs import RedactingFilter, redact


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
