"""``amparo admin partner-link``, ``amparo admin remote-hub`` and ``amparo lookup`` asking a
partner hub online, as a person runs them: real processes, real databases, a hub served for
real on a loopback port."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.orm import Session

from amparo.network import partner_links, service
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories
from tests.integration.test_cli import cli_env, run
from tests.receivers import ServedApp

KEY_HEX = "c3" * 32
PHONE = "+525512345678"


def test_partner_links_and_remote_hubs_from_the_command_line(
    tmp_path: Path, fresh_database_url: str
) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    run(env, "admin", "create-org", "casa-b", "--name", "Casa B")
    key = tmp_path / "pair.key"
    key.write_text(KEY_HEX + "\n")
    short = tmp_path / "short.key"
    short.write_text("c3" * 16)
    lines = [
        {
            "external_id": "n1",
            "sharing": "network",
            "indicators": [{"type": "phone", "value": PHONE}],
        },
        {
            "external_id": "p1",
            "sharing": "partners",
            "indicators": [{"type": "email", "value": "cobros@example.com"}],
        },
        {"external_id": "o1", "indicators": [{"type": "phone", "value": "+525587654321"}]},
    ]
    source = tmp_path / "reports.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    run(env, "reports", "import", str(source))

    too_short = run(
        env, "admin", "partner-link", "add", "Hub A", "--key-file", str(short), check=False
    )
    assert too_short.returncode == 2
    assert "32 bytes" in too_short.stderr
    added = json.loads(
        run(env, "admin", "partner-link", "add", "Hub A", "--key-file", str(key), "--json").stdout
    )
    assert added["name"] == "Hub A"
    assert added["token"].startswith("amph_")
    assert added["hashes"] == 2  # the phone shared with the network and the e-mail; not `own`
    human = run(env, "admin", "partner-link", "add", "Hub C", "--key-file", str(key)).stdout
    assert "not shown again" in human
    assert "(2 values shared)" in human
    spanish = {**env, "AMPARO_LANG": "es"}
    refreshed = run(spanish, "admin", "partner-link", "refresh", "Hub C").stdout
    assert "2 valores compartidos con Hub C" in refreshed
    again = run(env, "admin", "partner-link", "add", "Hub A", "--key-file", str(key), check=False)
    assert again.returncode == 5
    listed = [
        json.loads(line)
        for line in run(env, "admin", "partner-link", "list", "--json").stdout.splitlines()
    ]
    assert [(link["name"], link["hashes"]) for link in listed] == [("Hub A", 2), ("Hub C", 2)]
    assert added["token"] not in json.dumps(listed)
    assert json.loads(run(env, "admin", "partner-link", "refresh", "Hub A", "--json").stdout) == {
        "name": "Hub A",
        "hashes": 2,
    }
    run(env, "admin", "partner-link", "revoke", "Hub A")
    revoked = run(env, "admin", "partner-link", "refresh", "Hub A", check=False)
    assert revoked.returncode == 5
    unknown = run(env, "admin", "partner-link", "revoke", "Hub Z", check=False)
    assert unknown.returncode == 4
    assert "Traceback" not in unknown.stderr

    token = tmp_path / "hub.token"
    token.write_text("amph_given-by-the-other-hub\n")
    hub = ["admin", "remote-hub", "add", "Hub Sur", "--key-file", str(key), "--token-file"]
    bad_url = run(env, *hub, str(token), "--url", "ftp://hub.example.org", check=False)
    assert bad_url.returncode == 2
    assert "https://" in bad_url.stderr
    no_token = run(env, *hub, str(tmp_path / "nope"), "--url", "https://sur.example", check=False)
    assert no_token.returncode == 4
    run(env, *hub, str(token), "--url", "https://sur.example/")
    twice = run(env, *hub, str(token), "--url", "https://sur.example", check=False)
    assert twice.returncode == 5
    hubs = run(env, "admin", "remote-hub", "list", "--json").stdout
    assert json.loads(hubs)["url"] == "https://sur.example"
    assert "amph_" not in hubs
    assert KEY_HEX not in hubs
    run(env, "admin", "remote-hub", "remove", "Hub Sur")
    assert run(env, "admin", "remote-hub", "remove", "Hub Sur", check=False).returncode == 4


def test_lookup_asks_a_partner_hub_online(
    tmp_path: Path, fresh_database_url: str, app: FastAPI, db: Session
) -> None:
    # Hub B: the test database and app, served for real.
    org_b = factories.org(db)
    service.create_report(
        session=db,
        org_id=org_b.id,
        data=ReportIn(text="x", sharing="network", indicators=(IndicatorIn("phone", PHONE),)),
    )
    secret, _, _ = partner_links.add_link(
        session=db, org_id=org_b.id, name="Hub A", key=bytes.fromhex(KEY_HEX)
    )
    db.commit()
    hub_b = ServedApp(app).start()
    try:
        # Hub A: another database, configured and asked through the command line.
        env = cli_env(tmp_path, fresh_database_url)
        run(env, "db", "upgrade")
        run(env, "admin", "create-org", "casa-a", "--name", "Casa A")
        key = tmp_path / "pair.key"
        key.write_text(KEY_HEX)
        token = tmp_path / "b.token"
        token.write_text(secret)
        run(
            env, "admin", "remote-hub", "add", "Hub B", "--url", hub_b.url,
            "--key-file", str(key), "--token-file", str(token),
        )  # fmt: skip
        found = json.loads(run(env, "lookup", f"phone:{PHONE}", "--json").stdout)
        assert found["partners"] == [
            {"partner": "Hub B", "reports": 1, "last_seen": found["partners"][0]["last_seen"],
             "source": "online"}
        ]  # fmt: skip
        assert found["unreachable"] == []
        assert PHONE not in hub_b.requests[-1].body.decode()
        human = run(env, "lookup", f"phone:{PHONE}").stdout
        assert "Partner hub Hub B: reported 1 time." in human
    finally:
        hub_b.stop()
    down = run(env, "lookup", f"phone:{PHONE}", "--json")
    assert json.loads(down.stdout)["unreachable"] == ["Hub B"]
    said = run(env, "lookup", f"phone:{PHONE}")
    assert said.returncode == 0
    assert "Hub B could not be asked" in said.stderr
