"""End to end in headless Chromium: log in, see the programmes, read the dev mailbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests import services
from tests.browser import chromium, serve

#: Where the screenshot of the mailbox goes, for a person to look at.
SCREENSHOT = Path("/tmp/tandem-devmail.png")


@pytest.fixture
def live_server(db, tmp_path):
    """The web app with the dev mailbox on, served by werkzeug in a thread."""
    from web import create_app
    from workers import settings as settings_mod
    from workers.dev import demo

    app = create_app(
        {"DATABASE_URL": settings_mod.get().database_url, "DEV_MAILBOX": "1"},
    )
    demo.load()
    login = demo.ensure_coordinator(tmp_path / "password")
    with serve(app) as base_url:
        yield base_url, login


@pytest.fixture
def caught_mail(db):
    """A dev mail catcher that has caught one message over SMTP."""
    from workers.dev import catcher

    controller = catcher.make_controller(services.free_port())
    controller.start()
    msg = EmailMessage()
    msg["From"] = "Tandem <tandem@tandem.test>"
    msg["To"] = "Amira Haddad <amira.haddad@example.org>"
    msg["Reply-To"] = "reply+demo@tandem.test"
    msg["Subject"] = "Your progress update for the follow-up review"
    msg["Message-ID"] = "<browser-1@tandem.test>"
    msg.set_content("Hello Amira,\nPlease reply with your progress.\n")
    msg.add_alternative(
        "<p>Hello <b>Amira</b>,</p><p>Please reply with your progress.</p>"
        "<script>parent.document.title = 'pwned'; alert('pwned');</script>",
        "html",
    )
    with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as conn:
        conn.send_message(msg)
    controller.stop()
    return msg["Subject"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_it_logs_in_and_reads_the_dev_mailbox(live_server, caught_mail):
    from playwright.sync_api import expect

    from workers.dev import demo

    base_url, (email, password) = live_server
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        # Given the login page
        page.goto(f"{base_url}/")
        expect(page).to_have_url(f"{base_url}/auth/login?next=/")
        # When the coordinator logs in
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        # Then the programmes page lists the demo programme
        expect(page.locator("h1")).to_have_text("Programmes")
        expect(page.get_by_role("link", name=demo.FOLLOWUP_NAME)).to_be_visible()
        # And the dev mailbox shows the caught mail, which opens
        page.get_by_role("link", name="Dev mailbox").click()
        page.get_by_role("link", name=caught_mail).click()
        expect(page.locator("h1")).to_have_text(caught_mail)
        expect(page.locator("pre.mail")).to_contain_text("Please reply with your progress.")
        frame = page.frame_locator("iframe.mail-html")
        expect(frame.locator("b")).to_have_text("Amira")
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        # And the script in the mail's HTML did not run
        assert dialogs == []
        assert "pwned" not in page.title()
