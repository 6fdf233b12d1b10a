"""Coordinator login: hashed passwords, cookies, CSRF, logout, rate limit, safe redirects."""

from __future__ import annotations

import re

import pytest

from models import Membership, Programme, User
from web.auth import create_user
from workers.accounts.passwords import person_for

EMAIL = "coord@example.org"
PASSWORD = "correct horse battery staple"

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/auth/login") -> str:
    """Return the CSRF token from a page's form."""
    page = client.get(path)
    found = TOKEN_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client, email: str = EMAIL, password: str = PASSWORD, next_url: str | None = None):
    """Post the login form the way a browser does, CSRF token included."""
    path = "/auth/login" + (f"?next={next_url}" if next_url is not None else "")
    token = csrf_token(client, path)
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def user(db):
    return create_user(EMAIL, "Cora Ordinator", PASSWORD)


def test_it_stores_only_a_password_hash(user):
    stored = User.get_by_id(user.id).password_hash
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_it_logs_in_and_shows_the_programmes(client, user):
    # Given a programme she coordinates (a coordinator sees only those)
    programme = Programme.create(name="Prefects 2026", kind="mentoring")
    Membership.create(programme=programme, person=person_for(user), role="coordinator")
    # When the coordinator logs in
    response = login(client)
    # Then they land on the programmes page, which lists it
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Prefects 2026" in page.get_data(as_text=True)


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/programmes/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (EMAIL, "wrong"),
        ("nobody@example.org", PASSWORD),
        ("", ""),
        (EMAIL, ""),
        (EMAIL.upper(), "wrong"),
        ("<script>alert(1)</script>", PASSWORD),
    ],
)
def test_it_refuses_bad_credentials(client, user, email, password):
    response = login(client, email, password)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Incorrect email or password." in body
    assert "<script>alert(1)</script>" not in body
    assert client.get("/").status_code == 302


def test_it_accepts_the_email_in_any_case(client, user):
    assert login(client, "  " + EMAIL.upper() + " ").status_code == 302


def test_it_sets_safe_session_cookie_flags(client, user):
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # BASE_URL is http in tests


def test_it_marks_the_cookie_secure_behind_https(db, user):
    from web import create_app
    from workers import settings as settings_mod

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": settings_mod.get().database_url,
            "BASE_URL": "https://tandem.example.org",
        }
    )
    cookie = login(app.test_client()).headers["Set-Cookie"]
    assert "Secure" in cookie


def test_it_rejects_a_post_without_csrf_token(client, user):
    response = client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_it_logs_out_only_by_post_with_csrf(client, user):
    # Given a logged-in coordinator
    login(client)
    assert client.get("/").status_code == 200
    # When logout is tried by GET or without a token, nothing happens
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200
    # Then a proper logout form ends the session
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_it_locks_a_client_guessing_many_addresses(client, user):
    for n in range(20):
        login(client, f"guess{n}@example.org", "wrong")
    assert "Too many failed attempts" in login(client).get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/programmes/7", "/programmes/7"),
        ("/devmail/?page=2", "/devmail/?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/%5Cevil.example/", "/%5Cevil.example/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        ("evil.example", "/"),
    ],
)
def test_it_redirects_only_within_the_site(client, user, next_url, location):
    from urllib.parse import quote

    response = login(client, next_url=quote(next_url, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == location
