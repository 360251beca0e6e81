"""Several web processes on one port, each with its own listening socket.

``uvicorn --workers N`` binds one socket in the parent and hands it to every child: all of them
wait on one accept queue, and whichever wakes first takes every connection waiting. Clients that
keep their connections open (a proxy, a load tool, a busy partner hub) then stay where that burst
put them. Measured with 50 keep-alive clients and two processes: one process at 99 % of a core,
the other at 29 %, and the p99 set by the busy one. Uvicorn has no option for this yet (its pull
request #2472 proposes one).

Here each process binds its own socket to the same address with ``SO_REUSEPORT``, and Linux
spreads new connections across the sockets by a hash of their addresses. The parent only
watches: it starts the processes, starts again one that dies (and gives up, with status 1, when
three in a row end as they start), and on SIGTERM or SIGINT stops them all (each one finishes
the requests it holds, as uvicorn does on its own). The processes die with the parent.

Where ``SO_REUSEPORT`` does not balance (not Linux), ``serve`` keeps uvicorn's own supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

from amparo.errors import N_, ConfigurationError

logger = logging.getLogger(__name__)

APP = "amparo.web.app:create_app"
RESTART_PAUSE = 1.0  # seconds before a process that died is started again
EARLY = 10.0  # a process that ends sooner than this after its start did not start
MAX_EARLY_DEATHS = 3


def balanced() -> bool:
    """Whether the kernel balances connections across ``SO_REUSEPORT`` sockets."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` in the port's ``SO_REUSEPORT`` group (not listening yet:
    uvicorn calls ``listen``).

    The protocol is named: asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only on
    connections whose socket says ``IPPROTO_TCP``, and an accepted connection inherits what the
    listening socket says. With ``proto=0`` every answer, written as headers then body, waited
    for the client's delayed acknowledgement: 44 ms per request even with one client.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _die_with_parent() -> None:
    """Have Linux send this process SIGTERM when its parent dies. A supervisor killed with
    SIGKILL would otherwise leave its processes listening in the port's group, where they
    would silently share the traffic of the next server started on the port (seen while
    benchmarking: the new server got an eighth of the requests)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    if libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0) != 0:
        logger.warning("could not tie the web process to its parent")
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before we asked
        os._exit(0)


def _serve_one(host: str, port: int, options: dict[str, Any]) -> None:
    """One web process: its own socket, its own app built from the environment."""
    import uvicorn

    _die_with_parent()
    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def check_address(host: str, port: int) -> None:
    """``ConfigurationError`` now, with the reason, if the address is taken by a program
    outside the group (or cannot be bound at all)."""
    try:
        listening_socket(host, port).close()
    except OSError as exc:
        raise ConfigurationError(
            N_("Cannot listen on %(host)s:%(port)d: %(reason)s."),
            host=host,
            port=port,
            reason=exc.strerror or type(exc).__name__,
        ) from None


def run(
    host: str,
    port: int,
    workers: int,
    options: dict[str, Any],
    target: Callable[[str, int, dict[str, Any]], object] = _serve_one,
) -> int:
    """Run ``workers`` web processes (each runs ``target(host, port, options)``) until SIGTERM
    or SIGINT; the exit status: 1 when they keep ending as they start."""
    check_address(host, port)
    context = multiprocessing.get_context("spawn")  # a clean interpreter, no inherited threads
    stop = threading.Event()

    def start(index: int) -> BaseProcess:
        process = context.Process(
            target=target, args=(host, port, options), name=f"amparo-web-{index}"
        )
        process.start()
        return process

    def ask_to_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    processes = [start(i) for i in range(workers)]
    started = [time.monotonic()] * workers
    early_deaths = 0  # in a row: a process that cannot even start (a bad setting) stops all
    status = 0
    logger.info("web processes started", extra={"processes": workers})
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if process.exitcode is None or stop.is_set():
                    continue
                early = time.monotonic() - started[index] < EARLY
                early_deaths = early_deaths + 1 if early else 0
                if early_deaths >= MAX_EARLY_DEATHS:
                    logger.error("web processes keep ending as they start; stopping")
                    status = 1
                    stop.set()
                    break
                logger.error(
                    "a web process ended; starting it again",
                    extra={"exit_code": process.exitcode},
                )
                time.sleep(RESTART_PAUSE)
                processes[index] = start(index)
                started[index] = time.monotonic()
    finally:
        for process in processes:
            if process.exitcode is None:
                process.terminate()  # SIGTERM: uvicorn finishes what it holds, then exits
        deadline = time.monotonic() + float(options.get("timeout_graceful_shutdown") or 10) + 5
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
