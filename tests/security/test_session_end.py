"""An old session cookie is worth nothing once its session ended: not for reading a page,
not for a form it had the token of, and not after a password reset by email.

(Logout and a password change on the page: test_sessions.py.)
"""

from __future__ import annotations

import re

import pytest

from models import OutboundEmail, PasswordReset, Programme
from tests import logins
from tests.logins import csrf_token
from tests.web.pages import PASSWORD, make_login

#: The reset link in the email.
LINK_RE = re.compile(r"(/auth/reset\?token=[^\s\"'<>]+)")


@pytest.fixture
def cora(app, db):
    """Cora, coordinator of a programme, logged in; and a copy of her cookie."""
    programme = Programme.create(name="Retention", kind="followup", timezone="Europe/London")
    make_login("cora@example.org", "Cora", programme=programme)
    client = app.test_client()
    assert logins.login(client, "cora@example.org", PASSWORD).status_code == 302
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    return client, stolen, programme


def test_a_form_posted_with_an_ended_sessions_cookie_and_token_changes_nothing(cora):
    client, stolen, programme = cora
    # Given the copy holds a valid form token of the session
    token = csrf_token(stolen, f"/programmes/{programme.id}/edit")
    # When Cora logs out
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    # Then the copy's form, with its token, goes to the login page and renames nothing
    answer = stolen.post(
        f"/programmes/{programme.id}/edit",
        data={"csrf_token": token, "name": "Hijacked", "timezone": "UTC"},
    )
    assert answer.status_code in (302, 400)
    if answer.status_code == 302:
        assert answer.headers["Location"].startswith("/auth/login")
    assert Programme.get_by_id(programme.id).name == "Retention"


def test_a_password_reset_by_email_ends_every_session(cora, app):
    client, stolen, _ = cora
    # Given Cora asks for a reset link from another browser
    browser = app.test_client()
    logins.post_form(browser, "/auth/forgot", {"email": "cora@example.org"})
    sent = OutboundEmail.get(OutboundEmail.kind == "password-reset")
    link = LINK_RE.search(str(sent.ctx)).group(1)
    # When she chooses a new password through it
    browser.get(link)
    new = "a completely new passphrase"
    answer = logins.post_form(
        browser, "/auth/reset", {"password": new, "confirm": new}, page="/auth/reset"
    )
    assert answer.status_code == 302
    assert PasswordReset.get().used_at is not None
    # Then her old sessions, and the copy of the cookie, open nothing
    for old in (client, stolen):
        page = old.get("/")
        assert page.status_code == 302 and page.headers["Location"].startswith("/auth/login")
    # And the browser she reset from is logged in
    assert browser.get("/").status_code == 200
