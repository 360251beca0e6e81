"""Column types: timezone-aware UTC datetimes on every database, encrypted text, text enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, FromClause, Text
from sqlalchemy.types import TypeDecorator

from amparo.crypto import active_keyring


def str_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """A closed set of values stored as their text (no native enum types: portable migrations)."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda k: [m.value for m in k],
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns aware datetimes (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text sealed with AES-GCM under the active keyring; ``context`` binds it to its column."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keyring().encrypt(value, context=self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keyring().decrypt(value, context=self.context)


def sealed_context(table: FromClause, column: str) -> str:
    """The context a sealed column's values are bound to, for code that reads or writes them
    still sealed (bulk writes; a view that opens only what it shows)."""
    kind = table.c[column].type
    assert isinstance(kind, EncryptedText), f"{column} is not a sealed column"
    return kind.context
