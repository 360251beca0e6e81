"""The training corpus the team wrote (``corpus/train``) and its separately written held-out
split (``corpus/heldout``). See docs/corpus.md. The real-world messages in ``shared/eval`` are
never read here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from typing import Literal

Split = Literal["train", "heldout"]
EXTORTION_CATEGORIES = (
    "virtual_kidnapping",
    "telephone_extortion",
    "smuggler_fee",
    "fake_official",
    "fake_relative",
    "sextortion",
    "other_scam",
)
CATEGORIES = (*EXTORTION_CATEGORIES, "genuine_emergency", "benign")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    lang: str
    label: str  # extortion, emergency, benign
    category: str
    subtype: str
    region: str
    part: str = ""  # the file it comes from: one writer's part of the corpus


def _files(split: Split) -> list[Traversable]:
    folder = resources.files("amparo.triage").joinpath("corpus", split)
    return sorted((f for f in folder.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)


def load(split: Split) -> list[Example]:
    """Every example of a split, in a stable order."""
    examples = []
    for file in _files(split):
        for number, line in enumerate(file.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["category"] not in CATEGORIES:
                raise ValueError(f"{file.name}:{number}: unknown category {row['category']}")
            examples.append(
                Example(
                    id=row["id"],
                    text=row["text"],
                    lang=row["lang"],
                    label=row["label"],
                    category=row["category"],
                    subtype=row.get("subtype", ""),
                    region=row.get("region", "unknown"),
                    part=file.name.removesuffix(".jsonl"),
                )
            )
    return examples


def fingerprint(split: Split) -> str:
    """SHA-256 over the split's files, so a shipped model can say what it was trained on."""
    digest = hashlib.sha256()
    for file in _files(split):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
