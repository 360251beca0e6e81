"""Logging: one JSON object per line, and a last guard against personal data.

Code logs identifiers and counts, never names, numbers, messages or places (STYLE.md). The
:class:`RedactingFilter` is a second line of defence: it masks anything that looks like an e-mail
address, a phone or account number, or coordinates, in the message and in its arguments.
"""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_COORDINATES = re.compile(r"-?\d{1,3}\.\d{3,},\s*-?\d{1,3}\.\d{3,}")
_NUMBER_RUN = re.compile(r"\+?\d[\d \t().-]{5,}\d")
_MIN_DIGITS = 8  # phone numbers, accounts and cards; not status codes, counts or timings


def _mask_number(match: re.Match[str]) -> str:
    run = match.group(0)
    return "[number]" if sum(c.isdigit() for c in run) >= _MIN_DIGITS else run


def redact(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _COORDINATES.sub("[coordinates]", text)
    return _NUMBER_RUN.sub(_mask_number, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Install the root handler (idempotent); uvicorn's own access log is replaced by ours."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    # Libraries that log what they send at DEBUG: apprise the whole alert (a traveller's name,
    # the place of an SOS, a contact's one-time confirmation and acknowledgement links) and the
    # contacts' addresses, urllib3 and httpx the URLs (webhook secrets in their paths). The
    # redacting filter masks numbers and e-mails, never names, places or links, so
    # ``AMPARO_LOG_LEVEL=DEBUG`` is for Amparo's own loggers only (found by QA).
    for name in _SENDS_PERSONAL_DATA_AT_DEBUG:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))


_SENDS_PERSONAL_DATA_AT_DEBUG = (
    "apprise",
    "urllib3",
    "requests",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "multipart",
    "python_multipart",
)
