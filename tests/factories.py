"""Factories for test data: real rows through the real services, with unique values."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from amparo.accounts import service as accounts_service
from amparo.accounts.models import Organisation, OrgKind, Role, Scope, User

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def org(db: Session, *, name: str | None = None) -> Organisation:
    n = next(_counter)
    return accounts_service.create_organisation(
        session=db,
        slug=f"org-{n}-{secrets.token_hex(3)}",
        name=name or f"Organisation {n}",
        kind=OrgKind.NGO,
    )


def user(
    db: Session,
    organisation: Organisation | None,
    *,
    role: Role = Role.ANALYST,
    password: str | None = PASSWORD,
    email: str | None = None,
) -> User:
    n = next(_counter)
    return accounts_service.create_user(
        session=db,
        org=organisation,
        email=email or f"person{n}.{secrets.token_hex(3)}@example.org",
        display_name=f"Person {n}",
        role=role,
        password=password,
    )


def token(db: Session, organisation: Organisation, scopes: Sequence[Scope] | None = None) -> str:
    secret, _ = accounts_service.create_api_token(
        session=db, org=organisation, name="test", scopes=list(scopes or Scope)
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
