from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from amparo.accounts import service as accounts_service
from amparo.accounts.models import Role, Scope, User, WebSession
from amparo.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from amparo.store.types import utcnow
from tests import factories


def test_personal_data_is_encrypted_at_rest(db: Session) -> None:
    org = factories.org(db)
    person = factories.user(db, org, email="Maria.Lopez@Example.org")
    db.flush()
    raw = db.execute(
        text("SELECT email, display_name FROM users WHERE id = :id"), {"id": person.id}
    ).one()
    assert "maria" not in raw.email.lower()
    assert raw.email.startswith("v1.")
    assert "Person" not in raw.display_name
    db.expire_all()
    assert db.get(User, person.id).email == "maria.lopez@example.org"  # type: ignore[union-attr]


def test_login_by_email_any_case_and_wrong_password(db: Session) -> None:
    org = factories.org(db)
    factories.user(db, org, email="ana@example.org")
    found = accounts_service.authenticate(
        session=db, email=" ANA@example.org ", password=factories.PASSWORD
    )
    assert found.last_login_at is not None
    for email, password in [
        ("ana@example.org", "wrong password!!"),
        ("nobody@example.org", "x"),
        ("not an email", "x"),
    ]:
        with pytest.raises(NotAuthenticated, match="e-mail address or the password is wrong"):
            accounts_service.authenticate(session=db, email=email, password=password)


def test_passwords_are_argon2_and_short_ones_refused(db: Session) -> None:
    org = factories.org(db)
    person = factories.user(db, org)
    assert person.password_hash is not None
    assert person.password_hash.startswith("$argon2id$")
    with pytest.raises(InvalidInput, match="at least"):
        factories.user(db, org, password="short")


def test_duplicate_email_and_org_slug_conflict(db: Session) -> None:
    org = factories.org(db)
    factories.user(db, org, email="dup@example.org")
    with pytest.raises(Conflict):
        factories.user(db, org, email="DUP@example.org")
    with pytest.raises(Conflict):
        accounts_service.create_organisation(session=db, slug=org.slug, name="Again")


def test_staff_need_an_organisation(db: Session) -> None:
    with pytest.raises(InvalidInput, match="must belong"):
        factories.user(db, None, role=Role.ADMIN)
    traveller = factories.user(db, None, role=Role.TRAVELLER, password=None)
    assert traveller.org_id is None


def test_api_tokens_are_stored_hashed_and_can_expire_or_be_revoked(db: Session) -> None:
    org = factories.org(db)
    secret, token = accounts_service.create_api_token(
        session=db, org=org, name="ci", scopes=[Scope.USERS_READ]
    )
    assert secret.startswith("amp_")
    assert secret not in token.token_hash
    principal = accounts_service.principal_for_token(session=db, secret=secret)
    assert principal.org_id == org.id
    assert principal.scopes == {Scope.USERS_READ}
    with pytest.raises(PermissionDenied, match="users:write"):
        principal.require(Scope.USERS_WRITE)
    token.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotAuthenticated):
        accounts_service.principal_for_token(session=db, secret=secret)
    token.expires_at = None
    accounts_service.revoke_api_token(session=db, principal=principal, token_id=token.id)
    with pytest.raises(NotAuthenticated):
        accounts_service.principal_for_token(session=db, secret=secret)
    for bad in ["", "amp_", "amp_" + "x" * 300, "Bearer x"]:
        with pytest.raises(NotAuthenticated):
            accounts_service.principal_for_token(session=db, secret=bad)


def test_one_organisation_cannot_read_another_organisations_people(db: Session) -> None:
    org_a, org_b = factories.org(db), factories.org(db)
    person_b = factories.user(db, org_b)
    _, _token_a = accounts_service.create_api_token(
        session=db, org=org_a, name="a", scopes=[Scope.USERS_READ]
    )
    principal_a = accounts_service.principal_for_token(
        session=db, secret=factories.token(db, org_a, [Scope.USERS_READ])
    )
    with pytest.raises(NotFound):
        accounts_service.get_user(session=db, principal=principal_a, user_id=person_b.id)
    listed = accounts_service.list_users(session=db, principal=principal_a, limit=100, offset=0)
    assert person_b.id not in {u.id for u in listed}
    with pytest.raises(NotFound):
        accounts_service.revoke_api_token(session=db, principal=principal_a, token_id=-1)


def test_web_sessions_expire_and_are_purged(db: Session) -> None:
    org = factories.org(db)
    person = factories.user(db, org)
    secret = accounts_service.start_web_session(session=db, user=person, hours=1)
    assert accounts_service.user_for_web_session(session=db, secret=secret) is person
    row = db.scalars(select(WebSession).where(WebSession.user_id == person.id)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    assert accounts_service.user_for_web_session(session=db, secret=secret) is None
    assert accounts_service.purge_expired_sessions(session=db) >= 1
    assert db.scalars(select(WebSession).where(WebSession.user_id == person.id)).first() is None
