from __future__ import annotations

import pytest

from amparo.i18n import LANGUAGES, gettext_for, negotiate, supported
from amparo.i18n.tools import extract, load, untranslated


def test_every_string_in_the_code_is_in_every_catalogue_and_translated() -> None:
    """Fails when a new user-facing string was added without running ``make i18n``."""
    wanted = {m.id for m in extract() if m.id}
    for lang in LANGUAGES:
        catalog = load(lang)
        present = {m.id for m in catalog if m.id and not m.fuzzy}
        assert not wanted - present, (
            f"{lang}: run 'make i18n' — missing {sorted(wanted - present)[:5]}"
        )
        assert untranslated(catalog, lang) == [], f"{lang}: untranslated strings"


@pytest.mark.parametrize("lang", ["es", "pt", "fr"])
def test_translations_keep_their_placeholders(lang: str) -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in load(lang):
        if message.id and message.string:
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
