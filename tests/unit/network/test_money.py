"""Amounts as people on the route write them: every convention read right, the ambiguous one
read for money, nothing unreadable turned into a wrong number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from amparo.errors import InvalidInput
from amparo.i18n import gettext_for
from amparo.network.money import currencies, currency, read_amount

LOCALES = ("es_MX", "en_US", "es_US", "es", "pt_BR", "fr_CA", "en_CA", "es_CO", "es_GT", "es_HN")
CURRENCY_OF = {"es_MX": "MXN", "es_GT": "GTQ", "es_HN": "HNL", "es_NI": "NIO", "es": "EUR"}
amounts = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False)


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("20,000.50", "20000.50", None),
        ("20.000,50", "20000.50", None),  # the audit's: was stored as 20.00
        ("20 000", "20000", None),
        ("20\u00a0000,50", "20000.50", None),
        ("$5,000", "5000", None),
        ("5 mil", "5000", None),
        ("5mil pesos", "5000", "MXN"),
        ("1.5 mil", "1500", None),
        ("5k", "5000", None),
        ("2 millones de pesos", "2000000", "MXN"),
        ("20.000", "20000", None),  # ambiguous: read for money (nobody writes $20 as $20.000)
        ("20,000", "20000", None),
        ("20,50", "20.50", None),
        ("1,5", "1.50", None),
        ("20.5", "20.50", None),
        ("1.000.000", "1000000", None),
        ("1.234.567,89", "1234567.89", None),
        ("US$300", "300", "USD"),
        ("300 dls", "300", "USD"),
        ("7 dólares", "7", "USD"),
        ("500 M.N.", "500", "MXN"),
        ("$5,000 MXN", "5000", "MXN"),
        ("Q1,500", "1500", "GTQ"),
        ("0", "0", None),
        ("12345", "12345", None),
    ],
)
def test_amounts_as_people_write_them(written: str, amount: str, currency: str | None) -> None:
    assert read_amount(written, "amount") == (Decimal(amount).quantize(Decimal("0.01")), currency)


@pytest.mark.parametrize(
    "written",
    ["0.500", "12.34.567", "1.2345", "20000.500", "1 000.000", "-5", "abc", "5 kilos", ".5",
     "5.", "5 mil 500", "$5,000 USD pesos", "20,00.50", "1,00,000"],
)  # fmt: skip
def test_what_cannot_be_read_is_refused_naming_the_field(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_amount(written, "amount_paid")
    assert refused.value.field == "amount_paid"
    message = refused.value.render(gettext_for("es"))
    assert message.startswith(f"El monto pagado '{written.strip()}' no se puede leer como")


def test_numbers_are_taken_as_they_are_and_limits_hold() -> None:
    assert read_amount(Decimal("20.000"), "amount") == (Decimal("20.00"), None)  # a number
    assert read_amount(50000, "amount") == (Decimal("50000.00"), None)
    assert read_amount(None, "amount") == (None, None)
    assert read_amount("  ", "amount") == (None, None)
    for too_much in ("1000000000000", "1 mil millones", Decimal("-1"), Decimal("NaN")):
        with pytest.raises(InvalidInput) as refused:
            read_amount(too_much, "amount")
        assert refused.value.field == "amount"


@given(amount=amounts, locale=st.sampled_from(LOCALES))
def test_whatever_babel_writes_in_a_routes_locale_reads_back(amount: Decimal, locale: str) -> None:
    """Babel is the oracle: its way of writing an amount in each locale of the route (with
    cents, or whole) is read back to the same amount."""
    with_cents = format_decimal(amount, format="#,##0.00", locale=locale)
    assert read_amount(with_cents, "amount") == (amount, None)
    whole = amount.to_integral_value()
    assert read_amount(format_decimal(whole, format="#,##0", locale=locale), "amount")[0] == whole


@given(amount=amounts, locale=st.sampled_from(sorted(CURRENCY_OF)))
def test_amounts_written_with_their_currency_read_back(amount: Decimal, locale: str) -> None:
    code = CURRENCY_OF[locale]
    value, named = read_amount(format_currency(amount, code, locale=locale), "amount")
    assert value == amount
    assert named in (code, None)  # None: a bare "$", pesos or dollars


@given(text=st.text(alphabet="0123456789.,  $kmilpesodúrs", max_size=20))
def test_anything_typed_is_read_or_refused(text: str) -> None:
    try:
        amount, _ = read_amount(text, "amount")
    except InvalidInput as refused:
        field = refused.field
    else:
        assert amount is None or Decimal(0) <= amount < Decimal("1e12")
        return
    assert field == "amount"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("MXN", "MXN"),
        ("mxn", "MXN"),
        (" usd ", "USD"),
        ("pesos", "MXN"),
        ("M.N.", "MXN"),
        ("MN", "MXN"),
        ("dólares", "USD"),
        ("dls", "USD"),
        ("US$", "USD"),
        ("GTQ", "GTQ"),
        ("quetzales", "GTQ"),
        ("lempiras", "HNL"),
        ("VES", "VES"),
        ("", None),
        (None, None),
    ],
)
def test_currencies_as_people_write_them(written: str | None, code: str | None) -> None:
    assert currency(written) == code


@pytest.mark.parametrize("written", ["ZZZ", "PES", "XXX", "XTS", "$", "pesetas", "VEF", "MX"])
def test_codes_not_in_use_today_are_refused(written: str) -> None:
    """PES (a Peruvian sol of 1863) and ZZZ would split a network's totals."""
    with pytest.raises(InvalidInput) as refused:
        currency(written)
    assert refused.value.field == "currency"
    assert "MXN o USD" in refused.value.render(gettext_for("es"))


def test_the_currencies_in_use_come_from_cldr() -> None:
    assert {"MXN", "USD", "GTQ", "HNL", "NIO", "CRC", "COP", "EUR", "CAD"} <= currencies()
    assert not {"PES", "ZZZ", "XXX", "XTS", "XAU", "MXV", "SVC"} & currencies()
