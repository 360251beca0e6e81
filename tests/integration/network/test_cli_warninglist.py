"""``amparo network warnings list|add|remove|sync`` and the re-sync after ``amparo db upgrade``,
as an operator runs them: real processes, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update

from amparo.accounts.models import AuditEvent, Organisation
from amparo.indicators import WarningList, default_warning_list
from amparo.network import service
from amparo.network.models import IndicatorKey
from amparo.network.service import IndicatorIn, ReportIn
from amparo.store.engine import make_engine, make_session_factory
from tests.conftest import make_settings
from tests.integration.test_cli import cli_env, run

REASON = "Línea de ayuda de la Casa del Migrante"


def clusters(env: dict[str, str]) -> list[list[str]]:
    out = run(env, "network", "clusters", "--json").stdout
    return sorted(sorted(json.loads(line)["report_ids"]) for line in out.splitlines())


def test_an_operator_keeps_the_warning_list(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa", "--name", "Casa")
    lines = [
        {"external_id": "r1", "text": "nos dieron el 55 8080 8080"},
        {"external_id": "r2", "text": "el 55 8080 8080 y luego el 55 1122 3344"},
        {"external_id": "r3", "text": "llamaron del 55 1122 3344"},
    ]
    source = tmp_path / "reports.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    run(env, "reports", "import", str(source), "--region", "MX")
    assert clusters(env) == [["r1", "r2", "r3"]]

    # Two reports stored by an older release, whose list did not have the Consejo Ciudadano
    # yet: linked through it, its stored warning empty. The next upgrade lists it.
    settings = make_settings(tmp_path, fresh_database_url)
    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        org_id = session.scalars(select(Organisation.id)).one()
        # (the first upgrade stored the listed values' rows: as that release had none)
        session.execute(
            update(IndicatorKey)
            .where(IndicatorKey.key == service.indicator_key("phone", "+525555335533"))
            .values(warning=None)
        )
        for n in (4, 5):
            service.create_report(
                session=session,
                org_id=org_id,
                data=ReportIn(
                    external_id=f"r{n}", indicators=(IndicatorIn("phone", "+525555335533"),)
                ),
                warnings=WarningList({}),
            )
        session.commit()
    engine.dispose()
    assert clusters(env) == [["r1", "r2", "r3"], ["r4", "r5"]]
    upgraded = run(env, "db", "upgrade").stdout
    assert "1 stored value stopped linking reports." in upgraded
    assert "1 network split off from another." in upgraded
    assert clusters(env) == [["r1", "r2", "r3"]]
    assert "stopped linking" not in run(env, "db", "upgrade").stdout  # nothing left to do

    added = run(
        env,
        "network",
        "warnings",
        "add",
        "phone",
        "55 8080 8080",
        "--region",
        "MX",
        "--reason",
        REASON,
        "--json",
    )
    entry = json.loads(added.stdout)
    assert (entry["value"], entry["sync"]["listed"], entry["sync"]["split"]) == (
        "+525580808080",
        1,
        1,
    )
    assert clusters(env) == [["r2", "r3"]]
    for lang in ("en", "es"):
        looked = run({**env, "AMPARO_LANG": lang}, "lookup", "55 8080 8080", "--region", "MX")
        assert REASON in looked.stdout  # as written, in every language
    listed = [
        json.loads(line)
        for line in run(env, "network", "warnings", "list", "--json").stdout.split("\n")
        if line
    ]
    assert len([i for i in listed if i["source"] == "shipped"]) == len(
        default_warning_list().entries
    )
    assert [(i["id"], i["value"], i["reason"]) for i in listed if i["source"] == "deployment"] == [
        (entry["id"], "+525580808080", REASON)
    ]
    table = run(env, "network", "warnings", "list").stdout
    assert "+525580808080" in table
    assert "shipped with Amparo" in table

    nowhere = run(
        env, "network", "warnings", "add", "phone", "+999 1234", "--reason", "x", check=False
    )
    assert nowhere.returncode == 2
    assert "not a valid phone number" in nowhere.stderr
    twice = run(
        env,
        "network",
        "warnings",
        "add",
        "phone",
        "+52 1 55 8080 8080",
        "--reason",
        "otra vez",
        check=False,
    )
    assert twice.returncode == 5
    long = run(
        env,
        "network",
        "warnings",
        "add",
        "email",
        "a@b.example",
        "--reason",
        "x" * 201,
        check=False,
    )
    assert long.returncode == 2
    assert "200" in long.stderr

    removed = run(env, "network", "warnings", "remove", str(entry["id"])).stdout
    assert "1 stored value links reports again." in removed
    assert "1 network was joined to another." in removed
    assert clusters(env) == [["r1", "r2", "r3"]]
    assert run(env, "network", "warnings", "remove", str(entry["id"]), check=False).returncode == 4
    synced = run(env, "network", "warnings", "sync").stdout
    assert "already agree" in synced
    assert json.loads(run(env, "network", "warnings", "sync", "--json").stdout)["split"] == 0

    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        audited = [
            (e.action, e.actor_type, e.channel)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("warninglist.%"))
                .order_by(AuditEvent.id)
            )
        ]
    engine.dispose()
    assert audited == [
        ("warninglist.sync", "system", "cli"),  # the upgrade that listed the Consejo
        ("warninglist.add", "system", "cli"),
        ("warninglist.remove", "system", "cli"),
    ]


def test_a_reason_is_shown_as_written_not_read_as_markup(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """ "[/]" in a reason is people's text: Rich read it as markup and the command crashed."""
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    odd = "Línea [/] del albergue [bold]"
    shown = run(env, "network", "warnings", "add", "phone", "+52 55 9090 9090", "--reason", odd)
    assert "+525590909090" in shown.stdout
    listed = run({**env, "COLUMNS": "300"}, "network", "warnings", "list")
    assert odd in listed.stdout
    assert "Traceback" not in listed.stderr
