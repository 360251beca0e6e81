"""Amparo: protection of migrants and their families against extortion."""

__version__ = "0.1.0"
