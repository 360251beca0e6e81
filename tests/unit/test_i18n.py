from __future__ import annotations

import pytest

from amparo.errors import InvalidInput, Label, RateLimited, Wait
from amparo.i18n import (
    LANGUAGES,
    format_wait,
    gettext_for,
    language_of,
    negotiate,
    ngettext_for,
    supported,
)
from amparo.i18n.tools import extract, load, untranslated


def test_every_string_in_the_code_is_in_every_catalogue_and_translated() -> None:
    """Fails when a new user-facing string was added without running ``make i18n``."""
    wanted = {m.id for m in extract() if m.id}
    for lang in LANGUAGES:
        catalog = load(lang)
        present = {m.id for m in catalog if m.id and not m.fuzzy}
        assert not wanted - present, (
            f"{lang}: run 'make i18n' — missing {sorted(map(str, wanted - present))[:5]}"
        )
        assert untranslated(catalog, lang) == [], f"{lang}: untranslated strings"


@pytest.mark.parametrize("lang", ["es", "pt", "fr"])
def test_translations_keep_their_placeholders(lang: str) -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in load(lang):
        if not (message.id and message.string):
            continue
        if isinstance(message.id, tuple):  # plural forms: each as the plural, the count optional
            wanted = set(placeholder.findall(message.id[1]))
            for form in message.string:
                assert set(placeholder.findall(form)) | {"%(n)d"} == wanted | {"%(n)d"}, form
            continue
        assert sorted(placeholder.findall(str(message.id))) == sorted(
            placeholder.findall(str(message.string))
        ), message.id


def test_spanish_is_the_default_and_catalogues_translate() -> None:
    assert negotiate(None) == "es"
    assert gettext_for("es")("Sign in") == "Iniciar sesión"
    assert gettext_for("fr")("Sign in") == "Se connecter"
    assert gettext_for("xx")("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("de-DE,pt-BR;q=0.8,en;q=0.5", "pt"),
        ("fr;q=0.2, es;q=0.9", "es"),
        ("zh-CN", "es"),
        ("en;q=0, fr", "fr"),
        ("garbage;;;q=abc", "es"),
    ],
)
def test_accept_language_negotiation(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_supported_reduces_regional_codes() -> None:
    assert supported("pt_BR") == "pt"
    assert supported("ES-mx") == "es"
    assert supported("de") is None
    assert supported("") is None


def test_the_warning_lists_reasons_are_messages_to_translate() -> None:
    """Each reason is shown through gettext, so the catalogues must hold it (the i18n tools
    read it from the YAML file)."""
    from amparo.indicators import default_warning_list

    wanted = {m.id for m in extract() if m.id}
    reasons = set(default_warning_list().entries.values())
    assert reasons
    assert reasons <= wanted, sorted(reasons - wanted)


def test_plural_forms_follow_the_count() -> None:
    singular = "Partner hub %(partner)s: reported %(n)d time."
    plural = "Partner hub %(partner)s: reported %(n)d times."
    spanish = ngettext_for("es")
    assert (
        spanish(singular, plural, 1) % {"partner": "N", "n": 1} == "Nodo socio N: reportado 1 vez."
    )
    assert "2 veces" in spanish(singular, plural, 2) % {"partner": "N", "n": 2}
    assert ngettext_for("en")(singular, plural, 1) % {"partner": "N", "n": 1} == (
        "Partner hub N: reported 1 time."
    )


@pytest.mark.parametrize(
    ("seconds", "lang", "expected"),
    [
        (1, "es", "1 segundo"),
        (45, "es", "45 segundos"),
        (60, "es", "1 minuto"),
        (3333, "es", "56 minutos"),  # the audit's "3333 segundos"
        (3960, "en", "66 minutes"),  # not "1 hour": whoever waits as told gets in
        (7200, "pt", "2 horas"),
        (7201, "fr", "3\u00a0heures"),  # rounded up, never down (French: a no-break space)
        (3 * 86400, "es", "3 días"),
        (0, "en", "1 second"),
    ],
)
def test_waits_are_said_in_the_largest_sensible_unit(
    seconds: int, lang: str, expected: str
) -> None:
    assert format_wait(seconds, lang) == expected


def test_the_language_of_a_gettext_function() -> None:
    assert [language_of(gettext_for(lang)) for lang in LANGUAGES] == list(LANGUAGES)
    assert language_of(gettext_for("xx")) == "en"
    assert language_of(None) == "en"
    assert language_of(lambda text: text) == "en"


def test_error_parameters_that_are_labels_and_waits_are_translated() -> None:
    error = InvalidInput(
        "The %(name)s is longer than %(n)d characters.", name=Label("message"), n=20_000
    )
    assert error.render(gettext_for("es")) == "El campo mensaje tiene más de 20000 caracteres."
    assert error.render() == "The message is longer than 20000 characters."
    limited = RateLimited("Too many attempts. Try again in %(wait)s.", wait=Wait(3333))
    assert limited.render(gettext_for("es")) == (
        "Demasiados intentos. Vuelva a intentarlo en 56 minutos."
    )
    assert limited.render() == "Too many attempts. Try again in 56 minutes."
