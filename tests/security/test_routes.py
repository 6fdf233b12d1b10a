"""Every route of the app, found by walking its URL map: login required, CSRF on every POST.

A new route is checked the day it is added; one that must be public (a signed link, the
login page itself) has to be named in ``PUBLIC`` below, where a reviewer sees it.
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_auth import login
from web.auth import create_user

#: Endpoints anyone may reach: the login and account-recovery pages, forms behind a signed
#: link (the link's signature is their check), the inbound endpoint (its bearer secret) and
#: static files.
PUBLIC = {
    "auth.login",
    "auth.logout",
    "accounts.forgot",
    "accounts.reset",
    "accounts.accept",
    "assessment_form.answer",
    "material_link.open_material",
    "survey_form.answer",
    "inbound.mime",
    "static",
}

#: POST endpoints that answer machines, not forms, and authenticate another way.
NOT_FORMS = {"inbound.mime"}

#: Values for the URL parameters, by converter.
SAMPLE = {"int": "1", "default": "abc", "path": "x.css", "bounded": "1"}


def _routes(app) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, path with sample values) for every rule of the app."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(
            r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
            lambda m: SAMPLE.get(m.group(1) or "default", "1"),
            rule.rule,
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return sorted(found)


@pytest.fixture
def nocsrf_client(app):
    """A client of the same app with CSRF checks off, to reach the login check behind them."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True


def test_every_private_route_sends_a_visitor_to_the_login_page(app, nocsrf_client):
    checked = 0
    for endpoint, method, path in _routes(app):
        if endpoint in PUBLIC:
            continue
        response = nocsrf_client.open(path, method=method)
        assert response.status_code in (302, 401, 403, 404), (endpoint, method, response.status)
        if response.status_code == 302:
            location = response.headers["Location"]
            assert location.startswith("/auth/login"), (endpoint, method, location)
        checked += 1
    assert checked >= 30  # the walk really found the app's pages


def test_every_form_post_needs_a_csrf_token(app, client):
    # Given a logged-in administrator (who may see everything)
    create_user("root@example.org", "Root", "correct horse battery staple", role="admin")
    login(client, "root@example.org", "correct horse battery staple")
    posts = [(e, p) for e, m, p in _routes(app) if m == "POST" and e not in NOT_FORMS]
    assert len(posts) >= 20
    # When each form is posted without its token, it is refused before anything happens
    for endpoint, path in posts:
        response = client.post(path, data={})
        assert response.status_code == 400, (endpoint, response.status)
