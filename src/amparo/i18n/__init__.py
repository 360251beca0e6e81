"""Message catalogues: Spanish first, then English, Portuguese and French.

Source strings (msgids) are English; every catalogue is a gettext ``.po`` file under
``locales/<lang>/LC_MESSAGES/messages.po``. The ``.po`` files are compiled in memory with Babel
when first used, so there is no build step and no stale ``.mo`` file. ``make i18n`` extracts new
strings and updates the catalogues; a test fails while any string lacks a translation.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
import math
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

LANGUAGES: tuple[str, ...] = ("es", "en", "pt", "fr")
DEFAULT_LANGUAGE = "es"
LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français"}
LOCALES_DIR = Path(__file__).parent / "locales"

Gettext = Callable[[str], str]


@functools.cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalogue for ``lang`` (an unknown language gets the untranslated text)."""
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not path.exists():
        return gettext_module.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def gettext_for(lang: str) -> Gettext:
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    return translations(lang).ngettext


def language_of(gettext: Gettext | None) -> str:
    """The language a ``gettext_for`` function translates into (its catalogue's Language
    header): what an error needs to write a number or a duration the reader's way. English
    when there is none (no gettext, or a language without a catalogue)."""
    catalogue = getattr(gettext, "__self__", None)
    if isinstance(catalogue, gettext_module.NullTranslations):
        return supported(catalogue.info().get("language")) or "en"
    return "en"


_WAIT_UNITS = (  # (shown up to, seconds in the unit, CLDR unit)
    (60, 1, "duration-second"),
    (2 * 3600, 60, "duration-minute"),
    (2 * 86400, 3600, "duration-hour"),
    (math.inf, 86400, "duration-day"),
)


def format_wait(seconds: int, lang: str) -> str:
    """A wait as people say it, in ``lang``: "45 segundos", "56 minutos", "3 horas". Rounded up,
    so whoever waits as told is let in (Babel's ``format_timedelta`` rounds to the nearest
    unit, and "1 hora" for 66 minutes sends them back too early)."""
    seconds = max(1, seconds)
    size, unit = next((size, unit) for below, size, unit in _WAIT_UNITS if seconds < below)
    return str(format_unit(math.ceil(seconds / size), unit, length="long", locale=lang))


def format_ago(seconds: float, lang: str) -> str:
    """How long ago, as people say it, in ``lang``: "hace 2 horas", "il y a 5 minutes"."""
    ago = timedelta(seconds=-max(1.0, seconds))  # negative: in the past
    return str(format_timedelta(ago, add_direction=True, threshold=1.5, locale=lang))


def supported(lang: str | None) -> str | None:
    """``lang`` reduced to a supported language code, or None ("pt-BR" → "pt")."""
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the best supported language from an Accept-Language header."""
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = supported(pieces[0])
        if code and quality > 0:
            weighted.append((-quality, position, code))
    return sorted(weighted)[0][2] if weighted else default


def language_name(lang: str) -> str:
    try:
        return Locale.parse(lang).get_display_name(lang) or lang
    except (UnknownLocaleError, ValueError):
        return lang
