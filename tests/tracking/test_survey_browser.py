"""The survey form, the survey pages and the objectives page in headless Chromium, at phone
width, each passing the accessibility rules."""

from __future__ import annotations

import pytest

from models import SurveyResponse, clock
from tests.browser import assert_accessible, chromium, serve
from tests.tracking.builders import day, events, participant, programme
from tests.web.pages import PASSWORD, make_login
from workers.tracking import objectives, survey_links
from workers.tracking.surveys import create_survey, send_survey


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_participant_answers_and_a_coordinator_reads_it_in_chromium(app, db):
    # Given a survey sent to Ann and Bo, and an objective on satisfaction
    clock.freeze(day(0))
    prog = programme()
    ann, _ = participant(prog, "Ann"), participant(prog, "Bo")
    survey = create_survey(prog, "Mid-programme check-in")
    send_survey(survey)
    events(prog, ann, "satisfaction", [-7], 3)
    objectives.create_objective(
        prog,
        objectives.read_objective(
            {
                "name": "Happy",
                "metric": "satisfaction",
                "target": "4.5",
                "target_date": "2027-03-31",
            }
        ),
    )
    make_login("cora@example.org", "Cora", programme=prog)
    response = SurveyResponse.get(SurveyResponse.person == ann.id)
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        # When Ann opens her link, picks 4 and 9 and writes a comment
        token = survey_links.make_token(response.id, ann.id)
        page.goto(f"{base}/survey/{token}")
        assert_accessible(page)
        page.check("#q-satisfaction input[value='4']")
        page.check("#q-nps input[value='9']")
        page.fill("#comment", "More practice with real assemblies, please.")
        page.click("#submit-answer")
        # Then she is thanked, with what was kept
        assert "Recommend: 9" in page.inner_text("#saved")
        assert_accessible(page)
        # And the coordinator sees the answer on the survey's page, and the objectives
        page.goto(f"{base}/auth/login")
        page.fill("#email", "cora@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base}/programmes/{prog.id}/surveys")
        assert "50%" in page.inner_text("#surveys")
        assert_accessible(page)
        page.click(f"text={survey.title}")
        assert "1 promoters" in page.inner_text("#figures")
        assert "real assemblies" in page.inner_text("#comments")
        assert_accessible(page)
        page.goto(f"{base}/programmes/{prog.id}/objectives")
        assert page.locator("svg.chart").count() == 1
        assert_accessible(page)
