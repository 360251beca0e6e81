"""Accounts: organisations, people, passwords, API tokens and page sessions.

Every read of another person's data goes through a :class:`Principal` and is scoped to the
principal's organisation; an object of another organisation is reported as "not found", never as
"forbidden", so that probing cannot learn what exists elsewhere.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from amparo.accounts.models import (
    ROLE_SCOPES,
    ApiToken,
    Organisation,
    OrgKind,
    Role,
    Scope,
    User,
    WebSession,
)
from amparo.crypto import active_keyring, token_hash
from amparo.errors import N_, Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from amparo.store.types import utcnow

TOKEN_PREFIX = "amp_"  # noqa: S105 - a prefix, not a secret
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so both paths take the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in person or an API token, always inside one organisation."""

    kind: str  # "user" or "token"
    id: int
    org_id: int | None
    scopes: frozenset[Scope]
    role: Role | None = None

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise PermissionDenied(N_("This needs the permission '%(scope)s'."), scope=scope.value)

    def require_org(self) -> int:
        if self.org_id is None:
            raise PermissionDenied(N_("This needs a member of an organisation."))
        return self.org_id


def normalise_email(email: str) -> str:
    """Lower-cased, validated address; raises InvalidInput with a reason."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(N_("The e-mail address is not valid."), field="email") from exc
    return result.normalized.lower()


def email_index(email: str) -> str:
    return active_keyring().blind_index(normalise_email(email), kind="email")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            N_("The password must have at least %(n)d characters."),
            field="password",
            n=MIN_PASSWORD_LENGTH,
        )
    if len(password) > 1024:
        raise InvalidInput(N_("The password is too long."), field="password")
    return _hasher.hash(password)


def create_organisation(
    *, session: Session, slug: str, name: str, kind: OrgKind = OrgKind.NGO
) -> Organisation:
    """Create an organisation; the slug must be new."""
    slug = slug.strip().lower()
    if not slug or len(slug) > 64 or not all(c.isalnum() or c in "-_" for c in slug):
        raise InvalidInput(
            N_("The short name may use only letters, digits, '-' and '_'."), field="slug"
        )
    if not name.strip():
        raise InvalidInput(N_("The name must not be empty."), field="name")
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise Conflict(N_("An organisation with that short name already exists."))
    org = Organisation(slug=slug, name=name.strip(), kind=kind)
    session.add(org)
    session.flush()
    return org


def get_organisation_by_slug(*, session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug.strip().lower()))
    if org is None:
        raise NotFound(N_("No organisation has that short name."))
    return org


def create_user(
    *,
    session: Session,
    org: Organisation | None,
    email: str,
    display_name: str,
    role: Role,
    password: str | None,
    language: str = "es",
) -> User:
    """Create a person; admins and analysts must belong to an organisation."""
    if role in (Role.ADMIN, Role.ANALYST) and org is None:
        raise InvalidInput(N_("Admins and analysts must belong to an organisation."))
    name = display_name.strip()
    if not name:
        raise InvalidInput(N_("The name must not be empty."), field="display_name")
    address = normalise_email(email)
    index = active_keyring().blind_index(address, kind="email")
    if session.scalar(select(User.id).where(User.email_index == index)) is not None:
        raise Conflict(N_("A person with that e-mail address already exists."))
    user = User(
        org_id=org.id if org else None,
        role=role,
        email_index=index,
        email=address,
        display_name=name,
        password_hash=hash_password(password) if password is not None else None,
        language=language,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same address
        raise Conflict(N_("A person with that e-mail address already exists.")) from exc
    return user


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The active user with this e-mail and password; one message for every kind of failure."""
    failure = NotAuthenticated(N_("The e-mail address or the password is wrong."))
    try:
        index = email_index(email)
    except InvalidInput:
        _verify(_dummy_hash(), password)
        raise failure from None
    user = session.scalar(select(User).where(User.email_index == index))
    if user is None or user.password_hash is None or not user.is_active:
        _verify(_dummy_hash(), password)
        raise failure
    if not _verify(user.password_hash, password):
        raise failure
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def principal_for_user(user: User) -> Principal:
    return Principal(
        kind="user", id=user.id, org_id=user.org_id, scopes=ROLE_SCOPES[user.role], role=user.role
    )


def create_api_token(
    *,
    session: Session,
    org: Organisation,
    name: str,
    scopes: Sequence[Scope],
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> tuple[str, ApiToken]:
    """Create a token; the secret is returned once and only its hash is stored."""
    if not scopes:
        raise InvalidInput(N_("A token needs at least one permission."), field="scopes")
    if not name.strip() or len(name) > 100:
        raise InvalidInput(N_("The token name must have 1 to 100 characters."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        org_id=org.id,
        created_by=created_by.id if created_by else None,
        name=name.strip(),
        prefix=secret[:12],
        token_hash=token_hash(secret),
        scopes=sorted({s.value for s in scopes}),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return secret, token


def principal_for_token(*, session: Session, secret: str) -> Principal:
    """The principal an API token stands for; refuses unknown, revoked and expired tokens."""
    invalid = NotAuthenticated(N_("The API token is not valid, has expired or was revoked."))
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise invalid
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise invalid
    if token.expires_at is not None and token.expires_at <= now:
        raise invalid
    token.last_used_at = now
    scopes = frozenset(Scope(s) for s in token.scopes if s in Scope._value2member_map_)
    return Principal(kind="token", id=token.id, org_id=token.org_id, scopes=scopes)


def revoke_api_token(*, session: Session, principal: Principal, token_id: int) -> ApiToken:
    org_id = principal.require_org()
    token = session.get(ApiToken, token_id)
    if token is None or token.org_id != org_id:
        raise NotFound(N_("No such token."))
    token.revoked_at = token.revoked_at or utcnow()
    return token


def start_web_session(*, session: Session, user: User, hours: int) -> str:
    """Create a page session; returns the cookie value (only its hash is stored)."""
    secret = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(secret),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return secret


def user_for_web_session(*, session: Session, secret: str) -> User | None:
    if not secret or len(secret) > 200:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(secret)))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def end_web_session(*, session: Session, secret: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(secret)))


def purge_expired_sessions(*, session: Session) -> int:
    """Delete page sessions past their expiry; returns how many."""
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def list_users(*, session: Session, principal: Principal, limit: int, offset: int) -> list[User]:
    principal.require(Scope.USERS_READ)
    org_id = principal.require_org()
    rows = session.scalars(
        select(User).where(User.org_id == org_id).order_by(User.id).limit(limit).offset(offset)
    )
    return list(rows)


def get_user(*, session: Session, principal: Principal, user_id: int) -> User:
    principal.require(Scope.USERS_READ)
    user = session.get(User, user_id)
    if user is None or user.org_id != principal.require_org():
        raise NotFound(N_("No such person."))
    return user


def get_organisation(*, session: Session, principal: Principal) -> Organisation:
    principal.require(Scope.ORG_READ)
    org = session.get(Organisation, principal.require_org())
    if org is None:
        raise NotFound(N_("No such organisation."))
    return org
