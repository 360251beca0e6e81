"""What a report's validation errors say: the field in the reader's language, not its code."""

from __future__ import annotations

import pytest

from amparo.errors import InvalidInput
from amparo.i18n import gettext_for
from amparo.network import service
from amparo.network.service import ReportIn


def refusal(data: ReportIn) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        service.prepare(data, region="MX")
    return refused.value


def test_errors_name_the_field_in_the_readers_language() -> None:
    long = refusal(ReportIn(text="x" * (service.MAX_TEXT + 1)))
    assert long.field == "text"
    assert long.render(gettext_for("es")) == "El campo mensaje tiene más de 20000 caracteres."
    assert long.render(gettext_for("en")) == "The message is longer than 20000 characters."
    assert "narrativa" not in refusal(ReportIn(narrative="x" * 20_001)).render(gettext_for("es"))
    assert "relato" in refusal(ReportIn(narrative="x" * 20_001)).render(gettext_for("es"))
    channel = refusal(ReportIn(text="hola", channel="fax")).render(gettext_for("es"))
    assert channel.startswith("'fax' no es un valor válido de canal")
    sharing = refusal(ReportIn(text="hola", sharing="todos")).render(gettext_for("pt"))
    assert "sharing" not in sharing
    assert "compartilhamento" in sharing


def test_a_category_outside_the_vocabulary_is_refused_naming_the_field() -> None:
    kind = refusal(ReportIn(text="hola", category="foo"))
    assert kind.field == "category"
    assert kind.render(gettext_for("es")).startswith(
        "'foo' no es un valor válido de tipo de extorsión (uno de: virtual_kidnapping, "
    )
    assert "benign" in kind.render(gettext_for("en"))
    data, _mentions = service.prepare(ReportIn(text="hola", category="sextortion"), region="MX")
    assert data.category == "sextortion"


def test_the_categories_are_the_triages_and_the_forms() -> None:
    from amparo.network.models import Category
    from amparo.network.reports import UNKNOWN_CATEGORY
    from amparo.triage.corpus import CATEGORIES
    from amparo.triage.present import CATEGORY_NAMES

    assert tuple(Category) == CATEGORIES
    assert list(CATEGORY_NAMES) == list(Category)
    assert UNKNOWN_CATEGORY not in set(Category)
