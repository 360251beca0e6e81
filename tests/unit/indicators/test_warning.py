"""The warning list: public numbers that are shown but never link reports."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from amparo.indicators import canonical_phone, default_warning_list, extract, phones

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
