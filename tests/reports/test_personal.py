"""Personal progress reports: their figures on hand-checked data, the PDF and the email."""

from __future__ import annotations

import pytest

from tests.reports.report_data import HOSTILE, NOW, pdf_text, workshop
from workers.outbound.render import render
from workers.reports import personal, personal_view


@pytest.fixture
def world(db):
    return workshop()


def reports_of(world) -> dict[str, dict]:
    ids = [world["zoe"].id, world["bob"].id]
    return {r["person"]["email"]: r for r in personal.reports(world["programme"], ids, NOW)}


def test_it_counts_each_section_in_the_database(world):
    # Given the workshop on day 21
    # When the reports are built
    got = reports_of(world)
    zoe, bob = got["zoe@example.org"], got["bob@example.org"]
    # Then Zoë did 2 of the 2 assignments due, one on time, with one still to come
    assert zoe["assignments"] == {
        "set": 2,
        "submitted": 2,
        "on_time": 1,
        "overdue": 0,
        "upcoming": 1,
        "completion_rate": 1.0,
        "on_time_rate": 0.5,
    }
    assert zoe["attendance"] == {"attended": 3, "absent": 1, "rate": 0.75}
    assert zoe["ratings"]["satisfaction"] == 4.5
    # 2 submissions + 3 attendances + 2 replies are engagement; satisfaction answers are not
    assert zoe["ratings"]["events"] == 7 and sum(w["events"] for w in zoe["weeks"]) == 7
    assert [g["text"] for g in zoe["goals"]] == ["Lead assembly", "Run a club"]
    assert zoe["feedback"][0]["feedback"] == "Clear plan" and zoe["feedback"][0]["score"] == 8
    # And Bob has two overdue assignments and no goals
    assert bob["assignments"]["overdue"] == 2 and bob["assignments"]["completion_rate"] == 0
    assert bob["attendance"]["rate"] == 0 and bob["goals"] == []


def test_the_pdf_opens_again_with_the_names_and_numbers(world):
    # Given Zoë's report
    report = reports_of(world)["zoe@example.org"]
    # When it is drawn as a PDF and read back
    text = pdf_text(personal_view.render_pdf(report))
    # Then the name prints as written, markup and all, with her figures and her chart
    assert HOSTILE in text
    assert "2 of 2 due so far; 0 overdue, 1 still to come" in text
    assert "75%" in text and "3 sessions attended, 1 missed" in text
    assert "4.5 / 5" in text and "Lead assembly" in text and "Clear plan" in text
    assert "Engagement per week" in text


def test_the_email_escapes_what_people_typed(world):
    # Given Zoë's report as the email's values
    ctx = personal_view.email_ctx(reports_of(world)["zoe@example.org"], for_team=True)
    # When the team's copy is rendered
    subject, text, html = render("report-personal", {**ctx, "recipient_name": "Mia"})
    # Then the name is escaped in the HTML, and plain in the text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Zoë" in html
    assert HOSTILE in text and HOSTILE in subject
    assert "Assignments done: 100%" in text and "Clear plan" in text
    assert ctx["attached_files"] == [f"progress-{world['zoe'].id}-{NOW.date()}.pdf"]
