"""Indicators: phone numbers, bank accounts, cards, transfer codes, e-mails, links, social
profiles, wallets and names, extracted from free text and normalised so that every way of
writing one maps to one canonical value. Pure: no database, no web, no global state."""

from amparo.indicators import crypto, finance, names, phones, web
from amparo.indicators.extract import extract
from amparo.indicators.model import Indicator, IndicatorType
from amparo.indicators.phones import canonical_phone
from amparo.indicators.warning import WarningList, default_warning_list, shown_reason

__all__ = [
    "Indicator",
    "IndicatorType",
    "WarningList",
    "canonical_phone",
    "crypto",
    "default_warning_list",
    "extract",
    "finance",
    "names",
    "phones",
    "shown_reason",
    "web",
]
