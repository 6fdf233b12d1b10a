"""Reports from the dashboard: the programme report PDF, shout-outs, the personal-report
schedule, the ``tracking report`` command, and the download in a browser."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest

from models import Badge, Programme, ReportSchedule, clock
from tests.browser import assert_accessible, chromium, serve
from tests.reports.report_data import HOSTILE, NOW, pdf_text, workshop
from tests.tracking.builders import T0
from tests.web.pages import PASSWORD, log_in, make_login, post, text
from workers.reports import recognition


@pytest.fixture
def world(db):
    clock.freeze(NOW)
    return workshop()


@pytest.fixture
def coordinator(client, world):
    """The client logged in as the workshop's coordinator."""
    make_login("cora@example.org", "Cora", programme=world["programme"])
    log_in(client, "cora@example.org")
    return client


def _path(world, tail: str = "") -> str:
    return f"/programmes/{world['programme'].id}/tracking{tail}"


def test_the_programme_report_downloads_as_a_pdf(coordinator, world):
    # When the coordinator downloads the programme report
    response = coordinator.get(_path(world, "/reports/programme.pdf"))
    # Then it is a PDF attachment whose text has the programme's figures
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    content = pdf_text(response.data)
    assert "Programme report: Workshop" in content and "Participants 2" in content
    assert "2 of 4 assignments submitted" in content


def test_the_programme_report_covers_the_dashboard_s_filters(coordinator, world):
    # Given the dashboard filtered to the first week, whose report link carries the filters
    first, last = T0.date().isoformat(), (T0 + dt.timedelta(days=7)).date().isoformat()
    page = text(coordinator.get(_path(world, f"?start={first}&end={last}")))
    link = re.search(r'id="programme-report" href="([^"]+)"', page).group(1)
    assert "for these filters" in page
    # When the coordinator downloads it
    response = coordinator.get(html.unescape(link))
    # Then it covers that week: one assignment was due, for two people
    content = pdf_text(response.data)
    assert f"Covering: period {first} to {last}" in content
    assert "1 of 2 assignments submitted" in content
    # And a filter that is not one of the programme's is refused
    bad = coordinator.get(_path(world, "/reports/programme.pdf?cohort=999"))
    assert bad.status_code == 400


def test_shout_outs_show_on_the_dashboard_and_download(coordinator, world):
    # Given Zoë's badges, awarded now
    recognition.award(world["programme"].id, NOW)
    # When the dashboard is shown
    page = text(coordinator.get(_path(world)))
    # Then her shout-outs are listed, her name escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Zoë" in page and "<script>alert" not in page
    assert "First submission" in page and "Goal reached" in page
    # And the CSV has the same rows
    rows = list(
        csv.reader(io.StringIO(text(coordinator.get(_path(world, "/reports/shout-outs.csv")))))
    )
    assert rows[0] == ["name", "department", "badge", "detail", "awarded_at"]
    assert {(r[0], r[2]) for r in rows[1:]} == {
        (HOSTILE, "First submission"),
        (HOSTILE, "Goal reached"),
    }


def test_the_schedule_is_set_from_the_dashboard(coordinator, world):
    # When the coordinator asks for reports every 3 weeks, then types nonsense
    post(coordinator, _path(world, "/reports/schedule"), {"every_weeks": "3", "to_team": "1"})
    row = ReportSchedule.get(ReportSchedule.programme == world["programme"].id)
    assert row.every_weeks == 3 and row.to_team
    response = post(coordinator, _path(world, "/reports/schedule"), {"every_weeks": "often"},
                    follow_redirects=True)  # fmt: skip
    # Then the first is kept, and the second explained
    assert "Give a whole number of weeks." in text(response)
    assert ReportSchedule.get_by_id(row.id).every_weeks == 3
    assert "every 3 weeks" in text(coordinator.get(_path(world)))


def test_another_coordinator_gets_404(client, world):
    make_login("olga@example.org", "Olga", programme=Programme.create(name="Hers", kind="x"))
    log_in(client, "olga@example.org")
    for tail in ("/reports/programme.pdf", "/reports/shout-outs.csv"):
        assert client.get(_path(world, tail)).status_code == 404
    assert post(client, _path(world, "/reports/schedule"), {"every_weeks": "1"}).status_code == 404
    assert Badge.select().count() == 0 and ReportSchedule.select().count() == 0


def test_the_report_command_writes_the_pdf_with_progress(runner, world, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        args=["tracking", "report", str(world["programme"].id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Programme report: Workshop" in pdf_text(out.read_bytes())
    assert "3/3" in result.stderr  # the progress bar's last step
    missing = runner.invoke(args=["tracking", "report", "999999", "--out", str(out)])
    assert missing.exit_code != 0 and "no programme with id 999999" in missing.output


def test_the_report_downloads_in_chromium(app, world):
    make_login("cora@example.org", "Cora", programme=world["programme"])
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{base}/auth/login")
        page.fill("#email", "cora@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base + _path(world))
        with page.expect_download() as download:
            page.click("#programme-report")
        path = download.value.path()
        assert download.value.suggested_filename.endswith("-programme-report.pdf")
        with open(path, "rb") as handle:
            assert "Programme report: Workshop" in pdf_text(handle.read())
        page.fill("#every_weeks", "2")
        with page.expect_navigation():
            page.click("#report-schedule button[type=submit]")
        assert "Personal reports every 2 weeks." in page.inner_text("body")
        assert_accessible(page)
