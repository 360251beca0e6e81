"""Checking a message through the API, the page and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent
from amparo.settings import Settings
from amparo.triage import corpus
from amparo.verdict import service as verdict_service

RANSOM = "Tenemos a su hijo. Deposite 5 mil pesos en OXXO hoy o no lo vuelve a ver. No cuelgue."


def test_api_check_returns_a_verdict_and_stores_nothing(client: TestClient, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post("/api/v1/check", json={"text": RANSOM, "country": "MX"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] in ("high", "critical")
    assert body["lang"] == "es"
    assert body["category_name"]
    span = body["flags"][0]["evidence"][0]
    assert RANSOM[span["start"] : span["end"]] == span["text"]
    assert "089" in body["report"]
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_api_check_bad_input(client: TestClient) -> None:
    cases: list[tuple[Any, int]] = [
        ({"text": ""}, 422),
        ({"text": "x" * 20_001}, 422),
        ({"text": 5}, 422),
        ({"text": "hola", "lang": "de"}, 422),
        ({"text": "hola", "extra": 1}, 422),
        ({"message": "hola"}, 422),
    ]
    for body, status in cases:
        response = client.post("/api/v1/check", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    binary = client.post("/api/v1/check", json={"text": "abc\u0000def"})
    assert binary.status_code == 422
    assert "binarios" in binary.json()["detail"]
    invalid_utf8 = client.post(
        "/api/v1/check",
        content=b'{"text": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert invalid_utf8.status_code == 400
    assert "UTF-8" in invalid_utf8.json()["detail"]


def test_api_check_analyses_a_message_with_half_an_emoji(client: TestClient) -> None:
    """An emoji cut in two by the app that forwarded the message ("\\ud83d" in JSON) was
    refused as "this value is not valid", while the command line analysed the same message."""
    body = '{"text": "Tenemos a su hijo \\ud83d deposite hoy o no lo vuelve a ver"}'
    response = client.post(
        "/api/v1/check", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["level"] in ("high", "critical")
    shown = "Tenemos a su hijo \ufffd deposite hoy o no lo vuelve a ver"
    for flag in verdict["flags"]:
        for span in flag["evidence"]:
            assert shown[span["start"] : span["end"]] == span["text"]


def test_the_check_opened_with_the_wrong_method_answers_in_the_readers_language(
    client: TestClient,
) -> None:
    """A volunteer who opens the check's API address in a browser (a GET) read Starlette's
    English "Method Not Allowed" under a translated title, in the problem and on the page."""
    problem = client.get("/api/v1/check", headers={"Accept-Language": "fr"})
    assert problem.status_code == 405
    assert problem.json()["detail"] == "Cette méthode n'est pas autorisée ici"
    page = client.put("/", headers={"Accept": "text/html", "Accept-Language": "es"})
    assert page.status_code == 405
    assert "Method Not Allowed" not in page.text
    assert "Este método no se permite aquí" in page.text


def test_api_check_is_rate_limited(client: TestClient, settings: Settings) -> None:
    limit = int(settings.anonymous_rate_limit.split("/")[0])
    codes = [
        client.post("/api/v1/check", json={"text": "hola"}).status_code for _ in range(limit + 1)
    ]
    assert codes[-1] == 429


def test_check_page_highlights_the_words(client: TestClient) -> None:
    page = client.post("/", data={"text": RANSOM}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<mark>" in page.text
    assert "Tenemos a su hijo" in page.text
    assert "Qué hacer ahora" in page.text or "Qué hacer" in page.text
    empty = client.post("/", data={"text": "  "}, headers={"Accept": "text/html"})
    assert empty.status_code == 422
    assert "vacío" in empty.text
    # A message refused for a control character comes back without it (a page cannot hold a
    # NUL: the browser showed "�" in the box).
    nul = client.post("/", data={"text": "Tenemos\x00 a su hijo"}, headers={"Accept": "text/html"})
    assert nul.status_code == 422
    assert "\x00" not in nul.text
    assert ">Tenemos a su hijo</textarea>" in nul.text


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amparo", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "AMPARO_LANG": "es", "COLUMNS": "120"},
    )


def test_cli_check_json_and_rich() -> None:
    result = cli("--json", RANSOM)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["level"] in ("high", "critical")
    assert verdict["flags"]
    rich = cli(RANSOM)
    assert rich.returncode == 0
    assert "Qué hacer ahora" in rich.stdout
    empty = cli("")
    assert empty.returncode == 2
    assert "vacío" in empty.stderr


def test_cli_check_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": RANSOM}),
        "{not json",
        json.dumps({"id": "c", "text": "hola mija, ya llegué bien"}),
        json.dumps({"no_text": 1}),
        "",
        json.dumps({"id": "e", "text": "x" * 20_001}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "\xff"}\n')
    result = cli("--jsonl", str(source))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 7]  # one answer per line
    assert out[0]["id"] == "a"
    assert out[0]["level"] in ("high", "critical")
    assert out[0]["flags"][0]["evidence"][0]["text"]
    assert "JSON" in out[1]["error"]
    assert out[2]["id"] == "c"
    assert "risk" in out[2]
    assert "text" in out[3]["error"]
    assert "vacía" in out[4]["error"]
    assert "largo" in out[5]["error"]
    assert "UTF-8" in out[6]["error"]
    piped = cli("--jsonl", "-", stdin=lines[0] + "\n")
    assert json.loads(piped.stdout)["id"] == "a"
    missing = cli("--jsonl", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2


def test_cli_check_jsonl_survives_what_editors_and_apps_write(tmp_path: Path) -> None:
    """A byte-order mark (Notepad), half an emoji (an app cut the message), NaN (Python's
    json.dumps writes it), a line far over the limit: an answer or an error for each line, and
    the good lines still checked."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"id": 1, "text": RANSOM}).encode() + b"\n"
        + b'{"id": 2, "text": "tenemos a su hijo \\ud83d deposite ya"}\n'
        + b'{"id": NaN, "text": "hola"}\n'
        + b'{"text": "' + b"a" * 600_000 + b'"}\n'
        + json.dumps({"id": 5, "text": "hola, ya llegamos"}).encode() + b"\n"
    )  # fmt: skip
    result = cli("--jsonl", str(source))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5]
    assert out[0]["id"] == 1
    assert out[0]["level"] in ("high", "critical")
    assert out[1]["id"] == 2
    assert out[1]["level"] in ("high", "critical")
    assert "NaN" in out[2]["error"]
    assert "id" not in out[2]
    assert "larga" in out[3]["error"]
    assert out[4]["id"] == 5
    assert out[4]["level"] == "low"


def test_cli_check_jsonl_keeps_the_id_of_a_line_without_text(tmp_path: Path) -> None:
    """A record without its 'text' (a spreadsheet export named it 'mensaje') lost its id in
    the error, so a volunteer matching answers by id could not tell which record failed."""
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "caso-17", "mensaje": RANSOM})
        + "\n"
        + json.dumps(["text", RANSOM])
        + "\n"
    )
    result = cli("--jsonl", str(source))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"line": 1, "error": "La línea necesita un campo 'text'.", "id": "caso-17"}
    assert "id" not in out[1]


def test_cli_check_shows_message_text_literally_and_emergencies_as_such() -> None:
    """Square brackets in a message are text, not terminal markup; a call for help is not
    shown as "low risk"."""
    result = cli("tenemos a su hijo, deposite [/x] en [bold red]OXXO[/bold red]")
    assert result.returncode == 0, result.stderr
    assert "[/x]" in result.stdout
    assert "[bold red]OXXO[/bold red]" in result.stdout
    help_call = cli("Estamos perdidos en el desierto, sin agua, mi amigo ya no puede caminar")
    assert help_call.returncode == 0, help_call.stderr
    assert "petición de ayuda real" in help_call.stdout
    assert "Riesgo bajo" not in help_call.stdout
    english = cli("We have your son. Pay 2000 dollars today or you will never see him again")
    assert "Red flags" in english.stdout
    assert "Señales" not in english.stdout


def test_api_check_answers_in_one_language_and_documents_its_errors(client: TestClient) -> None:
    """The category's name is in the language of the advice, not of the browser; validation
    errors are translated; the OpenAPI schema describes the problems the API really sends."""
    english = client.post(
        "/api/v1/check",
        json={"text": "We have your son. Pay 2000 dollars today or you will never see him again"},
        headers={"Accept-Language": "fr"},
    ).json()
    assert english["lang"] == "en"
    assert english["category_name"] == "Virtual kidnapping"
    chosen = client.post(
        "/api/v1/check", json={"text": RANSOM, "lang": "pt"}, headers={"Accept-Language": "fr"}
    ).json()
    assert chosen["category_name"] == "Sequestro virtual"
    bad = client.post(
        "/api/v1/check", json={"text": "hola", "lang": "xx", "extra": 1},
        headers={"Accept-Language": "es"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    messages = {e["field"]: e["message"] for e in bad.json()["errors"]}
    assert messages == {
        "lang": "Debe ser uno de estos: es, en, pt, fr.",
        "extra": "Este campo no existe.",
    }
    empty = client.post(
        "/api/v1/check", json={"text": "\u200b "}, headers={"Accept-Language": "es"}
    )
    assert empty.status_code in (400, 422)
    assert "vacío" in empty.json()["detail"]
    broken = client.post(
        "/api/v1/check", content=b"{bad", headers={"Content-Type": "application/json",
                                                   "Accept-Language": "pt"},
    )  # fmt: skip
    assert "não é um JSON válido" in broken.json()["detail"]
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/check"]["post"]["responses"]
    assert {"400", "413", "422", "429"} <= set(responses)
    assert "application/problem+json" in responses["422"]["content"]
    assert "HTTPValidationError" not in json.dumps(schema)
    check = schema["components"]["schemas"]["CheckResponse"]["properties"]["category"]
    assert set(check["enum"]) == set(corpus.CATEGORIES)


def test_a_check_cannot_look_numbers_up_in_bulk(client: TestClient, settings: Settings) -> None:
    """A "message" listing many numbers gets its verdict, but only the first few numbers are
    looked up, and they are paid for from the same budget as GET /api/v1/lookup: once it is
    spent, checks still answer, without the "already reported?" part."""
    budget = int(settings.lookup_rate_limit.split("/")[0])
    numbers = [f"55 {1000 + i:04d} {2000 + i:04d}" for i in range(40)]
    text = "Tenemos a su hijo, deposite o llame a estos números: " + ", ".join(numbers)
    first = client.post("/api/v1/check", json={"text": text, "country": "MX"}).json()
    assert first["level"] in ("high", "critical")
    assert len(first["indicators"]) == verdict_service.MAX_LOOKUPS_PER_CHECK
    assert first["indicators_not_looked_up"] == 40 - verdict_service.MAX_LOOKUPS_PER_CHECK
    spent = verdict_service.MAX_LOOKUPS_PER_CHECK
    while spent + verdict_service.MAX_LOOKUPS_PER_CHECK <= budget:
        client.post("/api/v1/check", json={"text": text, "country": "MX"})
        spent += verdict_service.MAX_LOOKUPS_PER_CHECK
    lookups = [
        client.get("/api/v1/lookup", params={"value": "55 9999 0000"}).status_code
        for _ in range(budget - spent + 1)
    ]
    assert lookups[-1] == 429  # the checks used the look-up budget
    late = client.post("/api/v1/check", json={"text": text, "country": "MX"})
    assert late.status_code == 200
    assert late.json()["indicators"] == []
    assert late.json()["indicators_not_looked_up"] == 40
    page = client.post("/", data={"text": text}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "40 números o cuentas más del mensaje no se consultaron" in page.text


UNREAD = "我们抓了你的儿子，马上付钱"  # "we took your son, pay now": a language it cannot read


def test_a_message_it_cannot_read_is_not_called_low_risk(client: TestClient) -> None:
    """Found by QA: the steps said "verify, do not pay", but the heading still said "Riesgo
    bajo · 5 %" above them, which a family reads as "safe"."""
    page = client.post("/", data={"text": UNREAD}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Un idioma que no sabemos leer" in page.text
    assert "Riesgo bajo" not in page.text
    assert "Riesgo de extorsión" not in page.text
    shown = cli(UNREAD)
    assert shown.returncode == 0, shown.stderr
    assert "Un idioma que no sabemos leer" in shown.stdout
    assert "Riesgo bajo" not in shown.stdout
    assert "Riesgo de extorsión" not in shown.stdout


def test_past_the_limit_the_page_keeps_the_pasted_message(
    client: TestClient, settings: Settings
) -> None:
    """Found by QA: a shelter's shared connection reaches the anonymous limit, and the plain
    "too many requests" page lost the message a mother had pasted."""
    limit = int(settings.anonymous_rate_limit.split("/")[0])
    for _ in range(limit):
        assert client.post("/", data={"text": "hola"}, headers={"Accept": "text/html"}).is_success
    text = "Tenemos a su hijo <b>deposite</b> hoy"
    page = client.post("/", data={"text": text}, headers={"Accept": "text/html"})
    assert page.status_code == 429
    assert int(page.headers["retry-after"]) >= 1
    assert "Tenemos a su hijo &lt;b&gt;deposite&lt;/b&gt; hoy</textarea>" in page.text
    assert 'role="alert"' in page.text
    assert "Demasiados intentos. Vuelva a intentarlo en" in page.text


def test_an_unknown_country_code_is_said_not_ignored(client: TestClient) -> None:
    """Found by QA: "--country México" or "ZZ" silently gave the generic "where to report"."""
    answer = client.post("/api/v1/check", json={"text": "hola", "country": "ZZ"})
    assert answer.status_code == 422
    assert "ZZ" in answer.json()["detail"]
    assert client.post("/api/v1/check", json={"text": "hola", "country": "gt"}).status_code == 200
    wrong = cli("hola", "--country", "México")
    assert wrong.returncode == 2
    assert "Código de país desconocido: México" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_cli_check_jsonl_names_a_folder_as_a_folder(tmp_path: Path) -> None:
    """Found by QA: ``--jsonl /tmp`` said "no such file" of a folder that exists."""
    folder = cli("--jsonl", str(tmp_path))
    assert folder.returncode == 2
    assert f"{tmp_path} es una carpeta, no un archivo." in folder.stderr
    missing = cli("--jsonl", str(tmp_path / "nada.jsonl"))
    assert missing.returncode != 0
    assert "No existe el archivo" in missing.stderr or "nada.jsonl" in missing.stderr
