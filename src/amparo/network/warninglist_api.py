"""REST: the deployment's warning list — values that are shown but never link reports.

Members read it (why does this number link nothing?); adding and removing takes
``warninglist:write``, which no role carries: an entry unlinks every organisation's networks
(``docs/networks.md``, "The deployment's warning list")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from amparo.accounts import audit
from amparo.accounts.models import Scope
from amparo.accounts.service import Principal
from amparo.i18n import Gettext
from amparo.indicators import shown_reason
from amparo.network import schemas as s
from amparo.network import warninglist
from amparo.web.deps import GettextDep, IdPath, OriginDep, SessionDep, requires
from amparo.web.problems import problem_responses

router = APIRouter(tags=["networks"])

Reader = Annotated[Principal, Depends(requires(Scope.REPORTS_READ))]
Editor = Annotated[Principal, Depends(requires(Scope.WARNINGLIST_WRITE))]


def _out(item: warninglist.Listed, gettext: Gettext) -> s.WarningEntryOut:
    return s.WarningEntryOut(
        id=item.id,
        type=item.type,
        value=item.value,
        reason=shown_reason(item.reason, gettext) if item.source == "shipped" else item.reason,
        source="shipped" if item.source == "shipped" else "deployment",
        organisation=item.organisation,
        added_at=item.added_at,
        shadowed=item.shadowed,
    )


@router.get(
    "/warning-list",
    response_model=s.WarningListOut,
    summary="The warning list: the shipped public lines and the deployment's own entries",
    responses=problem_responses(401, 403),
)
def list_entries(session: SessionDep, principal: Reader, _: GettextDep) -> s.WarningListOut:
    return s.WarningListOut(items=[_out(i, _) for i in warninglist.listing(session=session)])


@router.post(
    "/warning-list",
    status_code=status.HTTP_201_CREATED,
    response_model=s.WarningEntryAdded,
    summary="List a value for the whole deployment: it stops linking reports at once (audited)",
    responses=problem_responses(401, 403, 409, 422),
)
def add_entry(
    body: s.WarningEntryCreate,
    session: SessionDep,
    principal: Editor,
    origin: OriginDep,
    _: GettextDep,
) -> s.WarningEntryAdded:
    entry, result = warninglist.add_entry(
        session=session,
        kind=body.type,
        value=body.value,
        reason=body.reason,
        region=body.region,
        actor=audit.Actor.of(principal),
        origin=origin,
    )
    listed = next(i for i in warninglist.listing(session=session) if i.id == entry.id)
    return s.WarningEntryAdded(entry=_out(listed, _), sync=s.WarningSyncOut(**result.counts()))


@router.delete(
    "/warning-list/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a deployment entry off the warning list: its value links again (audited)",
    responses=problem_responses(401, 403, 404),
)
def remove_entry(
    entry_id: IdPath, session: SessionDep, principal: Editor, origin: OriginDep
) -> None:
    warninglist.remove_entry(
        session=session, entry_id=entry_id, actor=audit.Actor.of(principal), origin=origin
    )
