"""The warning list: public numbers that are shown but never link reports."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from amparo.i18n import gettext_for
from amparo.indicators import (
    canonical_phone,
    default_warning_list,
    extract,
    phones,
    shown_reason,
)

ROUTE = phones.LIKELY_REGIONS
ENTRIES = yaml.safe_load(
    resources.files("amparo.indicators").joinpath("data/warninglist.yaml").read_text("utf-8")
)["entries"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["value"] for e in ENTRIES])
def test_every_entry_is_a_canonical_value_with_a_reason_and_a_source(entry: dict[str, str]) -> None:
    value = entry["value"]
    assert entry["type"] == "phone"
    assert entry["source"].strip()
    assert 0 < len(entry["reason"]) <= 200  # the column that stores it
    code = next(phones.calling_code(r) for r in ROUTE if value.startswith(phones.calling_code(r)))
    if len(value) - len(code) <= 4:  # a short number: the country's code and the number
        assert value[len(code) :].isdigit()
    else:
        assert canonical_phone(value) == value


def test_short_numbers_are_found_for_look_ups_only() -> None:
    listed = default_warning_list()
    assert listed.short_numbers("911", ROUTE) == ["+52911", "+1911", "+504911", "+503911"]
    assert listed.short_numbers("911", ("US", "MX")) == ["+1911", "+52911"]
    assert listed.short_numbers("1574", ROUTE) == ["+5021574"]
    assert listed.short_numbers("123", ROUTE) == []  # not listed: nothing to say about it
    assert extract("llame al 911 o al 089, o al 1574", region="MX") == []


@pytest.mark.parametrize(
    ("text", "region", "value", "other"),
    [
        ("al Consejo Ciudadano 55 5533 5533", "MX", "+525555335533", None),
        ("al Consejo Ciudadano 55 5533 5533", "US", "+525555335533", None),
        ("llamen al CIAM (520) 623-7874", "MX", "+15206237874", None),
        # a Mexican toll-free number or the US Lifeline: the public line wins, the other stays
        ("llame al 800 273 8255", "MX", "+18002738255", "+528002738255"),
        ("call 1-800-273-8255", "US", "+18002738255", None),
    ],
)
def test_a_public_number_is_marked_however_it_is_written(
    text: str, region: str, value: str, other: str | None
) -> None:
    (item,) = extract(text, region=region)
    assert (item.value, item.display) == (value, value)
    assert item.warning == default_warning_list().reason("phone", value)
    assert (other in item.candidates) if other else value not in item.candidates


@given(
    entry=st.sampled_from([e for e in ENTRIES if len(e["value"]) > 8]),
    region=st.sampled_from(ROUTE),
    style=st.sampled_from(["international", "spaced", "dashed", "compact"]),
)
def test_no_way_of_writing_a_listed_number_escapes_the_list(
    entry: dict[str, str], region: str, style: str
) -> None:
    import phonenumbers

    number = phonenumbers.parse(entry["value"])
    written = {
        "international": phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        "spaced": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        "dashed": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966),
        "compact": str(number.national_number),
    }[style].removeprefix("tel:")
    items = extract(f"me dijeron que llamara al {written} hoy", region=region)
    assert [(i.value, i.warning) for i in items] == [(entry["value"], entry["reason"])], written


def test_a_deployments_entries_join_the_shipped_ones_without_replacing_them() -> None:
    shipped = default_warning_list()
    own = {
        ("phone", "+525580808080"): "Línea de la Casa del Migrante",
        ("phone", "+525555335533"): "our words for the Consejo",  # shipped already
    }
    listed = shipped.beside(own)
    assert listed.reason("phone", "+525580808080") == "Línea de la Casa del Migrante"
    assert listed.reason("phone", "+525555335533") == shipped.reason("phone", "+525555335533")
    assert shipped.reason("phone", "+525580808080") is None  # the shipped list is unchanged
    (item,) = extract("nos dieron el 55 8080 8080", region="MX", warnings=listed)
    assert item.warning == "Línea de la Casa del Migrante"


def test_only_shipped_reasons_are_translated() -> None:
    """A shipped reason is a message; a deployment's own is shown as its author wrote it, even
    when it happens to read like a message the catalogues hold."""
    es = gettext_for("es")
    shipped = str(default_warning_list().reason("phone", "+52911"))
    assert shown_reason(shipped, es) == es(shipped) != shipped
    assert shown_reason("Línea de la Casa del Migrante", es) == "Línea de la Casa del Migrante"
    assert shown_reason("Sign in", es) == "Sign in"  # in the catalogue, but not a reason
    assert shown_reason(shipped, None) == shipped
