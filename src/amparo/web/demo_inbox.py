"""The demo inbox: where the demo traveller's contacts "receive" their alerts.

Outside production only. ``amparo demo seed`` gives the demo contacts ``json://`` addresses
that point here, so someone trying Amparo with ``make run`` sees real deliveries (through
apprise, the worker, retries and all) arrive at ``/demo-inbox`` without an e-mail or SMS
account. Messages live in memory (the last 50) and vanish with the process.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from amparo.store.types import utcnow
from amparo.web.templating import render

router = APIRouter(include_in_schema=False)
_INBOX: deque[dict[str, Any]] = deque(maxlen=50)


@router.post("/demo-inbox/{box}", status_code=204)
async def receive(box: str, request: Request) -> Response:
    body = await request.json()
    _INBOX.appendleft(
        {
            "box": box[:40],
            "at": utcnow().strftime("%H:%M:%S"),
            "title": str(body.get("title", ""))[:300] if isinstance(body, dict) else "",
            "message": str(body.get("message", ""))[:2000] if isinstance(body, dict) else "",
            "key": request.headers.get("x-amparo-idempotency-key", "")[:80],
        }
    )
    return Response(status_code=204)


@router.get("/demo-inbox")
def inbox(request: Request) -> Response:
    return render(request, "demo_inbox.html", {"messages": list(_INBOX)})
