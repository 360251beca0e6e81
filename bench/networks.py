"""Networks benchmark. Part 1 (this file, for now): indicator extraction quality.

    python bench/networks.py [--data bench/data/indicators-eval] [--errors N]

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
        f">= 0.99 ({'met' if ex >= 0.99 else 'NOT met'})"
    )
    for line in errors:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--errors", type=int, default=0, help="print the first N reports with errors"
    )
    args = parser.parse_args()
    records = load(args.data)
    if not records:
        sys.exit(f"no evaluation reports in {args.data}")
    evaluate(records, args.errors)


if __name__ == "__main__":
    main()
