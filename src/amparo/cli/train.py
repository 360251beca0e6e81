"""``amparo train``: rebuild the triage model from the shipped corpus and catalogue."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from amparo.cli.common import console, print_json


def train(
    output: Annotated[
        Path | None,
        typer.Option(help="Where to write the model (default: the package's own model file)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Train the message classifier from the corpus (deterministic, a few seconds)."""
    from amparo.triage import model as triage_model
    from amparo.triage import training

    target = output or triage_model.shipped_model_path()
    started = time.perf_counter()
    with console.status("Training the triage model…"):
        trained = training.train()
        triage_model.save(trained, target)
    summary = {
        "path": str(target),
        "examples": trained.training_size,
        "categories": list(trained.categories),
        "corpus": trained.corpus_fingerprint[:12],
        "catalogue": trained.catalogue_fingerprint[:12],
        "seconds": round(time.perf_counter() - started, 1),
    }
    if as_json:
        print_json(summary)
    else:
        console.print(
            f"[green]Trained on {summary['examples']} messages[/] in {summary['seconds']} s "
            f"→ {summary['path']}"
        )
