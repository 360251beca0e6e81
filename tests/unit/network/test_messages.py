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
