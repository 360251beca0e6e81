"""Networks benchmark: indicator extraction quality, and (``--scale N``) import, linking and
look-up speed on SQLite and PostgreSQL.

    python bench/networks.py [--data bench/data/indicators-eval] [--errors N]
    python bench/networks.py --scale 1000000 [--postgres URL] [--backends sqlite,postgresql]

Reads the hand-written evaluation reports (JSON Lines: ``text``, ``region`` and the gold
``indicators`` with ``type``, canonical ``value`` and the ``text`` as written) and reports,
per type and overall:

- indicator precision, recall and F1 over the distinct (type, canonical value) pairs of each
  report — the unit that links reports (a number repeated on every line of a chat export is
  one indicator of that report);
- canonical-form exact match — of the found mentions whose span overlaps a gold mention of
  the same type, the share whose canonical value equals the gold one.

Targets (issue: extortion networks): F1 >= 0.95, canonical exact match >= 0.99.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from amparo.indicators import extract

DATA = Path(__file__).resolve().parent / "data" / "indicators-eval"


def load(folder: Path) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


def evaluate(records: list[dict[str, object]], show_errors: int) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    aligned: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    for record in records:
        text = str(record["text"])
        gold_items = list(record["indicators"])  # type: ignore[call-overload]
        found = extract(text, region=str(record.get("region") or "") or None)
        gold = Counter({(g["type"], g["value"]): 1 for g in gold_items})
        got = Counter({(i.type.value, i.value): 1 for i in found})
        for key in gold | got:
            hit = min(gold[key], got[key])
            tp[key[0]] += hit
            fp[key[0]] += got[key] - hit
            fn[key[0]] += gold[key] - hit
        # Canonical form: spans that overlap a gold mention of the same type.
        for item in found:
            for g in gold_items:
                at = text.find(g["text"])
                if g["type"] != item.type.value or at < 0:
                    continue
                if item.start < at + len(g["text"]) and at < item.end:
                    aligned[item.type.value] += 1
                    exact[item.type.value] += item.value == g["value"]
                    break
        if (gold - got or got - gold) and len(errors) < show_errors:
            errors.append(
                f"{record['id']} ({record.get('region')}): missed {sorted((gold - got).elements())}"
                f" extra {sorted((got - gold).elements())}\n    {text[:300]!r}"
            )
    elapsed = time.perf_counter() - started

    def prf(t: int, p: int, n: int) -> tuple[float, float, float]:
        precision = t / (t + p) if t + p else 1.0
        recall = t / (t + n) if t + n else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    print(f"Indicator extraction on {len(records)} reports ({elapsed * 1000:.0f} ms in all)")
    print(f"{'type':<14}{'gold':>6}{'found':>7}{'P':>8}{'R':>8}{'F1':>8}{'exact':>9}")
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        p, r, f = prf(tp[kind], fp[kind], fn[kind])
        ex = exact[kind] / aligned[kind] if aligned[kind] else float("nan")
        print(
            f"{kind:<14}{tp[kind] + fn[kind]:>6}{tp[kind] + fp[kind]:>7}"
            f"{p:>8.3f}{r:>8.3f}{f:>8.3f}{ex:>9.3f}"
        )
    p, r, f = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    ex = sum(exact.values()) / sum(aligned.values()) if aligned else float("nan")
    gold_all, found_all = sum(tp.values()) + sum(fn.values()), sum(tp.values()) + sum(fp.values())
    print(f"{'ALL':<14}{gold_all:>6}{found_all:>7}{p:>8.3f}{r:>8.3f}{f:>8.3f}{ex:>9.3f}")
    print(
        f"targets: F1 >= 0.95 ({'met' if f >= 0.95 else 'NOT met'}), canonical exact match "
        f">= 0.99 ({'met' if ex >= 0.99 else 'NOT met'}: {ex:.4f})"
    )
    for line in errors:
        print(line)


def synthetic(n: int, path: Path, seed: int = 7) -> list[str]:
    """Write ``n`` reports to ``path`` (JSON Lines), three structured indicators each: most
    values unique, 30 % of the reports from planted networks (n / 200 networks, each a few
    phones and e-mails reused across ~60 reports). Returns the planted phones."""
    import random

    rng = random.Random(seed)
    networks = [
        {
            "phones": [f"+5255{rng.randrange(10**8):08d}" for _ in range(3)],
            "emails": [f"cobros{k}.{i}@example.org" for i in range(2)],
        }
        for k in range(max(1, n // 200))
    ]
    start = 1_735_689_600  # 2025-01-01: the dates run to mid-December 2025, never in the future
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            if rng.random() < 0.3:
                net = rng.choice(networks)
                indicators = [
                    {"type": "phone", "value": rng.choice(net["phones"])},
                    {"type": "email", "value": rng.choice(net["emails"])},
                    {"type": "phone", "value": f"+5233{rng.randrange(10**8):08d}"},
                ]
            else:
                indicators = [
                    {"type": "phone", "value": f"+5281{rng.randrange(10**8):08d}"},
                    {"type": "email", "value": f"u{i}.{rng.randrange(10**6)}@example.net"},
                    {
                        "type": "phone",
                        "value": f"+1713{rng.randrange(2, 10)}{rng.randrange(10**6):06d}",
                    },
                ]
            line = {
                "external_id": f"s-{i}",
                "reported_at": time.strftime(
                    "%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + rng.randrange(3 * 10**7))
                ),
                "channel": rng.choice(["call", "whatsapp", "sms"]),
                "indicators": indicators,
            }
            out.write(json.dumps(line) + "\n")
    return [p for net in networks for p in net["phones"]]


def percentile(ordered: list[float], q: float = 0.99) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _rss_mb(who: int) -> float:
    import resource

    return resource.getrusage(who).ru_maxrss / 1024


def scale(n: int, postgres: str, backends: list[str], workers: int | None) -> None:
    """Each backend in its own process, so that each one's peak memory is its own."""
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="amparo-net-data-"))
    data = folder / "reports.jsonl"
    started = time.perf_counter()
    synthetic(n, data)
    print(
        f"{n:,} synthetic reports ({3 * n:,} indicator mentions), "
        f"{data.stat().st_size / 1e6:,.0f} MB, written in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    try:
        for backend in backends:
            command = [sys.executable, __file__, "--scale-one", str(n), "--backend", backend]
            command += ["--file", str(data), "--postgres", postgres]
            if workers is not None:
                command += ["--workers", str(workers)]
            subprocess.run(command, check=True)
    finally:
        data.unlink(missing_ok=True)
        folder.rmdir()


def scale_one(n: int, backend: str, data: Path, postgres: str, workers: int | None) -> None:
    import resource
    import secrets
    import shutil
    import statistics
    import tempfile

    import psycopg
    from sqlalchemy.engine import make_url

    from amparo.accounts import service as accounts_service
    from amparo.accounts.models import OrgKind
    from amparo.network import service
    from amparo.network.importer import import_reports
    from amparo.network.service import IndicatorIn, ReportIn
    from amparo.settings import get_settings
    from amparo.store import migrate
    from amparo.store.engine import make_engine, make_session_factory

    tmp = Path(tempfile.mkdtemp(prefix="amparo-net-"))
    name = f"amparo_net_{secrets.token_hex(4)}"
    admin = make_url(postgres).set(drivername="postgresql").render_as_string(False)
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'n.db'}"
    else:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(postgres).set(drivername="postgresql+psycopg", database=name)
        url = url.render_as_string(False)
    try:
        settings = get_settings(
            env="test", data_dir=tmp, database_url=url, secret_key="b" * 48, log_format="text"
        )
        migrate.upgrade(url)
        engine = make_engine(settings)
        factory = make_session_factory(engine)
        with factory() as session:
            org = accounts_service.create_organisation(
                session=session, slug="bench", name="Bench", kind=OrgKind.NGO
            )
            session.commit()
            before = _rss_mb(resource.RUSAGE_SELF)
            started = time.perf_counter()
            with data.open("rb") as stream:
                result = import_reports(
                    session=session, org_id=org.id, stream=stream, workers=workers
                )
            took = time.perf_counter() - started
            peak, helpers = _rss_mb(resource.RUSAGE_SELF), _rss_mb(resource.RUSAGE_CHILDREN)
            assert result.imported == n, result.errors[:3]
            # Let the database settle before timing single reports: after a million inserts
            # PostgreSQL's autovacuum works through the new tables for minutes, and would be
            # timed along with them. Timed on its own.
            t0 = time.perf_counter()
            session.commit()
            if backend == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                session.connection().exec_driver_sql("ANALYZE")
                session.commit()
            settle = time.perf_counter() - t0
            print(
                f"{backend}: import {n:,} reports ({3 * n:,} mentions) in {took:.1f} s = "
                f"{n / took:,.0f} reports/s; peak memory: importing process {peak:,.0f} MB "
                f"({before:,.0f} MB before), largest helper process {helpers:,.0f} MB; "
                f"{'VACUUM ANALYZE' if backend == 'postgresql' else 'ANALYZE'} then took "
                f"{settle:.0f} s",
                flush=True,
            )
            lines: list[dict[str, object]] = []
            with data.open(encoding="utf-8") as handle:
                for k, line in enumerate(handle):
                    if k % max(1, n // 2000) == 0:
                        lines.append(json.loads(line))
            # One more report at a time, each sharing a stored phone (so it joins a cluster).
            link_ms = []
            for k in range(300):
                shared = str(lines[k * 7 % len(lines)]["indicators"][0]["value"])  # type: ignore[index]
                report = ReportIn(
                    indicators=(
                        IndicatorIn("phone", shared),
                        IndicatorIn("email", f"new{k}@example.com"),
                    )
                )
                t0 = time.perf_counter()
                service.create_report(session=session, org_id=org.id, data=report)
                session.flush()
                link_ms.append((time.perf_counter() - t0) * 1000)
                if k % 50 == 49:
                    session.commit()
            session.commit()
            lookup_ms = []
            for k in range(1000):
                value = str(lines[k * 13 % len(lines)]["indicators"][k % 3]["value"])  # type: ignore[index]
                t0 = time.perf_counter()
                service.lookup(session, value, org_id=org.id)
                lookup_ms.append((time.perf_counter() - t0) * 1000)
            # networkx recomputing every cluster from scratch, side by side: read the
            # report–indicator pairs, build the graph, take its connected components.
            import networkx as nx
            from sqlalchemy import select

            from amparo.network.models import IndicatorKey, Mention

            t0 = time.perf_counter()
            pairs = session.execute(
                select(Mention.report_id, Mention.indicator_id)
                .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
                .where(IndicatorKey.warning.is_(None))
            ).all()
            read_s = time.perf_counter() - t0
            graph = nx.Graph()
            graph.add_edges_from((("r", r), ("i", i)) for r, i in pairs)
            components = sum(1 for _ in nx.connected_components(graph))
            recompute_s = time.perf_counter() - t0
        link_ms.sort()
        lookup_ms.sort()
        print(
            f"{backend}: one more report stored and linked p50 {statistics.median(link_ms):.2f} ms "
            f"p99 {percentile(link_ms):.2f} ms; member look-up p50 "
            f"{statistics.median(lookup_ms):.2f} ms p99 {percentile(lookup_ms):.2f} ms; "
            f"networkx from scratch ({components:,} components): {recompute_s:.1f} s "
            f"(of which {read_s:.1f} s reading the pairs)",
            flush=True,
        )
        engine.dispose()
    finally:
        if backend == "postgresql":
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--scale", type=int, default=0, help="import speed with N reports")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--workers", type=int, default=None, help="helper processes (default: cores)"
    )
    parser.add_argument("--scale-one", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--errors", type=int, default=0, help="print the first N reports with errors"
    )
    args = parser.parse_args()
    if args.scale_one:
        scale_one(args.scale_one, args.backend, args.file, args.postgres, args.workers)
        return
    if args.scale:
        scale(args.scale, args.postgres, args.backends.split(","), args.workers)
        return
    records = load(args.data)
    if not records:
        sys.exit(f"no evaluation reports in {args.data}")
    evaluate(records, args.errors)
    # The reports whose errors were read while the extractor was tuned ("dev") and the ones
    # nobody looked at ("held out"), reported apart: only the second is an honest estimate.
    dev_file = args.data / "dev-ids.txt"
    if dev_file.exists():
        dev = set(dev_file.read_text().split())
        print("\n--- held out (never looked at while tuning):")
        evaluate([r for r in records if r["id"] not in dev], 0)
        print("\n--- dev (errors read while tuning):")
        evaluate([r for r in records if r["id"] in dev], 0)


if __name__ == "__main__":
    main()
