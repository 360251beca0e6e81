"""POST /api/v1/check: anonymous, rate-limited, stores nothing."""

from __future__ import annotations

import logging
from dataclasses import asdict

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from amparo.i18n import gettext_for
from amparo.indicators import Indicator, shown_reason
from amparo.triage import present
from amparo.verdict import service as verdict_service
from amparo.verdict.schemas import CheckRequest, CheckResponse
from amparo.web.deps import AnonymousLimit, lookup_budget
from amparo.web.problems import problem_responses

logger = logging.getLogger(__name__)
router = APIRouter(tags=["check"])


@router.post(
    "/check",
    response_model=CheckResponse,
    dependencies=[AnonymousLimit],
    summary="Is this message extortion? (anonymous; nothing is stored)",
    responses=problem_responses(400, 413, 422, 429),
)
async def check(request: Request, body: CheckRequest) -> Response:
    # CPU-bound and ~1-2 ms: running it on the event loop costs less than a thread hand-off
    # and keeps requests first-come, first-served under load.
    verdict = verdict_service.check_message(text=body.text, lang=body.lang, country=body.country)
    data = present.to_dict(verdict)
    data.pop("probabilities")
    # Numbers and accounts in the message, looked up as a stranger would, only when there is
    # something to look up (most messages have nothing). When nothing in the look-up can wait
    # outside the process (embedded SQLite, the budget in memory) it runs here, ~0.3 ms: a hand-off
    # to the thread pool queues the request again behind every other request of the event
    # loop, and these 3 % of requests were the p99 of the whole server (two processes, 50
    # clients: 57-69 ms against 34-49 ms without them). Otherwise the thread pool.
    items = verdict_service.to_look_up(body.text, country=body.country)
    seen: list[verdict_service.IndicatorSeen] = []
    skipped = 0
    if items:
        try:
            if request.app.state.loop_reads is not None:
                seen, skipped = await _look_up_here(request, items)
            else:
                seen, skipped = await run_in_threadpool(_look_up, request, items)
        except SQLAlchemyError as exc:
            # The verdict does not need the database: a family gets it while the database is
            # away, with the numbers counted as not looked up. (The error's type only: its
            # text carries the statement's parameters, keyed hashes of the numbers.)
            logger.warning(
                "look-up unavailable (%s): the verdict goes without it", type(exc).__name__
            )
            seen, skipped = [], len(items)
    # in the language of the advice, whatever the interface's: one answer, one language
    _ = gettext_for(verdict.lang)
    answer = CheckResponse(
        **data,
        category_name=_(present.CATEGORY_NAMES[verdict.category]),
        indicators=[
            {**asdict(item), "warning": shown_reason(item.warning, _) if item.warning else None}
            for item in seen
        ],
        indicators_not_looked_up=skipped,
    )
    # validated once, here, and written by pydantic: FastAPI would validate it again
    return Response(answer.model_dump_json(), media_type="application/json")


async def _look_up_here(
    request: Request, items: list[Indicator]
) -> tuple[list[verdict_service.IndicatorSeen], int]:
    """The look-up on the event loop, through its own read-only connection
    (``store.engine.make_loop_read_engine``); if the file stays busy past its short timeout,
    the read waits in the thread pool instead, on the shared pool."""
    chosen, skipped = verdict_service.within_budget(items, lookup_budget(request))
    if not chosen:
        return [], skipped
    delay = request.app.state.settings.lookup_anonymous_delay_hours
    try:
        seen = verdict_service.indicators_seen_with(
            request.app.state.loop_reads, chosen, delay_hours=delay
        )
    except OperationalError:
        seen = await run_in_threadpool(
            verdict_service.indicators_seen_with,
            request.app.state.session_factory,
            chosen,
            delay_hours=delay,
        )
    return seen, skipped


def _look_up(
    request: Request, items: list[Indicator]
) -> tuple[list[verdict_service.IndicatorSeen], int]:
    """Look the message's values up within the client's look-up budget (the budget may live
    in Redis, the look-up in a database across the network)."""
    chosen, skipped = verdict_service.within_budget(items, lookup_budget(request))
    if not chosen:
        return [], skipped
    seen = verdict_service.indicators_seen_with(
        request.app.state.session_factory,
        chosen,
        delay_hours=request.app.state.settings.lookup_anonymous_delay_hours,
    )
    return seen, skipped
