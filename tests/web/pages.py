"""Helpers for the page tests: log in and post forms the way a browser does, CSRF included."""

from __future__ import annotations

import re

from models import Membership, Person, Programme
from web.auth import create_user

#: The password of every login these tests create.
PASSWORD = "a long enough password"

#: The CSRF token in a page's forms.
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_login(
    email: str, name: str, role: str = "coordinator", programme: Programme | None = None
):
    """Create a login; with ``programme``, its person coordinates that programme."""
    user = create_user(email, name, PASSWORD, role=role)
    if programme is not None:
        person = Person.by_email(email) or Person.create(name=name, email=email)
        user.person = person
        user.save()
        Membership.get_or_create(programme=programme, person=person, role="coordinator")
    return user


def log_in(client, email: str) -> None:
    """Log ``client`` in through the login form."""
    page = client.get("/auth/login").get_data(as_text=True)
    token = TOKEN_RE.search(page).group(1)
    response = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def token(client, path: str = "/") -> str:
    """Return the CSRF token of the logged-in client's session."""
    found = TOKEN_RE.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def post(client, path: str, data: dict | None = None, **kwargs):
    """Post a form to ``path`` with the session's CSRF token."""
    form = dict(data or {})
    form["csrf_token"] = token(client)
    return client.post(path, data=form, **kwargs)


def text(response) -> str:
    """Return a response's body as text."""
    return response.get_data(as_text=True)
