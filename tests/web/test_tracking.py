"""The progress dashboard page: figures per filter, CSV exports, permissions, in a browser."""

from __future__ import annotations

import csv
import io

import pytest

from models import Person, Programme, clock
from tests.browser import assert_accessible, chromium, serve
from tests.tracking.test_dashboard import NOW, workshop  # noqa: F401 (a fixture)
from tests.web.pages import PASSWORD, log_in, make_login, text


@pytest.fixture
def coordinator(client, workshop):  # noqa: F811
    """The client logged in as the workshop's coordinator, with the clock at NOW."""
    clock.freeze(NOW)
    make_login("cora@example.org", "Cora", programme=workshop["prog"])
    log_in(client, "cora@example.org")
    return client


def _path(workshop, tail: str = "") -> str:  # noqa: F811
    return f"/programmes/{workshop['prog'].id}/tracking{tail}"


def test_the_page_shows_each_figure_and_the_reasons(coordinator, workshop):  # noqa: F811
    page = text(coordinator.get(_path(workshop)))
    assert "5 of 8 assignments submitted" in page
    assert "62.5%" in page and "60%" in page  # completion, on time
    assert "1 of 4 goals achieved" in page
    assert "1 of 4 participants up to date and attending" in page
    assert "no reply for 6 days" in page
    assert page.count('<svg class="chart"') == 2
    assert "week of 2026-11-02" in page


def test_filters_narrow_the_figures(coordinator, workshop):  # noqa: F811
    page = text(coordinator.get(_path(workshop, "?department=X")))
    assert "4 of 4 assignments submitted" in page
    assert "Nobody is flagged." in page
    page = text(coordinator.get(_path(workshop, f"?cohort={workshop['c2'].id}&end=2026-11-10")))
    assert "0 of 2 assignments submitted" in page  # C and D missed a1


def test_bad_filters_are_explained(coordinator, workshop):  # noqa: F811
    other = Programme.create(name="Other", kind="tracking")
    response = coordinator.get(_path(workshop, "?start=yesterday&cohort=999999&mentor=x"))
    assert response.status_code == 400
    page = text(response)
    assert "Give a date as YYYY-MM-DD." in page and "Choose a cohort" in page
    assert coordinator.get(f"/programmes/{other.id}/tracking").status_code == 404
    assert coordinator.get(_path(workshop, "/secrets.csv")).status_code == 404


def test_every_table_downloads_as_csv_with_the_filters(coordinator, workshop):  # noqa: F811
    Person.update(name="=cmd()").where(Person.id == workshop["c"].id).execute()
    response = coordinator.get(_path(workshop, "/at_risk.csv?department=Y"))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0][0] == "name" and rows[1][0] == "'=cmd()"
    rows = list(csv.reader(io.StringIO(text(coordinator.get(_path(workshop, "/headline.csv"))))))
    assert ["completion rate", "0.625"] in rows
    weeks = list(csv.reader(io.StringIO(text(coordinator.get(_path(workshop, "/engagement.csv"))))))
    assert [r[:3] for r in weeks[1:]] == [
        ["2026-11-02", "3", "6"],
        ["2026-11-09", "2", "3"],
        ["2026-11-16", "3", "3"],
    ]


def test_another_coordinator_gets_404(client, workshop):  # noqa: F811
    make_login("olga@example.org", "Olga", programme=Programme.create(name="Hers", kind="x"))
    log_in(client, "olga@example.org")
    assert client.get(_path(workshop)).status_code == 404
    assert client.get(_path(workshop, "/headline.csv")).status_code == 404


def test_the_dashboard_works_and_is_accessible_in_chromium(app, workshop):  # noqa: F811
    clock.freeze(NOW)
    make_login("cora@example.org", "Cora", programme=workshop["prog"])
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{base}/auth/login")
        page.fill("#email", "cora@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base + _path(workshop))
        page.select_option("#department", "X")
        page.click("#filters button[type=submit]")
        assert "department=X" in page.url
        assert "4 of 4 assignments submitted" in page.inner_text("#headline")
        assert page.locator("svg.chart").count() == 2
        with page.expect_download() as download:
            page.click("#csv-engagement")
        assert download.value.suggested_filename.endswith("-engagement.csv")
        assert_accessible(page)
