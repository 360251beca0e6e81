"""Network pages.

- ``/consulta``: "has this number already been reported?" — for anyone, coarse, rate-limited,
  blind to the last day's reports (like the anonymous API look-up); for a signed-in member of an
  organisation, the member's answer (like the API with a token). Works without JavaScript.
- ``/redes`` and ``/redes/{id}``: the clusters an organisation can see, for its staff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from amparo.errors import AmparoError
from amparo.network import remote_hubs, service
from amparo.network.names import CHANNEL_NAMES, TYPE_NAMES
from amparo.store.types import utcnow
from amparo.triage.present import CATEGORY_NAMES
from amparo.web.deps import (
    GettextDep,
    IdPath,
    PageUserDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    client_key,
    get_page_user,
)
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/consulta", dependencies=[Depends(get_page_user)])
def lookup_form(request: Request) -> Response:
    return render(
        request, "lookup.html", {"value": "", "found": None, "error": None, "member": False}
    )


@router.post("/consulta")
def lookup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUserDep,  # before ``_``: a signed-in person's language applies to it too
    _: GettextDep,
    value: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    # A member of an organisation gets the member's answer, as from the API with a token:
    # exact counts, the last day included, the network, what partners shared (found by QA:
    # analysts got the stranger's answer, and the shared connection's anonymous limit).
    member_org = user.org_id if user is not None else None
    try:
        if member_org is not None:
            found = remote_hubs.lookup(
                session,
                value[:500],
                org_id=member_org,
                timeout=settings.remote_hub_timeout_seconds,
            )
        else:
            request.app.state.rate_limiter.hit(
                settings.lookup_rate_limit, f"lookup:{client_key(request)}"
            )
            found = service.lookup(
                session,
                value[:500],
                org_id=None,
                older_than=utcnow() - timedelta(hours=settings.lookup_anonymous_delay_hours),
            )
    except AmparoError as exc:
        return render(
            request,
            "lookup.html",
            {
                "value": value[:500],
                "found": None,
                "error": exc.render(_),
                "member": member_org is not None,
            },
            status=exc.status,
        )
    return render(
        request,
        "lookup.html",
        {
            "value": value[:500],
            "found": found,
            "times": service.bucket(found.reported),
            "type_name": _(TYPE_NAMES.get(found.type, found.type)),
            "delay_hours": 0 if member_org is not None else settings.lookup_anonymous_delay_hours,
            "member": member_org is not None,
            "category_names": CATEGORY_NAMES,
            "error": None,
        },
    )


SHOWN_CLUSTERS = 200  # the largest networks on the list page


@router.get("/redes")
def clusters(request: Request, user: StaffDep, session: SessionDep) -> Response:
    assert user.org_id is not None
    ids, total = service.cluster_candidates(
        session, org_id=user.org_id, min_size=2, limit=SHOWN_CLUSTERS
    )
    views = service.clusters_for(session=session, org_id=user.org_id, min_size=2, cluster_ids=ids)
    views.sort(key=lambda v: (-len(v.report_ids), v.id))
    return render(request, "clusters.html", {"clusters": views, "total": total})


@router.get("/redes/{network_id}")
def cluster(
    request: Request,
    network_id: IdPath,
    user: StaffDep,
    session: SessionDep,
) -> Response:
    """One network as this organisation may read it, named by its smallest report (any report
    of it opens it). Reports it may not read can split what it sees of one cluster into pieces
    (their links run through the unreadable ones): the page links to the others."""
    assert user.org_id is not None
    cluster_id, network = service.resolve_network(
        session, org_id=user.org_id, network_id=network_id
    )
    if network.id != network_id:
        return RedirectResponse(f"/redes/{network.id}", status_code=303)
    views = service.clusters_for(
        session=session, org_id=user.org_id, min_size=1, cluster_ids=[cluster_id]
    )
    view = next(v for v in views if v.id == network.id)
    sizes = {v.id: len(v.report_ids) for v in views}
    others = [(other, sizes[other]) for other in view.other_pieces]
    reports = service.reports_by_id(session, view.report_ids)
    # How each report joins the first one (for the first 20: a walk each), through the reports
    # this organisation may read only.
    links = [
        service.explain(session, view.report_ids[0], other, org_id=user.org_id)
        for other in view.report_ids[1:21]
    ]
    return render(
        request,
        "cluster.html",
        {
            "view": view,
            "other_pieces": others,
            "reports": zip(reports, view.external_ids, strict=True),
            "graph": service.graph_of(session, view),
            "links": links,
            "type_names": TYPE_NAMES,
            "channel_names": CHANNEL_NAMES,
            "category_names": CATEGORY_NAMES,
        },
    )
