"""``amparo reports import``, ``amparo network clusters`` and ``amparo lookup`` as a person
runs them: real processes, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from amparo.accounts.models import AuditEvent
from amparo.store.engine import normalise_url
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
    assert "phone,'+525512345678,2," in exported  # text in a spreadsheet
    assert "Tenemos" not in exported
    stix_file = tmp_path / "bundle.json"
    run(env, "export", "--format", "stix", "--output", str(stix_file))
    assert json.loads(stix_file.read_text())["type"] == "bundle"
    unknown = run(env, "export", "--format", "xml", check=False)
    assert unknown.returncode == 2
    assert "stix, misp, csv, hashed" in unknown.stderr

    human = run(env, "lookup", "cobros@example.com").stdout
    assert "cobros@example.com (e-mail address) was reported 2 times" in human
    once = run(env, "lookup", "phone:+523311112222").stdout
    assert "+523311112222 (phone number) was reported 1 time, last on" in once
    en_espanol = run({**env, "AMPARO_LANG": "es"}, "lookup", "55 1234 5678", "--region", "MX")
    assert "+525512345678 (número de teléfono) fue reportado 2 veces" in en_espanol.stdout
    una = run({**env, "AMPARO_LANG": "es"}, "lookup", "phone:+523311112222").stdout
    assert "+523311112222 (número de teléfono) fue reportado 1 vez, el" in una
    assert "phone" not in en_espanol.stdout
    public = run({**env, "AMPARO_LANG": "en"}, "lookup", "089").stdout  # never reported
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
    assert (
        "casa-3 and casa-4 are partners." in run(env, "admin", "partner", "casa-3", "casa-4").stdout
    )
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

    listed = tmp_path / "lista.csv"  # as Excel writes it in a Spanish locale
    listed.write_text("Número;Categoría\n55 4433 2211;sextortion\n(55) 4433-2211;\n")
    args = ("reports", "import-list", str(listed), "--source", "SSPC", "--org", "casa-3")
    first = json.loads(run(env, *args, "--region", "MX", "--json").stdout)
    assert first == {"imported": 1, "updated": 0, "unchanged": 0, "repeated": 1, "skipped": []}
    again = run({**env, "AMPARO_LANG": "es"}, *args, "--region", "MX").stdout
    assert "0 reportes importados." in again
    assert "1 número que esta lista ya había dado sigue igual." in again
    assert "1 fila repite un número que ya estaba antes en el archivo." in again


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


def test_imports_are_audited_and_a_look_up_counts_what_the_organisation_may_read(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """``reports import``, ``import-list`` and ``import-feed`` each leave an audit event: who,
    which organisation, how many lines — never a value, a text or a name. And ``amparo lookup``
    sizes a network by the reports the organisation may read, not by everyone's."""
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    orgs = {
        slug: json.loads(
            run(env, "admin", "create-org", slug, "--name", slug.title(), "--json").stdout
        )["id"]
        for slug in ("demo", "sur")
    }
    demo_lines = tmp_path / "demo.jsonl"
    demo_lines.write_text(
        json.dumps({"external_id": "d-1", "text": "Tenemos a Maria, llame al 55 1234 0001"})
        + "\nnot json\n"
        + json.dumps({"external_id": "d-2", "indicators": [{"type": "email", "value": "x@y.mx"}]})
        + "\n"
    )
    sur_lines = tmp_path / "sur.jsonl"
    sur_lines.write_text(
        "".join(
            json.dumps({"external_id": f"SUR-SECRETO-{n}", "text": "el 55 1234 0001 otra vez"})
            + "\n"
            for n in range(3)
        )
    )
    public = tmp_path / "lista.csv"
    public.write_text(
        "numero,category\n55 1234 0009,telephone_extortion\n"
        "55 1234 0010,telephone_extortion\nhola,\n"
    )
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"type": "phone", "hmac": "ab" * 32, "reports": 2}) + "\n")
    key = tmp_path / "key"
    key.write_text("cd" * 32)

    region = ("--region", "MX")
    done = run(env, "reports", "import", str(demo_lines), "--org", "demo", *region, check=False)
    assert done.returncode == 1  # the line that is not JSON
    run(env, "reports", "import", str(sur_lines), "--org", "sur", *region)
    listed = ("--org", "demo", "--source", "Lista Fiscalia Maria", *region)
    assert run(env, "reports", "import-list", str(public), *listed, check=False).returncode == 1
    feed_options = ("--org", "demo", "--partner", "Hub Norte", "--key-file", str(key))
    run(env, "reports", "import-feed", str(feed), *feed_options)

    found = json.loads(
        run(env, "lookup", "55 1234 0001", "--org", "demo", *region, "--json").stdout
    )
    assert (found["reported"], found["cluster_size"]) == (1, 1)  # not 4: Sur's are private
    theirs = json.loads(run(env, "lookup", "+525512340001", "--org", "sur", "--json").stdout)
    assert (theirs["reported"], theirs["cluster_size"]) == (3, 3)

    engine = create_engine(normalise_url(fresh_database_url))
    try:
        with engine.connect() as connection:
            events = connection.execute(
                select(
                    AuditEvent.action,
                    AuditEvent.org_id,
                    AuditEvent.actor_type,
                    AuditEvent.channel,
                    AuditEvent.target_type,
                    AuditEvent.target_id,
                    AuditEvent.details,
                    AuditEvent.at,
                )
                .where(AuditEvent.action.like("%import%"))
                .order_by(AuditEvent.id)
            ).all()
    finally:
        engine.dispose()
    runs = [e.details.pop("run", None) for e in events]
    assert [(e.action, e.org_id, e.details) for e in events] == [
        # each batch is recorded as it commits (an import that dies half-way leaves a record
        # of what landed), then the whole import; the same run id ties them
        ("reports.import_batch", orgs["demo"], {"imported": 2, "skipped": 1}),
        ("reports.import", orgs["demo"], {"imported": 2, "skipped": 1}),
        ("reports.import_batch", orgs["sur"], {"imported": 3, "skipped": 0}),
        ("reports.import", orgs["sur"], {"imported": 3, "skipped": 0}),
        ("reports.import_list", orgs["demo"], {"imported": 2, "skipped": 1}),
        ("partner_feed.import", orgs["demo"], {"imported": 1, "skipped": 0}),
    ]
    assert runs[0] == runs[1] != runs[2] == runs[3]
    assert runs[0] is not None
    assert runs[4:] == [None, None]
    for event in events:
        assert (event.actor_type, event.channel, event.target_type) == (
            "system",
            "cli",
            "organisation",
        )
        assert event.target_id == str(event.org_id)
        assert event.at is not None
    recorded = json.dumps([(e.action, e.target_type, e.target_id, e.details) for e in events])
    for personal in ("Maria", "Tenemos", "1234", "SUR-SECRETO", "Hub Norte", "ab" * 32):
        assert personal not in recorded


def test_skipped_lines_stay_one_line_each_when_not_on_a_terminal(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """The QA audit's ``2>err.txt``: Rich wrapped each error at 80 columns (trailing spaces, a
    continuation without its line number). In a file or a pipe, one error is one line; values
    that look like Rich markup are printed as they are."""
    env = cli_env(tmp_path, fresh_database_url)
    env.pop("COLUMNS")  # as a person's shell leaves it: Rich's 80 columns
    env["AMPARO_LANG"] = "es"
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-w", "--name", "Casa W")
    lines = [
        {"external_id": "w1", "indicators": [{"type": "clabe", "value": "002180700123456781"}]},
        {"external_id": "w2", "indicators": [{"type": "phone", "value": "12"}]},
        {"external_id": "w3", "text": "x", "category": "[bold]no[/bold] existe"},
        {"external_id": "w4", "text": "x", "category": "x[/]y"},
    ]
    source = tmp_path / "bad.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run(env, "reports", "import", str(source), "--region", "MX", check=False)
    assert result.returncode == 1, result.stderr
    errors = result.stderr.splitlines()
    assert [e.split(" omitida: ")[0] for e in errors] == [f"Línea {n}" for n in (1, 2, 3, 4)]
    assert all(e == e.rstrip() for e in errors)
    assert len(errors[1]) > 80
    assert "ninguno de los países de la ruta" in errors[1]
    assert "'[bold]no[/bold] existe'" in errors[2]
    assert "'x[/]y'" in errors[3]

    public = tmp_path / "lista.csv"
    public.write_text("numero\n12\n55 1234 0009\n")
    listed = ("--org", "casa-w", "--source", "Lista", "--region", "MX")
    result = run(env, "reports", "import-list", str(public), *listed, check=False)
    (error,) = result.stderr.splitlines()
    assert error.startswith("Línea 2 omitida: '12' no es un número de teléfono válido")
    assert error.endswith("de la ruta.")

    failed = run(env, "lookup", "clabe:[/]" + "1" * 30, "--org", "casa-w", check=False)
    assert failed.returncode == 2
    assert len(failed.stderr.splitlines()) == 1
    assert "[/]" in failed.stderr


def test_an_export_to_a_folder_that_does_not_exist(tmp_path: Path, fresh_database_url: str) -> None:
    """It failed as "something failed on our side, nothing was saved" (exit 70) with its audit
    record already committed: an export that never left was in the log."""
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-5", "--name", "Casa 5")
    nowhere = tmp_path / "no-such-folder" / "bundle.json"
    failed = run(env, "export", "--format", "stix", "--output", str(nowhere), check=False)
    assert failed.returncode == 2, failed.stderr
    assert str(nowhere) in failed.stderr
    assert "Traceback" not in failed.stderr
    engine = create_engine(normalise_url(fresh_database_url))
    with engine.connect() as connection:
        actions = connection.scalars(select(AuditEvent.action)).all()
    engine.dispose()
    assert "indicators.export" not in actions
    written = tmp_path / "bundle.json"
    run(env, "export", "--format", "stix", "--output", str(written))
    assert json.loads(written.read_text())["type"] == "bundle"
    with engine.connect() as connection:
        actions = connection.scalars(select(AuditEvent.action)).all()
    engine.dispose()
    assert actions.count("indicators.export") == 1


def test_an_unknown_region_is_said_not_ignored(tmp_path: Path) -> None:
    """Found by QA: ``--region XX`` was read as no region at all, silently."""
    env = cli_env(tmp_path, "sqlite://")
    wrong = run(env, "lookup", "55 1234 5678", "--region", "XX", check=False)
    assert wrong.returncode == 2
    assert "Unknown country code XX" in wrong.stderr
    assert "Traceback" not in wrong.stderr
