"""Sessions end on the server: at logout, at a password change, and a copied cookie with them
(issue 12, item 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.sessions import SecureCookieSessionInterface

from models import OutboundEmail, User, UserSession, clock
from tests import logins
from tests.logins import csrf_token
from web.auth import SESSION_KEY, create_user
from workers.accounts import sessions

EMAIL = "coord@example.org"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def user(db):
    return create_user(EMAIL, "Cora Ordinator", PASSWORD)


def copy_of(app, client):
    """Return a second client (another browser) carrying a copy of ``client``'s cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def logged_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def login(client, password: str = PASSWORD):
    return logins.login(client, EMAIL, password)


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    form = {"current": current, "password": new, "confirm": new}
    return logins.post_form(client, "/account/password", form)


def test_it_ends_the_session_on_the_server_at_logout(app, client, user):
    # Given a logged-in coordinator whose cookie someone copied
    assert login(client).status_code == 302
    stolen = copy_of(app, client)
    assert logged_in(stolen)
    # When the coordinator logs out
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    # Then the copy gets the login page too
    response = stolen.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert UserSession.select().count() == 0


def test_a_password_change_ends_every_other_session(app, client, user):
    # Given the coordinator logged in on two browsers, and a copy of the first one's cookie
    login(client)
    second = app.test_client()
    login(second)
    stolen = copy_of(app, client)
    assert logged_in(second) and logged_in(stolen)
    # When they change their password on the first
    response = change_password(client)
    assert response.status_code == 302
    # Then the first stays logged in, on a new session; the others are out
    assert logged_in(client)
    assert not logged_in(second)
    assert not logged_in(stolen)
    assert UserSession.select().count() == 1
    # And the new password works, the old one does not
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert login(app.test_client()).status_code == 200


def test_a_password_change_tells_the_user_by_email(client, user):
    login(client)
    change_password(client)
    sent = OutboundEmail.get(OutboundEmail.kind == "password-changed")
    assert sent.to_addr == EMAIL
    assert sent.ctx["forgot_url"].endswith("/auth/forgot")


def test_a_forged_cookie_naming_a_user_gets_the_login_page(app, user):
    # Given a cookie signed with the app's key that says who is logged in, the way Flask's
    # own sessions did: anyone who knows the key can write one
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = app.test_client()
    forged.set_cookie("session", serializer.dumps({"user_id": user.id, SESSION_KEY: "guess"}))
    # Then it opens nothing
    assert not logged_in(forged)


def test_the_cookie_holds_a_key_the_database_keeps_only_hashed(client, user):
    login(client)
    with client.session_transaction() as session:
        key = session[SESSION_KEY]
        assert "user_id" not in session
    row = UserSession.get()
    assert len(key) >= 40
    assert key not in row.key_hash
    assert row.user_id == user.id


def test_a_session_ends_after_twelve_hours(client, user):
    login(client)
    row = UserSession.get()
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)
    # Twelve hours on, the row says it has expired: the cookie opens nothing any more
    UserSession.update(expires_at=sessions.wall_clock() - dt.timedelta(seconds=1)).execute()
    assert not logged_in(client)


def test_moving_tandems_clock_does_not_log_the_browser_out(client, user):
    # Tests and demos move programme time by days; a logged-in browser stays logged in
    login(client)
    clock.travel(dt.timedelta(days=9))
    assert logged_in(client)


def test_a_deactivated_login_is_logged_out_at_once(client, user):
    login(client)
    User.update(is_active=False).where(User.id == user.id).execute()
    assert not logged_in(client)


def test_a_wrong_current_password_changes_nothing(app, client, user):
    login(client)
    second = app.test_client()
    login(second)
    response = change_password(client, current="not my password")
    assert response.status_code == 200
    assert "That is not your current password." in response.get_data(as_text=True)
    assert logged_in(client) and logged_in(second)
    assert login(app.test_client()).status_code == 302
