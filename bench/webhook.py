"""A lean webhook for the delivery benchmark: an ASGI app under uvicorn, in its own process
(as a provider's endpoint would be on its own server). It counts what arrives and answers 200.

    python -m uvicorn bench.webhook:app --port 8765 --backlog 1024 --no-access-log
"""

from __future__ import annotations

from typing import Any

_received: dict[str, int] = {"count": 0}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b""
    if scope["method"] == "POST":
        _received["count"] += 1
    elif scope["path"] == "/count":
        body = str(_received["count"]).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
