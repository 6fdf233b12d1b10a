"""The account pages in headless Chromium pass axe-core's WCAG 2 A and AA rules, errors shown."""

from __future__ import annotations

import pytest

from models import Programme
from tests.browser import axe_violations, chromium, serve
from tests.web.test_accounts import NEW_PASSWORD, PASSWORD, coordinator_of, emailed_link
from web import create_app
from workers import settings as settings_mod


@pytest.fixture
def programme(db):
    return Programme.create(name="Prefects 2026", kind="mentoring")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_account_pages_pass_axe_in_a_browser_errors_included(db, programme):
    # Given Cora, who coordinates the programme, in a real browser
    coordinator_of(programme, "cora@example.org", "Cora Ordinator")
    app = create_app({"DATABASE_URL": settings_mod.get().database_url})
    with serve(app) as base_url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        checked = []

        def check(what: str) -> None:
            checked.append((what, axe_violations(page)))

        page.goto(f"{base_url}/auth/login")
        check("login")
        page.fill("#email", "cora@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        # When she invites someone without a name, then with one
        page.goto(f"{base_url}/programmes/{programme.id}/coordinators")
        page.fill("#email", "nia@example.org")
        page.get_by_role("button", name="Send invitation").click()
        check("coordinators, with an error beside the name")
        page.fill("#name", "Nia Newcomer")
        page.get_by_role("button", name="Send invitation").click()
        check("coordinators, with an invitation")
        # And changes her password with a mistake
        page.goto(f"{base_url}/account/password")
        page.fill("#current", "wrong")
        page.fill("#password", NEW_PASSWORD)
        page.fill("#confirm", NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        check("password, with an error beside the current one")
        # Then Nia's invitation opens in another browser, and a mistake there shows too
        nia = browser.new_page(viewport={"width": 375, "height": 800})
        link = emailed_link("coordinator-invite", "nia@example.org")
        nia.goto(base_url + link[link.index("/auth/") :])
        nia.fill("#password", "short")
        nia.fill("#confirm", "short")
        nia.get_by_role("button", name="Join").click()
        page = nia
        check("invitation, with an error beside the password")
        page.goto(f"{base_url}/auth/forgot")
        check("forgotten password")
        page.goto(f"{base_url}/auth/reset?token=made-up")
        check("reset, with a link that does not work")
    assert [(what, found) for what, found in checked if found] == []
    assert len(checked) == 7
