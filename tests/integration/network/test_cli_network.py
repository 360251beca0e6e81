"""``amparo reports import``, ``amparo network clusters`` and ``amparo lookup`` as a person
runs them: real processes, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.test_cli import cli_env, run


def test_import_clusters_and_lookup(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-2", "--name", "Casa 2")
    lines = [
        {
            "external_id": "r1",
            "text": "Tenemos a su hijo, llame al 55 1234 5678",
            "amount": 50000,
            "currency": "MXN",
            "channel": "call",
            "category": "virtual_kidnapping",
        },
        {"external_id": "r2", "text": "whats +52 1 55 1234 5678", "channel": "whatsapp"},
        {"external_id": "r3", "indicators": [{"type": "email", "value": "Cobros@Example.com"}]},
        {"external_id": "r4", "text": "escriba a cobros@example.com"},
        {"external_id": "r5", "text": "nada que ver, llamaron del 33 1111 2222"},
        {"external_id": "r6", "indicators": [{"type": "clabe", "value": "002180700123456780"}]},
    ]
    source = tmp_path / "reports.jsonl"
    body = "\n".join(json.dumps(line) for line in lines[:3]) + "\nnot json\n"
    body += "\n".join(json.dumps(line) for line in lines[3:]) + "\n"
    source.write_text(body)

    result = run(env, "reports", "import", str(source), "--region", "MX", "--json", check=False)
    assert result.returncode == 1  # some lines were skipped
    summary = json.loads(result.stdout)
    assert summary["imported"] == 5
    assert [s["line"] for s in summary["skipped"]] == [4, 7]
    assert "CLABE" in summary["skipped"][1]["error"]

    out = run(env, "network", "clusters", "--json").stdout
    clusters = [json.loads(line) for line in out.splitlines()]
    assert sorted(sorted(c["report_ids"]) for c in clusters) == [["r1", "r2"], ["r3", "r4"]]
    assert all({"cluster_id", "report_ids", "indicators"} <= set(c) for c in clusters)

    found = json.loads(run(env, "lookup", "55-12-34-56-78", "--region", "MX", "--json").stdout)
    assert found["value"] == "+525512345678"
    assert found["reported"] == 2
    assert found["ambiguous_with"] == ["+15512345678"]
    nothing = json.loads(run(env, "lookup", "phone:+17135550123", "--json").stdout)
    assert nothing["reported"] == 0

    exported = run(env, "export", "--format", "csv").stdout
    assert "phone,+525512345678,2," in exported
    assert "Tenemos" not in exported
    stix_file = tmp_path / "bundle.json"
    run(env, "export", "--format", "stix", "--output", str(stix_file))
    assert json.loads(stix_file.read_text())["type"] == "bundle"
    unknown = run(env, "export", "--format", "xml", check=False)
    assert unknown.returncode == 2
    assert "stix, misp, csv, hashed" in unknown.stderr

    human = run(env, "lookup", "cobros@example.com").stdout
    assert "reported 2 times" in human
    public = run({**env, "AMPARO_LANG": "en"}, "lookup", "089").stdout  # never reported
    assert "+52089 (phone) has not been reported" in public
    assert "Warning list: 089, Mexico's line for anonymous reports" in public
    spanish = run({**env, "AMPARO_LANG": "es"}, "lookup", "hola", check=False)
    assert spanish.returncode == 2
    assert "no parece" in spanish.stderr
    assert "Traceback" not in spanish.stderr


def test_import_from_stdin_and_a_missing_file(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-3", "--name", "Casa 3")
    run(env, "admin", "create-org", "casa-4", "--name", "Casa 4")
    assert "casa-3 ↔ casa-4" in run(env, "admin", "partner", "casa-3", "casa-4").stdout
    itself = run(env, "admin", "partner", "casa-3", "casa-3", check=False)
    assert itself.returncode == 2
    missing = run(
        env, "reports", "import", str(tmp_path / "nope.jsonl"), "--org", "casa-3", check=False
    )
    assert missing.returncode == 4
    assert "nope.jsonl" in missing.stderr
    piped = subprocess.run(
        [sys.executable, "-m", "amparo", "reports", "import", "-", "--json", "--org", "casa-3"],
        env=env,
        input=json.dumps({"external_id": "s1", "text": "llamaron del +52 55 1234 5678"}) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout) == {"imported": 1, "skipped": []}


def test_a_large_import_prepares_lines_in_helper_processes(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """Through ``python -m amparo`` (whose module the helpers import again): the same
    clusters as one at a time, and bad lines still answered with their numbers."""
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-5", "--name", "Casa 5")
    lines = [
        json.dumps(
            {
                "external_id": f"h-{i}",
                "indicators": [{"type": "phone", "value": f"+52551000{i % 40:04d}"}],
            }
        )
        for i in range(300)
    ]
    lines[7] = json.dumps({"external_id": "bad", "indicators": [{"type": "clabe", "value": "1"}]})
    path = tmp_path / "large.jsonl"
    path.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "amparo", "reports", "import", str(path), "--json"),
            *("--workers", "2", "--pool-after", "0"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["imported"] == 299
    assert [s["line"] for s in result["skipped"]] == [8]
    out = run(env, "network", "clusters", "--json").stdout
    clusters = [json.loads(line) for line in out.splitlines() if line.strip()]
    # 40 numbers, each shared by 7 or 8 reports (one line was refused).
    assert sorted(len(c["report_ids"]) for c in clusters) == sorted(
        sum(1 for i in range(300) if i % 40 == k and i != 7) for k in range(40)
    )
