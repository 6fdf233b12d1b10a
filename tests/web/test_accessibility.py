"""Every page passes axe-core's WCAG 2 A and AA rules, in headless Chromium, with real data.

The demo programmes are loaded and their cycle triggered, so the pages show what a
coordinator sees in use: answers, items, charts, a kept reply, caught mail. Forms are
also checked showing their errors, since an error beside a field must be readable too.
"""

from __future__ import annotations

import pytest

from models import (
    ActionItem,
    CaughtMail,
    Cycle,
    InboundMessage,
    Membership,
    Metric,
    OutboundEmail,
    Person,
    Programme,
)
from tests.browser import assert_accessible, axe_violations, chromium, serve
from tests.web.pages import PASSWORD
from workers.dev import catcher, demo
from workers.followup.trigger import trigger
from workers.outbound.delivery import build

#: A people file with one bad row, for the import preview.
CSV = (
    "Name,Email,Time zone,Role\r\n"
    "Zoe Quinn,zoe@example.org,Europe/Berlin,stakeholder\r\n"
    "Nobody,not-an-address,Europe/Berlin,stakeholder\r\n"
)


@pytest.fixture
def live(db, tmp_path):
    """The app with the dev mailbox, the demo loaded and its cycle triggered, served."""
    from web import create_app
    from web.auth import create_user
    from workers import settings as settings_mod

    app = create_app(
        {
            "DATABASE_URL": settings_mod.get().database_url,
            "DEV_MAILBOX": "1",
            "IMPORT_DIR": str(tmp_path / "imports"),
        }
    )
    demo.load()
    create_user("ada@example.org", "Ada Admin", PASSWORD, role="admin")
    programme = Programme.get(Programme.name == demo.FOLLOWUP_NAME)
    cycle = Cycle.get(Cycle.programme == programme)
    trigger(cycle.id)
    for row in OutboundEmail.select().limit(2):
        catcher.store_caught(build(row).as_bytes(), "tandem@tandem.test", [row.to_addr])
    InboundMessage.create(
        raw=b"From: someone@example.org\r\nSubject: Re: update\r\n\r\nmaybe done\r\n",
        sha256="accessibility-kept",
        sender="someone@example.org",
        subject="Re: update",
        status="quarantined",
        reason="AmbiguousReplyError",
        detail="which item?",
        object_type="cycle",
        object_id=cycle.id,
    )
    with serve(app) as base_url:
        yield app, base_url, programme, cycle


def _pages(app, programme, cycle) -> list[str]:
    """Every page a coordinator opens, as paths."""
    p = f"/programmes/{programme.id}"
    person = Person.select().join(Membership).where(Membership.programme == programme).first()
    item = ActionItem.get(ActionItem.programme == programme)
    metric = Metric.get(Metric.programme == programme)
    message = InboundMessage.get(InboundMessage.status == "quarantined")
    mail = CaughtMail.select().first()
    mentoring = Programme.get(Programme.name == demo.MENTORING_NAME)
    pages = [
        "/",
        "/?archived=1",
        "/programmes/new",
        p,
        f"{p}/edit",
        f"{p}/history",
        f"{p}/people",
        f"{p}/people/new",
        f"{p}/people/{person.id}",
        f"{p}/people/import",
        f"{p}/metrics",
        f"{p}/metrics/{metric.id}",
        f"{p}/items",
        f"{p}/items/{item.id}",
        f"/cycles/new?programme={programme.id}",
        f"/cycles/{cycle.id}",
        f"/cycles/{cycle.id}/session",
        f"/mentoring/{mentoring.id}",
        "/quarantine/",
        f"/quarantine/{message.id}",
        "/devmail/",
        f"/devmail/{mail.id}",
    ]
    # Pages of areas built beside these, where the app serves them
    for endpoint, path in (
        ("coordinators.index", "coordinators"),
        ("programmes.tracking.show", "tracking"),
        ("programmes.learning.show", "learning"),
        ("programmes.interventions.index", "interventions"),
    ):
        if endpoint in app.view_functions:
            pages.append(f"{p}/{path}")
    return pages


def _log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("#email", "ada@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_page_passes_wcag_2_a_and_aa(live):
    app, base_url, programme, cycle = live
    failures = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base_url}/auth/login")
        failures += axe_violations(page)
        _log_in(page, base_url)
        for path in _pages(app, programme, cycle):
            response = page.goto(base_url + path)
            assert response.status == 200, path
            failures += [f"{path}: {line}" for line in axe_violations(page)]
        # Forms showing their errors beside the fields
        page.goto(f"{base_url}/programmes/new")
        page.fill("#name", "")
        page.fill("#timezone", "Mars/Olympus")
        page.get_by_role("button", name="Create programme").click()
        failures += [f"programme form with errors: {line}" for line in axe_violations(page)]
        # The import preview, with a bad row
        page.goto(f"{base_url}/programmes/{programme.id}/people/import")
        page.set_input_files(
            "#file", {"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
        )
        page.get_by_role("button", name="Upload and preview").click()
        assert page.locator("#bad-rows").count() == 1
        failures += [f"import preview: {line}" for line in axe_violations(page)]
        # A phone-sized window
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(f"{base_url}/cycles/{cycle.id}")
        failures += [f"cycle page at 375 px: {line}" for line in axe_violations(page)]
    assert not failures, "\n".join(failures)


def test_the_helper_reports_a_failing_page(db):
    """A page with a grey-on-grey label and an unlabelled field fails: the check has teeth."""
    html = (
        '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>'
        '<p style="color:#bbb;background:#fff">faint</p><input type="text"></main></body></html>'
    )
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(html)
        found = "\n".join(axe_violations(page))
        assert "color-contrast" in found and "label" in found
        with pytest.raises(AssertionError):
            assert_accessible(page)
