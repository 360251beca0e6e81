"""Alert pipeline speed, on the real database with real worker processes and a real webhook.

    python bench/alerts.py [--postgres URL] [--quick]

Prints, each beside a baseline measured in the same run:
1. SOS → receipt at a local webhook (p50/p99), with `amparo worker` running.
2. Overdue check-in detected: time from the end of the grace period to the alert's receipt.
3. Finding overdue check-ins among 100,000 enrolled travellers: the indexed query, beside the
   same query forced to scan the table.
4. Delivery throughput with 4 workers on PostgreSQL to the local webhook (deliveries/s),
   beside 1 worker.
Each part uses a fresh PostgreSQL database (dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.receivers import JsonReceiver  # noqa: E402

from amparo.alerts import outbox  # noqa: E402
from amparo.alerts.models import AlertKind, Delivery, DeliveryState  # noqa: E402
from amparo.safety import checkins, escalation  # noqa: E402
from amparo.safety import service as safety_service  # noqa: E402
from amparo.safety.models import Traveller, TravellerStatus  # noqa: E402
from amparo.settings import get_settings  # noqa: E402
from amparo.store import migrate  # noqa: E402
from amparo.store.engine import make_engine, make_session_factory, session_scope  # noqa: E402
from amparo.store.types import utcnow  # noqa: E402

SECRET = "bench-secret-key-" + "x" * 40


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of every local PostgreSQL process (the server runs on this machine)."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().startswith("postgres"):
                total += process_cpu(int(comm.parent.name))
        except (OSError, ValueError):
            continue
    return total


class UvicornReceiver:
    """``bench/webhook.py`` under uvicorn in its own process; counts what arrives."""

    def __init__(self) -> None:
        from tests.receivers import free_port

        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def start(self) -> UvicornReceiver:
        import urllib.request

        root = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.webhook:app",
                "--port",
                str(self.port),
                "--backlog",
                "1024",
                "--no-access-log",
                "--log-level",
                "warning",
                "--http",
                "httptools",
                "--loop",
                "asyncio",
            ],
            cwd=root,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/count", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the benchmark webhook did not start")

    def count(self) -> int:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/count", timeout=5) as r:
            return int(r.read())

    def messages(self) -> list[object]:
        return [None] * self.count()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Database:
    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
        self.name = f"amparo_bench_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=self.name)
            .render_as_string(False)
        )
        self.tmp = Path(tempfile.mkdtemp(prefix="amparo-bench-"))
        self.settings = get_settings(
            env="test",
            data_dir=self.tmp,
            database_url=self.url,
            secret_key=SECRET,
            log_format="text",
        )
        migrate.upgrade(self.url)
        self.engine = make_engine(self.settings)
        self.factory = make_session_factory(self.engine)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMPARO_")}
        env.update(
            AMPARO_DATABASE_URL=self.url,
            AMPARO_DATA_DIR=str(self.tmp),
            AMPARO_SECRET_KEY=SECRET,
            AMPARO_LOG_LEVEL="WARNING",
            AMPARO_SOS_CANCEL_SECONDS="0",
            **extra,
        )
        return env

    def drop(self) -> None:
        self.engine.dispose()
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def workers(db: Database, count: int, **extra: str) -> list[subprocess.Popen[bytes]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "amparo", "worker"],
            env=db.env(**extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    time.sleep(2.5)  # start-up (imports, first pass)
    return procs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def enrol(db: Database, receiver: Any, n: int, contacts: int = 1) -> list[int]:
    ids = []
    with session_scope(db.factory) as session:
        for i in range(n):
            traveller = safety_service.enrol_traveller(
                session=session,
                org=None,
                name=f"Bench {i}",
                pin="4821",
                duress_pin="9137",
                every_hours=12,
                grace_minutes=5,
                contacts=[
                    safety_service.ContactIn(level=1, channels=(receiver.url(f"b{i}c{c}"),))
                    for c in range(contacts)
                ],
            )
            ids.append(traveller.id)
        for delivery in session.scalars(select(Delivery)):
            delivery.state = DeliveryState.CANCELLED  # confirmations are not measured
    return ids


def arrival(receiver: JsonReceiver, title_part: str, path: str, deadline: float) -> float | None:
    while time.monotonic() < deadline:
        for message in receiver.messages(path):
            if title_part in message.payload["title"]:
                return message.at
        time.sleep(0.002)
    return None


def sos_latency(admin_url: str, count: int) -> None:
    db = Database(admin_url)
    receiver = JsonReceiver().start()
    try:
        ids = enrol(db, receiver, count)
        procs = workers(db, 1)
        latencies = []
        for i, traveller_id in enumerate(ids):
            with session_scope(db.factory) as session:
                traveller = session.get_one(Traveller, traveller_id)
                checkins.sos(
                    session=session,
                    traveller=traveller,
                    policy=checkins.Policy(sos_cancel_seconds=0),
                )
            committed = time.monotonic()
            got = arrival(receiver, "SOS", f"b{i}c0", committed + 10)
            latencies.append((got - committed) if got else float("inf"))
            time.sleep(0.05)
        stop(procs)
        ms = [x * 1000 for x in latencies]
        print(
            f"1. SOS -> webhook receipt, {count} SOS, 1 worker on PostgreSQL: "
            f"p50 {percentile(ms, 50):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
            f"max {max(ms):.0f} ms  (target p99 <= 1000 ms; the worker polls every 200 ms)"
        )
    finally:
        receiver.stop()
        db.drop()


def overdue_latency(admin_url: str, count: int) -> None:
    db = Database(admin_url)
    receiver = JsonReceiver().start()
    try:
        ids = enrol(db, receiver, count)
        procs = workers(db, 1)
        alarms = {}
        start = utcnow()
        with session_scope(db.factory) as session:
            for i, traveller_id in enumerate(ids):
                traveller = session.get_one(Traveller, traveller_id)
                traveller.alarm_at = start + timedelta(seconds=2 + 3 * i)
                alarms[i] = traveller.alarm_at
        base = time.monotonic() - (utcnow() - start).total_seconds()
        delays = []
        for i in range(count):
            alarm_mono = base + (alarms[i] - start).total_seconds()
            got = arrival(receiver, "", f"b{i}c0", alarm_mono + 60)
            delays.append((got - alarm_mono) if got else float("inf"))
        stop(procs)
        print(
            f"2. Missed check-in: end of grace -> alert at webhook, {count} travellers: "
            f"mean {statistics.mean(delays):.1f} s, max {max(delays):.1f} s  "
            f"(target <= 30 s; the scheduler runs every 10 s)"
        )
    finally:
        receiver.stop()
        db.drop()


def overdue_query(admin_url: str, travellers: int) -> None:
    db = Database(admin_url)
    try:
        now = utcnow()
        rows = []
        for i in range(travellers):
            overdue = i % 1000 == 0  # 100 of 100,000 are overdue now
            rows.append(
                {
                    "name": f"T{i}",
                    "language": "es",
                    "pin_hash": "x",
                    "duress_pin_hash": "x",
                    "grace_minutes": 60,
                    "timezone": "UTC",
                    "escalation_minutes": 60,
                    "handle": f"H{i:09d}",
                    "key_hash": f"{i:064d}",
                    "code_salt": "s",
                    "failed_pin_count": 0,
                    "family_consent": False,
                    "status": TravellerStatus.ACTIVE,
                    "checkin_every_minutes": 720,
                    "next_due_at": now - timedelta(hours=2)
                    if overdue
                    else now + timedelta(hours=5),
                    "alarm_at": now - timedelta(hours=1) if overdue else now + timedelta(hours=6),
                    "created_at": now,
                }
            )
        started = time.monotonic()
        with session_scope(db.factory) as session:
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(Traveller), rows[chunk : chunk + 5000])
        load = time.monotonic() - started
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE travellers"))
            conn.commit()
        query = escalation.overdue_query(now + timedelta(seconds=1), limit=200)

        def timed(scan: bool) -> list[float]:
            out = []
            with db.engine.connect() as conn:
                if scan:
                    conn.execute(text("SET enable_indexscan = off"))
                    conn.execute(text("SET enable_bitmapscan = off"))
                for _ in range(30):
                    t0 = time.perf_counter()
                    found = conn.execute(query).all()
                    out.append((time.perf_counter() - t0) * 1000)
                assert len(found) == travellers // 1000
                conn.rollback()
            return out

        indexed, scanned = timed(False), timed(True)
        ratio = statistics.median(scanned) / statistics.median(indexed)
        print(
            f"3. Overdue query among {travellers:,} travellers ({travellers // 1000} overdue; "
            f"loaded in {load:.0f} s): indexed p50 {statistics.median(indexed):.2f} ms, "
            f"max {max(indexed):.2f} ms; forced table scan p50 "
            f"{statistics.median(scanned):.1f} ms ({ratio:.0f}x)"
            f"  (target <= 200 ms)"
        )
    finally:
        db.drop()


def throughput(
    admin_url: str, deliveries: int, count: int, threads: int = 16, webhook: str = "uvicorn"
) -> float:
    db = Database(admin_url)
    receiver: Any = UvicornReceiver().start() if webhook == "uvicorn" else JsonReceiver().start()
    try:
        ids = enrol(db, receiver, 50, contacts=2)
        with session_scope(db.factory) as session:
            travellers = [session.get_one(Traveller, i) for i in ids]
            # Written but not yet due: the workers start first, then everything becomes due.
            later = utcnow() + timedelta(days=1)
            for n in range(deliveries // 2):
                outbox.raise_alert(
                    session=session,
                    traveller=travellers[n % 50],
                    kind=AlertKind.SOS,
                    contacts=travellers[n % 50].contacts,
                    not_before=later,
                )
        procs = workers(db, count, AMPARO_DELIVERY_THREADS=str(threads))
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE deliveries SET next_attempt_at = now() WHERE state = 'queued'")
            )
        started = time.monotonic()
        hook_pid = receiver.proc.pid if webhook == "uvicorn" else None
        cpu_before = (
            sum(process_cpu(p.pid) for p in procs),
            postgres_cpu(),
            time.process_time() + (process_cpu(hook_pid) if hook_pid else 0.0),
        )
        while True:
            with db.engine.connect() as conn:
                left = conn.execute(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.state == DeliveryState.QUEUED)
                ).scalar_one()
            if not left or time.monotonic() - started > 300:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        used = (
            sum(process_cpu(p.pid) for p in procs) - cpu_before[0],
            postgres_cpu() - cpu_before[1],
            time.process_time() + (process_cpu(hook_pid) if hook_pid else 0.0) - cpu_before[2],
        )
        stop(procs)
        rate = deliveries / elapsed
        received = len(receiver.messages())
        per = [1000 * u / deliveries for u in used]
        cores = os.cpu_count() or 1
        print(
            f"4. Delivery throughput, {count} worker(s) x {threads} threads on PostgreSQL -> local "
            f"webhook ({webhook}): {deliveries} deliveries in {elapsed:.1f} s = {rate:.0f}/s "
            f"({received} received)\n"
            f"   CPU per delivery: workers {per[0]:.2f} ms, PostgreSQL {per[1]:.2f} ms, "
            f"webhook + benchmark {per[2]:.2f} ms; "
            f"{cores} cores at 100 % would allow "
            f"~{1000 * cores / sum(per):.0f}/s"
        )
        return rate
    finally:
        receiver.stop()
        db.drop()


def duress_timing(admin_url: str, rounds: int) -> None:
    """The duress PIN must not be told apart by time: normal and duress check-ins, interleaved,
    over HTTP (the real app, in-process client) on PostgreSQL."""
    from fastapi.testclient import TestClient

    from amparo.web.app import create_app

    db = Database(admin_url)
    receiver = JsonReceiver().start()
    try:
        settings = db.settings.model_copy(
            update={"embedded_worker": False, "anonymous_rate_limit": "100000/minute"}
        )
        app = create_app(settings, engine=db.engine)
        times: dict[str, list[float]] = {"normal": [], "duress": []}
        with TestClient(app) as client:
            body = {
                "name": "Bench",
                "pin": "4821",
                "duress_pin": "9137",
                "every_hours": 12,
                "contacts": [
                    {"level": 1, "channels": [receiver.url("a")]},
                    {"level": 2, "channels": [receiver.url("b")]},
                    {"level": 3, "channels": [receiver.url("c")]},
                ],
            }
            key = client.post("/api/v1/travellers", json=body).json()["link"].rsplit("/t/", 1)[1]
            for i in range(rounds * 2 + 10):
                kind = "duress" if i % 2 else "normal"
                pin = "9137" if kind == "duress" else "4821"
                t0 = time.perf_counter()
                response = client.post(f"/api/v1/t/{key}/checkin", json={"pin": pin})
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200
                if i >= 10:  # warm-up
                    times[kind].append(elapsed)
        normal, duress = times["normal"], times["duress"]
        print(
            f"5. Check-in response time over HTTP, {rounds} normal / {rounds} duress, "
            f"interleaved: normal p50 {statistics.median(normal):.1f} ms "
            f"(p90 {percentile(normal, 90):.1f}), duress p50 {statistics.median(duress):.1f} ms "
            f"(p90 {percentile(duress, 90):.1f}); difference of medians "
            f"{statistics.median(duress) - statistics.median(normal):+.1f} ms"
        )
    finally:
        receiver.stop()
        db.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "AMPARO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--only-throughput", action="store_true", help="part 4 only, for several worker counts"
    )
    parser.add_argument("--threads", type=int, default=16, help="delivery threads per worker")
    args = parser.parse_args()
    quick = args.quick
    if args.only_throughput:
        for count in (1, 2, 4):
            throughput(args.postgres, 3000, count, args.threads)
        throughput(args.postgres, 3000, 4, args.threads, webhook="thread")
        return
    sos_latency(args.postgres, 20 if quick else 100)
    overdue_latency(args.postgres, 3 if quick else 6)
    overdue_query(args.postgres, 10_000 if quick else 100_000)
    duress_timing(args.postgres, 20 if quick else 100)
    one = throughput(args.postgres, 400 if quick else 3000, 1)
    four = throughput(args.postgres, 400 if quick else 3000, 4)
    print(f"   4 workers / 1 worker: {four / one:.2f}x  (target >= 500 deliveries/s with 4)")
    # The same, with the test suite's receiver (a thread per request, in this process).
    throughput(args.postgres, 400 if quick else 3000, 4, webhook="thread")


if __name__ == "__main__":
    main()
