"""API shapes for accounts; separate from the tables so internal columns never leak."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from amparo.accounts.models import OrgKind, Role


class Strict(BaseModel):
    """Unknown fields are refused, so a typo is an error instead of silently ignored data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    kind: OrgKind


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    display_name: str
    email: str
    language: str
    is_active: bool
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    limit: int
    offset: int


class UserCreate(Strict):
    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=12, max_length=1024)
    language: str = Field(default="es", pattern="^(es|en|pt|fr)$")


class MeRead(BaseModel):
    kind: str
    id: int
    org_id: int | None
    scopes: list[str]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_type: str
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    channel: str


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_before_id: int | None
