"""Real receivers for alert delivery tests: an HTTP endpoint for apprise's json:// and an SMTP
server (aiosmtpd) for mailto://. Tests read what actually arrived."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    # socketserver's default listen backlog is 5: with dozens of delivery threads connecting at
    # once the kernel drops SYNs and each dropped one costs a 1 s retransmit -- the benchmark
    # then measures the receiver, not the workers. A real web server listens with ~511.
    request_queue_size = 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    at: float = 0.0  # time.monotonic() on arrival

    @property
    def key(self) -> str:
        return self.headers.get("x-amparo-idempotency-key", "")


@dataclass
class JsonReceiver:
    """A webhook that apprise's ``json://127.0.0.1:PORT/path`` posts to.

    ``stop()`` closes the port (connection refused, as when a service is down); ``start()``
    opens it again on the same port. ``status`` makes it answer with an error instead.
    """

    port: int = field(default_factory=free_port)
    status: int = 200
    delay: float = 0.0  # seconds per request, to stand for a slow provider
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def start(self) -> JsonReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.status == 200:
                    with receiver._lock:
                        receiver.received.append(
                            Received(
                                path=self.path,
                                headers={k.lower(): v for k, v in self.headers.items()},
                                payload=json.loads(body or b"{}"),
                                at=time.monotonic(),
                            )
                        )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def messages(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if path is None or r.path == f"/{path}"]


class _Collect:
    def __init__(self, box: list[Message]) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@dataclass
class SmtpReceiver:
    """A local SMTP server (aiosmtpd); apprise's mailto:// delivers to it."""

    port: int = field(default_factory=free_port)
    messages: list[Message] = field(default_factory=list)
    _controller: Any = None

    def url(self, to: str) -> str:
        return (
            f"mailto://127.0.0.1:{self.port}?from=alerts@amparo.example&to={to}"
            "&mode=insecure&smtp=127.0.0.1"
        )

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Collect(self.messages), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ServedApp:
    """An ASGI app served for real by uvicorn on 127.0.0.1 in a thread (another Amparo hub).

    Every HTTP request's path, headers and body are kept in ``requests`` exactly as they arrived,
    so a test can say what went over the wire. ``stop()`` closes the port (connection refused,
    as when the hub is down)."""

    app: Any
    port: int = field(default_factory=free_port)
    requests: list[Request] = field(default_factory=list)
    _server: Any = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _recording(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            await self.app(scope, recording_receive, send)
        finally:
            self.requests.append(Request(scope["path"], headers, b"".join(chunks)))

    def start(self) -> ServedApp:
        import uvicorn

        config = uvicorn.Config(
            self._recording,
            host="127.0.0.1",
            port=self.port,
            interface="asgi3",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the hub did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = self._thread = None
