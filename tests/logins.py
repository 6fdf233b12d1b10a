"""Log in on a Flask test client: through the login form as a browser does, or directly."""

from __future__ import annotations

import re

from web.auth import SESSION_KEY
from workers.accounts.sessions import start_session

#: The CSRF token in a page's form.
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

#: The address the test client connects from unless told otherwise.
HOME = "127.0.0.1"


def csrf_token(client, path: str = "/auth/login", addr: str = HOME, headers=None) -> str:
    """Return the CSRF token from a page's form."""
    page = client.get(path, environ_base={"REMOTE_ADDR": addr}, headers=headers)
    found = TOKEN_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post_form(client, path: str, form: dict, addr: str = HOME, page: str | None = None, **kw):
    """Post ``form`` to ``path`` from ``addr``, with the CSRF token of ``page`` or ``path``."""
    headers = kw.get("headers")
    data = {**form, "csrf_token": csrf_token(client, page or path, addr, headers)}
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": addr}, headers=headers)


def login(client, email: str, password: str, addr: str = HOME, headers=None):
    """Post the login form from client address ``addr`` (with extra request ``headers``)."""
    form = {"email": email, "password": password}
    return post_form(client, "/auth/login", form, addr, headers=headers)


def log_in(client, user) -> str:
    """Start a session for ``user``, put its key in ``client``'s cookie, and return the key."""
    key = start_session(user, HOME, "pytest")
    with client.session_transaction() as session:
        session[SESSION_KEY] = key
        session.permanent = True
    return key
