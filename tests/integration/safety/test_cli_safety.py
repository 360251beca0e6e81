"""The safety commands in real processes: enrol, check in, duress, codes, SOS, the worker
delivering to a real webhook, status, "I'm safe" and the alert desk."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_cli import cli_env, run
from tests.receivers import JsonReceiver


def wait_for(predicate: object, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_trip_from_the_command_line(
    tmp_path: Path, fresh_database_url: str, receiver: JsonReceiver
) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    env["AMPARO_SOS_CANCEL_SECONDS"] = "0"
    run(env, "db", "upgrade")
    enrolled = run(
        env,
        "traveller",
        "enrol",
        "--name",
        "Kevin",
        "--pin",
        "4821",
        "--duress-pin",
        "9137",
        "--every",
        "12",
        "--grace",
        "30",
        "--contact",
        f"1:{receiver.url('mama')}",
        "--contact",
        f"3:{receiver.url('consul')}",
        "--json",
    )
    traveller = str(json.loads(enrolled.stdout)["id"])

    normal = json.loads(
        run(env, "checkin", traveller, "--pin", "4821", "--where", "Tapachula", "--json").stdout
    )
    duress = json.loads(run(env, "checkin", traveller, "--pin", "9137", "--json").stdout)
    assert normal.keys() == duress.keys()
    assert normal["status"] == duress["status"] == "ok"
    human = run(env, "checkin", traveller, "--pin", "4821")
    assert "Check-in received" in human.stdout

    wrong = run(env, "checkin", traveller, "--pin", "0000", check=False)
    assert wrong.returncode == 3
    assert "not accepted" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    missing = run(env, "checkin", "999", "--pin", "4821", check=False)
    assert missing.returncode == 4

    card = json.loads(run(env, "codes", traveller, "--json").stdout)
    assert len(card["codes"]) == 12
    assert len(card["duress_positions"]) == 4
    printed = run(env, "codes", traveller).stdout
    assert "silent alert" in printed

    run(env, "sos", traveller, "--where", "Huixtla")
    worker = subprocess.Popen(
        [sys.executable, "-m", "amparo", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(
            lambda: len([m for m in receiver.messages() if "SOS" in m.payload["title"]]) == 2
        )
        assert wait_for(
            lambda: (
                len(
                    [
                        m
                        for m in receiver.messages()
                        if "silent" in m.payload["title"] or "silenciosa" in m.payload["title"]
                    ]
                )
                == 2
            )
        )
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors
    assert "Traceback" not in errors

    status = json.loads(run(env, "status", traveller, "--json").stdout)
    assert status["state"] == "emergency"
    assert status["place"] == "Tapachula"
    run(env, "safe", traveller, "--pin", "4821")
    assert json.loads(run(env, "status", traveller, "--json").stdout)["state"] == "ok"

    alerts = json.loads(run(env, "alerts", "list", "--json").stdout)
    assert {a["kind"] for a in alerts} >= {"sos", "duress", "confirm_contact", "safe"}
    bad = run(env, "alerts", "list", "--state", "nonsense", check=False)
    assert bad.returncode == 2

    run(env, "traveller", "close", traveller)
    closed = run(env, "checkin", traveller, "--pin", "4821", check=False)
    assert closed.returncode == 2
    assert "closed" in closed.stderr
