"""Pages through a real HTTP client: language, CSRF, log-in, escaping, rate limits."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from amparo.accounts.models import Role
from amparo.settings import Settings
from tests import factories

HTML = {"Accept": "text/html"}


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "form has no CSRF field"
    return match.group(1)


def login(client: TestClient, email: str, password: str) -> Any:
    form = client.get("/login", headers=HTML)
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(form.text),
            "next": "/dashboard",
        },
        headers=HTML,
        follow_redirects=False,
    )


def test_home_and_login_are_spanish_by_default(client: TestClient) -> None:
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    assert '<html lang="es">' in home.text
    assert "¿Es extorsión?" in home.text
    page = client.get("/login", headers=HTML)
    assert "Iniciar sesión" in page.text
    assert page.headers["content-language"] == "es"


def test_language_switch_and_accept_language(client: TestClient) -> None:
    assert "Se connecter" in client.get("/login", headers={**HTML, "Accept-Language": "fr"}).text
    switched = client.get("/lang/pt?next=/login", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert "Entrar" in client.get("/login", headers=HTML).text
    away = client.get("/lang/en?next=https://evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/"


def test_login_flow_and_dashboard(client: TestClient, db: Session) -> None:
    org = factories.org(db, name="Casa <b>Refugio</b>")
    person = factories.user(db, org, role=Role.ADMIN, email="admin@example.org")
    db.commit()
    response = login(client, "admin@example.org", factories.PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    dashboard = client.get("/dashboard", headers=HTML)
    assert dashboard.status_code == 200
    assert person.display_name in dashboard.text
    assert "Casa &lt;b&gt;Refugio&lt;/b&gt;" in dashboard.text
    out = client.post(
        "/logout",
        data={"csrf_token": csrf_from(dashboard.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert out.status_code == 303
    again = client.get("/dashboard", headers=HTML, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


def test_wrong_password_says_so_without_saying_which(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    factories.user(db, org, email="someone@example.org")
    db.commit()
    wrong = login(client, "someone@example.org", "not the password")
    unknown = login(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "El correo electrónico o la contraseña no son correctos."
    assert message in wrong.text
    assert message in unknown.text


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    factories.user(db, org, email="csrf@example.org")
    db.commit()
    client.get("/login", headers=HTML)
    for token in ["", "forged"]:
        response = client.post(
            "/login",
            data={"email": "csrf@example.org", "password": factories.PASSWORD, "csrf_token": token},
            headers=HTML,
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "Recargue la página" in response.text
        assert "amparo_session" not in response.headers.get("set-cookie", "")


def test_travellers_cannot_open_the_staff_dashboard(client: TestClient, db: Session) -> None:
    factories.user(db, None, role=Role.FAMILY, email="family@example.org")
    db.commit()
    assert login(client, "family@example.org", factories.PASSWORD).status_code == 303
    assert client.get("/dashboard", headers=HTML).status_code == 403


def test_login_is_rate_limited(client: TestClient, settings: Settings, db: Session) -> None:
    limit = int(settings.login_rate_limit.split("/")[0])
    statuses = [
        login(client, "victim@example.org", f"guess number {i}").status_code
        for i in range(limit + 2)
    ]
    assert statuses[:limit] == [401] * limit
    assert statuses[-1] == 429


def test_error_pages_are_html_for_browsers(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No encontrado" in page.text
    assert "Traceback" not in page.text


def test_anonymous_rate_limit_dependency(client: TestClient, settings: Settings) -> None:
    from fastapi import FastAPI

    from amparo.web.deps import AnonymousLimit

    app = client.app
    assert isinstance(app, FastAPI)

    @app.get("/api/v1/_limited", dependencies=[AnonymousLimit], include_in_schema=False)
    def limited() -> dict[str, bool]:
        return {"ok": True}

    limit = int(settings.anonymous_rate_limit.split("/")[0])
    codes = [client.get("/api/v1/_limited").status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit
    assert codes[-1] == 429
    last = client.get("/api/v1/_limited")
    assert int(last.headers["retry-after"]) >= 1


def test_a_signed_in_persons_language_applies_unless_this_browser_chose_one(
    client: TestClient, db: Session
) -> None:
    """The QA audit's ``create-user --language pt`` signing in from an English browser: their
    pages are in Portuguese; ``?lang`` and the language switch still win, and the device goes
    back to its own language once they sign out."""
    from amparo.accounts import service as accounts_service

    org = factories.org(db)
    dana = accounts_service.create_user(
        session=db,
        org=org,
        email="dana@example.org",
        display_name="Dana",
        role=Role.ANALYST,
        password=factories.PASSWORD,
        language="pt",
    )
    db.commit()
    english = {**HTML, "Accept-Language": "en-US,en;q=0.9"}
    assert '<html lang="en">' in client.get("/login", headers=english).text
    login(client, dana.email, factories.PASSWORD)
    for url in ("/reportes", "/dashboard", "/redes", "/"):
        page = client.get(url, headers=english)
        assert page.status_code == 200, url
        assert '<html lang="pt">' in page.text, url
        assert page.headers["content-language"] == "pt"
    assert "Painel" in client.get("/dashboard", headers=english).text
    missing = client.get("/redes/999999", headers=english)  # an error page too
    assert (missing.status_code, missing.headers["content-language"]) == (404, "pt")
    checked = client.post("/", data={"text": " "}, headers=english)
    assert "A mensagem está vazia." in checked.text  # its error message too
    assert '<html lang="fr">' in client.get("/reportes?lang=fr", headers=english).text
    client.get("/lang/en?next=/reportes", headers=english)  # the switch: this browser chose
    assert '<html lang="en">' in client.get("/reportes", headers=english).text
    client.cookies.delete("amparo_lang")
    dashboard = client.get("/dashboard", headers=english)
    assert '<html lang="pt">' in dashboard.text
    client.post("/logout", data={"csrf_token": csrf_from(dashboard.text)}, headers=english)
    assert '<html lang="en">' in client.get("/login", headers=english).text
