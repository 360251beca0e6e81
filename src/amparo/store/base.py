"""Declarative base with a naming convention, so migrations name constraints the same everywhere."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def import_all_models() -> None:
    """Import every domain's models so ``Base.metadata`` is complete (Alembic, key rotation)."""
    from amparo.accounts import models as _accounts  # noqa: F401
    from amparo.alerts import models as _alerts  # noqa: F401
    from amparo.network import models as _network  # noqa: F401
    from amparo.safety import models as _safety  # noqa: F401
