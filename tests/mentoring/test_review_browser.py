"""The coordinator's matching review in headless Chromium: run, swap, lock, re-run, approve."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import GroupMember, MentoringGroup, MentorProfile, OutboundEmail
from tests.browser import chromium, serve
from tests.mentoring.mentoring_data import COORDINATOR, make_programme

#: Where the screenshot of the review page goes, for a person to look at.
SCREENSHOT = Path("/tmp/tandem-matching-review.png")


@pytest.fixture
def live_server(db):
    """The web app on the test database, served by werkzeug in a thread."""
    from web import create_app
    from workers import settings as settings_mod

    world = make_programme()
    # Olga may be matched before orientation, so Cal has a mentor and three pairs show.
    MentorProfile.update(orientation_done=True).where(
        MentorProfile.person == world["people"]["olga@example.org"]
    ).execute()
    app = create_app({"DATABASE_URL": settings_mod.get().database_url})
    with serve(app) as base_url:
        yield base_url, world


def mentor_of(page, mentee: str) -> str:
    return page.locator(f"#pairs tr[data-mentee='{mentee}'] td.mentor").inner_text().split("\n")[0]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_it_reviews_and_approves_a_matching_in_the_browser(live_server):
    from playwright.sync_api import expect

    base_url, world = live_server
    programme = world["programme"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base_url}/auth/login")
        page.fill("#email", COORDINATOR[0])
        page.fill("#password", COORDINATOR[1])
        page.click("button[type=submit]")
        # Given the mentoring page, the coordinator opens the review and runs the matcher
        page.goto(f"{base_url}/programmes/{programme.id}")
        page.locator("#mentoring-link").click()
        expect(page.locator("#mentor-table")).to_contain_text("Olga Newcomer")
        page.screenshot(path=str(SCREENSHOT.with_name("tandem-mentoring.png")), full_page=True)
        page.locator("#review-link").click()
        expect(page.locator(".empty").first).to_contain_text("No proposal yet")
        page.locator("#run-matching").click()
        expect(page.locator(".flash")).to_contain_text("Matching proposed 3 pairs; 1 unmatched.")
        expect(page.locator("#proposal-status")).to_have_text("draft")
        # Each pair shows its score parts and shared hours; the unmatched mentee, why
        ada = page.locator("#pairs tr[data-mentee='ada@example.org']")
        expect(ada).to_contain_text("Maya Mentor")
        expect(ada.locator("td").nth(4)).to_have_text("40.0")  # goals
        expect(ada.locator("td").nth(8)).to_have_text("2.0")  # shared hours a week
        expect(page.locator("#unmatched")).to_contain_text("dee@example.org")
        expect(page.locator("#unmatched")).to_contain_text("no availability given")
        # When the coordinator swaps Ada's and Ben's mentors
        page.locator("#pairs tr[data-mentee='ada@example.org'] input[name=pair]").check()
        page.locator("#pairs tr[data-mentee='ben@example.org'] input[name=pair]").check()
        page.locator("#swap").click()
        expect(page.locator(".flash")).to_contain_text("Mentors swapped; both pairs are locked.")
        assert mentor_of(page, "ada@example.org") == "Noah Mentor"
        assert mentor_of(page, "ben@example.org") == "Maya Mentor"
        expect(page.locator("#pairs tr[data-mentee='ada@example.org']")).to_contain_text("locked")
        # And unlocks Ada's pair, then re-runs: Ben's locked pair stays as it is
        page.locator("#pairs tr[data-mentee='ada@example.org'] button", has_text="unlock").click()
        expect(page.locator(".flash")).to_contain_text("Pair unlocked.")
        page.locator("#rerun").click()
        expect(page.locator(".flash")).to_contain_text("Matched again; locked pairs kept.")
        assert mentor_of(page, "ben@example.org") == "Maya Mentor"
        # The guide is edited on the page and previewed
        page.fill("#guide-text", "Hello {{ recipient }}, meet {{ partner }} in {{ programme }}.")
        page.locator("#save-guide").click()
        expect(page.locator(".flash")).to_contain_text("Guide saved.")
        page.locator("summary", has_text="Preview").click()
        expect(page.locator("#guide-preview")).to_have_text(
            "Hello Alex Example, meet Sam Sample in Prefect Mentoring."
        )
        # Then approves: the pairs are made and everyone is introduced
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#approve").click()
        expect(page.locator(".flash")).to_contain_text("Approved")
        expect(page.locator("#proposal-status")).to_have_text("approved")
        expect(page.locator("#swap")).to_have_count(0)
        page.set_viewport_size({"width": 375, "height": 800})
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert MentoringGroup.select().count() == 3
    members = {(m.group.mentor.email, m.person.email) for m in GroupMember.select()}
    assert ("maya@example.org", "ben@example.org") in members
    intro = OutboundEmail.get(
        (OutboundEmail.kind == "mentoring-introduction")
        & (OutboundEmail.to_addr == "ben@example.org")
    )
    assert intro.ctx["guide"] == "Hello Ben Pupil, meet Maya Mentor in Prefect Mentoring.\n"
