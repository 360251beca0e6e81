"""Two importers at once (separate processes, a real database): the clusters still equal the
connected components of the report–indicator graph."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
from sqlalchemy import create_engine, text

from amparo.store.engine import normalise_url
from tests.integration.test_cli import cli_env, run


def test_two_importers_at_once_link_correctly(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-c", "--name", "Casa C")
    rng = random.Random(11)
    pool = [f"+5255{n:08d}" for n in rng.sample(range(10**8), 40)]
    files, edges = [], []
    for part in range(2):
        lines = []
        for i in range(120):
            chosen = rng.sample(pool, rng.randint(1, 2))
            external = f"p{part}-{i}"
            lines.append(
                json.dumps(
                    {
                        "external_id": external,
                        "indicators": [{"type": "phone", "value": v} for v in chosen],
                    }
                )
            )
            edges.extend((external, v) for v in chosen)
        path = tmp_path / f"part{part}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "amparo", "reports", "import", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in files
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err + out

    graph = nx.Graph()
    for report, phone in edges:
        graph.add_edge(("r", report), ("p", phone))
    expected = {
        frozenset(n[1] for n in part if n[0] == "r") for part in nx.connected_components(graph)
    }
    engine = create_engine(normalise_url(fresh_database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT external_id, cluster_id FROM reports")).all()
    engine.dispose()
    groups: dict[int, set[str]] = {}
    for external, cluster in rows:
        groups.setdefault(cluster, set()).add(external)
    assert {frozenset(g) for g in groups.values()} == expected
