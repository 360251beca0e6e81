"""``amparo serve --workers 2``: a listening socket per process, a process that dies is started
again, and SIGTERM stops them all (``amparo.web.processes``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from amparo.web import processes
from tests.conftest import run_coroutine

pytestmark = pytest.mark.skipif(
    not processes.balanced(), reason="SO_REUSEPORT balancing is Linux's"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listeners(port: int) -> int:
    """Listening TCP sockets on ``port`` (state 0A in /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            count += 1
    return count


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def _wait_for(condition, seconds: float = 40.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False


def test_each_process_listens_on_its_own_socket_and_one_that_dies_comes_back(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
    env.update(AMPARO_DATA_DIR=str(tmp_path), AMPARO_LOG_LEVEL="WARNING")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "amparo", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _listeners(port) == 2)
        _wait_for(lambda: _healthy(url))
        # Fresh connections land on both sockets and every one is answered.
        assert all(_healthy(url) for _ in range(20))
        children = _children(server.pid)
        assert len(children) == 2

        os.kill(children[0], signal.SIGKILL)
        _wait_for(
            lambda: len(_children(server.pid)) == 2 and children[0] not in _children(server.pid)
        )
        _wait_for(lambda: _listeners(port) == 2)
        assert all(_healthy(url) for _ in range(10))

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert _listeners(port) == 0
        assert not [pid for pid in _children(server.pid)]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_taken_by_another_program_is_a_clear_error(tmp_path: Path, workers: str) -> None:
    """Before anything says "listening" (with one process, uvicorn's own error came after the
    announcement; found by QA)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
        env.update(AMPARO_DATA_DIR=str(tmp_path), AMPARO_LOG_LEVEL="WARNING")
        result = subprocess.run(
            [sys.executable, "-m", "amparo", "serve", "--port", str(port), "--workers", workers],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(port) in result.stdout + result.stderr
    assert "escucha en" not in result.stdout + result.stderr
    assert "listening on" not in result.stdout + result.stderr


def test_processes_that_end_as_they_start_stop_the_server_instead_of_looping() -> None:
    """A process that cannot start (here: ``sys.exit`` refuses three arguments, so each one
    ends at once with status 1) would otherwise be started again forever."""
    started = time.monotonic()
    assert processes.run("127.0.0.1", _free_port(), 2, {}, target=sys.exit) == 1
    assert time.monotonic() - started < 30


def test_killing_the_parent_outright_takes_its_processes_with_it(tmp_path: Path) -> None:
    """Orphans would stay in the port's SO_REUSEPORT group and take part of the traffic of the
    next server started on the port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
    env.update(AMPARO_DATA_DIR=str(tmp_path), AMPARO_LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "amparo", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _listeners(port) == 2)
        children = _children(server.pid)
        assert len(children) == 2
        server.kill()
        server.wait()
        _wait_for(lambda: _listeners(port) == 0, seconds=20)
        _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_connections_to_a_process_socket_send_without_waiting_for_acknowledgements() -> None:
    """asyncio turns Nagle's algorithm off only on sockets that say ``IPPROTO_TCP``; with the
    listening socket's ``proto=0`` every answer of a multi-process server waited 44 ms for the
    client's delayed acknowledgement (wrk, one connection: 23 requests/s instead of 1,100)."""
    import asyncio

    async def scenario() -> int:
        sock = processes.listening_socket("127.0.0.1", 0)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            accepted.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=sock)
        async with server:
            port = sock.getsockname()[1]
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            nodelay = await asyncio.wait_for(accepted, 10)
            writer.close()
            return nodelay

    assert run_coroutine(scenario()) != 0
