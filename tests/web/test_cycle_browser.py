"""The coordinator in headless Chromium: create, trigger, watch replies, read the summary."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from models import Membership, OutboundEmail, Person, Programme, clock
from tests.browser import chromium, serve
from tests.followup.test_followup_e2e import gmail_reply
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build

#: Where the screenshot of the cycle page goes, for a person to look at.
SCREENSHOT = Path("/tmp/tandem-cycle.png")

PASSWORD = "a long enough password"


@pytest.fixture
def live_server(db):
    """The web app on the test database, served by werkzeug in a thread."""
    from web import create_app
    from web.auth import create_user
    from workers import settings as settings_mod

    app = create_app({"DATABASE_URL": settings_mod.get().database_url})
    programme = Programme.create(name="Retention review", timezone="Europe/London")
    cora = Person.create(name="Cora", email="cora@example.org")
    Membership.create(programme=programme, person=cora, role="coordinator")
    user = create_user("cora@example.org", "Cora", PASSWORD)
    user.person = cora  # her login stands for the programme's coordinator
    user.save()
    for name, address, role in (
        ("Fay Facilitator", "fay@example.org", "facilitator"),
        ("John Smith", "john@example.org", "stakeholder"),
        ("Maria Lopez", "maria@example.org", "stakeholder"),
    ):
        person = Person.create(name=name, email=address)
        Membership.create(programme=programme, person=person, role=role)
    with serve(app) as base_url:
        yield base_url, programme


def answer(person_email: str, kind: str, text: str) -> str:
    """Reply from Gmail to the email of ``kind`` sent to ``person_email``; return the status."""
    row = (
        OutboundEmail.select()
        .where((OutboundEmail.to_addr == person_email) & (OutboundEmail.kind == kind))
        .get()
    )
    sent = email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)
    stored, _ = inbound_store.store_raw(gmail_reply(sent, person_email, text), "smtp")
    return inbound_worker.process(stored.id)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_it_runs_a_cycle_from_the_browser(live_server):
    from playwright.sync_api import expect

    from workers.followup.summary import send_summary

    base_url, programme = live_server
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base_url}/auth/login")
        page.fill("#email", "cora@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        # Given the programme page, the coordinator sets up a cycle
        page.goto(f"{base_url}/programmes/{programme.id}")
        page.get_by_role("link", name="New cycle").click()
        page.fill("#title", "Retention follow-up #1")
        page.fill("#starts_at", "2026-11-10T15:00")
        page.fill("#ends_at", "2026-11-10T14:00")
        page.fill("#metrics", "Retention rate | % | john@example.org | 70 | 85 | up")
        page.get_by_role("button", name="Create cycle").click()
        # A mistake is explained, and fixed
        expect(page.locator(".flash")).to_contain_text("must end after it starts")
        page.fill("#ends_at", "2026-11-10T16:00")
        page.get_by_role("button", name="Create cycle").click()
        expect(page.locator("h1")).to_have_text("Retention follow-up #1")
        # When the coordinator triggers it
        page.get_by_role("button", name="Trigger").click()
        expect(page.locator(".flash")).to_contain_text("4 emails queued")
        expect(page.locator("#cycle-status")).to_have_text("triggered")
        # And John answers from Gmail
        assert answer("john@example.org", "update-request", "Retention rate: 78") == "applied"
        page.reload()
        row = page.locator("#stakeholders tr", has_text="John Smith")
        expect(row).to_contain_text("answered")
        expect(page.locator("svg.chart circle")).to_have_count(1)
        # Then, after the session, the notes go in on the page and the summary goes out
        clock.freeze(dt.datetime(2026, 11, 10, 17, 0))
        page.fill("#notes-text", "Decision: keep the weekly call\n- Survey @Maria by 2026-12-01")
        page.get_by_role("button", name="Record notes").click()
        expect(page.locator(".flash").first).to_contain_text("1 action items created")
        clock.freeze(dt.datetime(2026, 11, 11, 16, 0))
        assert send_summary(programme.cycles.get().id) > 0
        page.reload()
        summary = page.locator("#summary")
        expect(summary).to_contain_text("keep the weekly call")
        expect(summary).to_contain_text("Survey — Maria Lopez, due 2026-12-01")
        expect(summary).to_contain_text("No progress report from: Maria Lopez")
        page.screenshot(path=str(SCREENSHOT), full_page=True)
