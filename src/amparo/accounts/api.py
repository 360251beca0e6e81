"""Accounts API: who am I, my organisation, its people, its audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from amparo.accounts import audit
from amparo.accounts import service as accounts_service
from amparo.accounts.models import Scope
from amparo.accounts.schemas import (
    AuditEventRead,
    AuditPage,
    MeRead,
    OrganisationRead,
    UserCreate,
    UserPage,
    UserRead,
)
from amparo.accounts.service import Principal
from amparo.web.deps import MAX_ID, IdPath, OriginDep, PrincipalDep, SessionDep, requires
from amparo.web.problems import problem_responses

router = APIRouter(tags=["accounts"])

UsersWriter = Annotated[Principal, Depends(requires(Scope.USERS_WRITE))]


@router.get("/me", response_model=MeRead, summary="Who the token belongs to")
def read_me(principal: PrincipalDep) -> MeRead:
    return MeRead(
        kind=principal.kind,
        id=principal.id,
        org_id=principal.org_id,
        scopes=sorted(s.value for s in principal.scopes),
    )


@router.get(
    "/organisation",
    response_model=OrganisationRead,
    summary="The caller's organisation",
    responses=problem_responses(403),
)
def read_organisation(session: SessionDep, principal: PrincipalDep) -> OrganisationRead:
    org = accounts_service.get_organisation(session=session, principal=principal)
    return OrganisationRead.model_validate(org)


@router.get(
    "/users",
    response_model=UserPage,
    summary="People of the caller's organisation",
    responses=problem_responses(403),
)
def list_users(
    session: SessionDep,
    principal: PrincipalDep,
    origin: OriginDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> UserPage:
    users = accounts_service.list_users(
        session=session, principal=principal, limit=limit, offset=offset
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="users.list",
        origin=origin,
        target=audit.Target("user", None, {"count": len(users)}),
    )
    return UserPage(items=[UserRead.model_validate(u) for u in users], limit=limit, offset=offset)


@router.get(
    "/users/{user_id}",
    response_model=UserRead,
    summary="One person",
    responses=problem_responses(403),
)
def read_user(
    user_id: IdPath, session: SessionDep, principal: PrincipalDep, origin: OriginDep
) -> UserRead:
    user = accounts_service.get_user(session=session, principal=principal, user_id=user_id)
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="user.read",
        origin=origin,
        target=audit.Target("user", user.id),
    )
    return UserRead.model_validate(user)


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a person to the caller's organisation",
)
def create_user(
    body: UserCreate, session: SessionDep, principal: UsersWriter, origin: OriginDep
) -> UserRead:
    org = accounts_service.get_organisation(session=session, principal=principal)
    user = accounts_service.create_user(
        session=session,
        org=org,
        email=body.email,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        language=body.language,
    )
    audit.record(
        session=session,
        actor=audit.Actor.of(principal),
        action="user.create",
        origin=origin,
        target=audit.Target("user", user.id, {"role": user.role.value}),
    )
    return UserRead.model_validate(user)


@router.get(
    "/audit",
    response_model=AuditPage,
    summary="The organisation's audit log",
    responses=problem_responses(403),
)
def read_audit(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> AuditPage:
    events = audit.list_events(
        session=session, principal=principal, limit=limit, before_id=before_id
    )
    return AuditPage(
        items=[AuditEventRead.model_validate(e) for e in events],
        next_before_id=events[-1].id if len(events) == limit else None,
    )
