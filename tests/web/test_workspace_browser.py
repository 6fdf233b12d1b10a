"""A clean start in headless Chromium: from an empty database to invitations in the mailbox.

Only the first administrator is made outside the page; the rest is what a new
coordinator does on the page: create a programme, import a staff list (one bad row seen,
fixed, imported), define two metrics and an action item, create and trigger a cycle, and
read the invitations and update requests in the dev mailbox. The workers and the dev mail
catcher run for real; every page visited passes axe-core's WCAG 2 A and AA rules.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from models import CaughtMail, Person, Programme, User
from tests import services
from tests.browser import assert_accessible, chromium, serve
from tests.web.pages import PASSWORD
from workers.dev import catcher

#: Where the screenshot of the mailbox goes, for a person to look at.
SCREENSHOT = Path("/tmp/tandem-clean-start.png")

#: The staff list as a spreadsheet exported it: semicolons, CRLF, Windows-1252, a bad address.
STAFF_WITH_A_MISTAKE = (
    "Name;E-mail;Timezone;Department;Role\r\n"
    "John Smith;john@example.org;America/New_York;HR;stakeholder\r\n"
    "Maria López;maria@example.org;Europe/Madrid;Finance;stakeholder\r\n"
    "Ken Ito;ken(at)example.org;Asia/Tokyo;Operations;stakeholder\r\n"
)

#: The same list with the address fixed.
STAFF = STAFF_WITH_A_MISTAKE.replace("ken(at)example.org", "ken@example.org")

#: Emails the trigger sends: an invitation and an update request to each of three people.
TRIGGERED = 6


@pytest.fixture
def clean_start(db, redis_worker, tmp_path):
    """An empty database with its first administrator, the app served
    with its dev mailbox, a dev mail catcher taking Tandem's mail and a worker delivering it."""
    from web import create_app
    from web.auth import create_user
    from workers import settings as settings_mod

    controller = catcher.make_controller(services.free_port())
    controller.start()
    app = create_app(
        {
            "DATABASE_URL": settings_mod.get().database_url,
            "SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "DEV_MAILBOX": "1",
            "IMPORT_DIR": str(tmp_path / "imports"),
        }
    )
    assert Programme.select().count() == 0 and User.select().count() == 0
    # What `flask --app web admin create` does (README, "Start with an empty database").
    create_user("ada@example.org", "Ada Admin", PASSWORD, role="admin")
    try:
        with serve(app) as base_url:
            yield base_url
    finally:
        controller.stop()


def _csv(content: str) -> dict:
    return {"name": "staff.csv", "mimeType": "text/csv", "buffer": content.encode("cp1252")}


def _caught(count: int, timeout: float = 30) -> list[CaughtMail]:
    """Wait until the catcher holds ``count`` messages; return them."""
    deadline = time.monotonic() + timeout
    while CaughtMail.select().count() < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return list(CaughtMail.select().order_by(CaughtMail.id))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_new_administrator_runs_a_first_cycle_from_an_empty_database(clean_start):
    from playwright.sync_api import expect

    base_url = clean_start
    session_day = dt.date.today() + dt.timedelta(days=10)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base_url}/")
        assert_accessible(page)
        page.fill("#email", "ada@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Programmes")
        assert_accessible(page)

        # 1. Create a programme
        page.get_by_role("link", name="New programme").click()
        assert_accessible(page)
        page.fill("#name", "Retention review 2027")
        page.fill("#timezone", "Europe/London")
        page.fill("#description", "Follow-up reviews of the retention action plan.")
        page.fill("#reminder_hours", "48")
        page.get_by_role("button", name="Create programme").click()
        expect(page.locator("h1")).to_have_text("Retention review 2027")
        expect(page.locator("#timings")).to_contain_text("48 hours before the deadline")
        assert_accessible(page)

        # 2. Upload the staff list: a bad row is shown by its line, fixed, and imported
        page.get_by_role("link", name="Import people").click()
        assert_accessible(page)
        page.set_input_files("#file", _csv(STAFF_WITH_A_MISTAKE))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.locator("#bad-rows")).to_contain_text("4")
        expect(page.locator("#bad-rows")).to_contain_text("bad email syntax: 'ken(at)example.org'")
        expect(page.locator("#count-created")).to_have_text("2")
        assert_accessible(page)
        assert Person.select().where(Person.email == "john@example.org").count() == 0
        page.set_input_files("#file", _csv(STAFF))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.locator("#count-created")).to_have_text("3")
        expect(page.locator("#bad-rows")).to_have_count(0)
        page.get_by_role("button", name="Import 3 new and 0 updated").click()
        expect(page.locator(".flash")).to_contain_text("created 3, updated 0, unchanged 0")
        expect(page.locator("#people")).to_contain_text("Maria López")
        assert_accessible(page)

        # 3. Two metrics and an action item
        page.get_by_role("link", name="Retention review 2027").click()
        page.get_by_role("link", name="Metrics").click()
        for name, unit, baseline, target, direction, owner in (
            ("Retention rate", "%", "70", "85", "up", "John Smith"),
            ("Time to hire", "days", "60", "30", "down", "Maria López"),
        ):
            page.fill("#name", name)
            page.fill("#unit", unit)
            page.fill("#baseline", baseline)
            page.fill("#target", target)
            page.select_option("#direction", direction)
            page.select_option("#owner", label=f"{owner} <{owner.split()[0].lower()}@example.org>")
            page.get_by_role("button", name="Add metric").click()
            expect(page.locator("#metrics")).to_contain_text(name)
        assert_accessible(page)
        page.get_by_role("link", name="Retention review 2027").click()
        page.get_by_role("link", name="Open action items").click()
        page.fill("#title", "Draft the exit interview script")
        page.select_option("#owner", label="John Smith <john@example.org>")
        page.fill("#due_date", (session_day - dt.timedelta(days=3)).isoformat())
        page.get_by_role("button", name="Add item").click()
        expect(page.locator("#items")).to_contain_text("Draft the exit interview script")
        assert_accessible(page)
        page.get_by_role("link", name="Draft the exit interview script").click()
        expect(page.locator("table.trail")).to_contain_text("added an action item")
        assert_accessible(page)

        # 4. Create and trigger a cycle
        page.get_by_role("link", name="Retention review 2027").click()
        page.get_by_role("link", name="New cycle").click()
        assert_accessible(page)
        page.fill("#title", "Retention follow-up #1")
        page.fill("#starts_at", f"{session_day.isoformat()}T15:00")
        page.fill("#ends_at", f"{session_day.isoformat()}T16:00")
        page.get_by_role("button", name="Create cycle").click()
        expect(page.locator("h1")).to_have_text("Retention follow-up #1")
        page.get_by_role("button", name="Trigger").click()
        expect(page.locator(".flash")).to_contain_text(f"{TRIGGERED} emails queued")
        expect(page.locator("#cycle-status")).to_have_text("triggered")
        assert_accessible(page)

        # 5. The invitations and update requests arrive in the dev mailbox
        caught = _caught(TRIGGERED + 1)  # and the action item's assignment before them
        subjects = [mail.subject for mail in caught]
        assert sum(s.startswith("Invitation: Retention follow-up #1") for s in subjects) == 3
        assert (
            sum(s.startswith("Progress update for Retention follow-up #1") for s in subjects) == 3
        )
        page.get_by_role("link", name="Dev mailbox").click()
        mailbox = page.locator("table.mailbox")
        for address in ("john@example.org", "maria@example.org", "ken@example.org"):
            row = mailbox.locator("tr", has_text=address)
            expect(row.filter(has_text="Invitation: Retention follow-up #1")).to_have_count(1)
            expect(row.filter(has_text="Progress update for Retention follow-up #1")).to_have_count(
                1
            )
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.locator("tr", has_text="ken@example.org").get_by_role(
            "link", name="Invitation: Retention follow-up #1"
        ).click()
        expect(page.locator("pre.calendar")).to_contain_text("METHOD:REQUEST")
        assert_accessible(page)
