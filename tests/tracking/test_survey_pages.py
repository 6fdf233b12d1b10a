"""The survey form a signed link opens without login, and the survey pages coordinators see."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from models import Programme, SurveyResponse, clock
from tests.tracking.builders import day, participant, programme
from tests.web.pages import log_in, make_login, text, token
from workers import settings as settings_mod
from workers.tracking import budget, survey_links
from workers.tracking.survey_links import LINK_SALT, ClockSigner
from workers.tracking.surveys import create_survey, send_survey

#: The CSRF token in a page's form.
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def asked(db):
    """Ann and Bo asked a satisfaction and NPS survey on day 0."""
    clock.freeze(day(0))
    prog = programme()
    ann, bo = participant(prog, "Ann"), participant(prog, "Bo")
    survey = create_survey(prog, "Mid-programme check-in")
    send_survey(survey)
    rows = {r.person_id: r for r in SurveyResponse.select()}
    return {"prog": prog, "survey": survey, "ann": rows[ann.id], "bo": rows[bo.id]}


def link(response: SurveyResponse) -> str:
    return f"/survey/{survey_links.make_token(response.id, response.person_id)}"


def post(client, path: str, form: dict):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={**form, "csrf_token": TOKEN_RE.search(page).group(1)})


def test_the_form_needs_no_login_and_keeps_the_answer(client, asked):
    path = link(asked["ann"])
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "How likely are you to recommend Workshop to a colleague?" in body and "Ann" in body
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = post(client, path, {"satisfaction": "5", "nps": "10", "comment": "Great <b>panels</b>"})
    assert done.status_code == 200
    assert "Thank you, we recorded" in done.get_data(as_text=True)
    assert "&lt;b&gt;panels" in done.get_data(as_text=True)
    kept = SurveyResponse.get_by_id(asked["ann"].id)
    assert (kept.satisfaction, kept.nps, kept.comment, kept.source) == (
        5,
        10,
        "Great <b>panels</b>",
        "form",
    )
    assert SurveyResponse.get_by_id(asked["bo"].id).status == "sent"


def test_the_form_refuses_a_score_out_of_range_and_keeps_nothing(client, asked):
    response = post(client, link(asked["ann"]), {"satisfaction": "9", "comment": "hi"})
    assert response.status_code == 400
    assert "Choose a number from 1 to 5" in response.get_data(as_text=True)
    assert SurveyResponse.get_by_id(asked["ann"].id).status == "sent"


def test_a_tampered_or_forged_link_is_refused_with_a_clear_page(client, asked):
    path = link(asked["ann"])
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    response = client.get(tampered)
    assert response.status_code == 404
    assert "this link is not valid" in response.get_data(as_text=True)
    forged = URLSafeTimedSerializer("not the key", salt=LINK_SALT)
    bad = forged.dumps({"r": asked["ann"].id, "p": asked["ann"].person_id})
    assert client.get(f"/survey/{bad}").status_code == 404
    assert client.post(f"/survey/{bad}", data={"satisfaction": "1"}).status_code in (400, 404)
    assert SurveyResponse.get_by_id(asked["ann"].id).satisfaction is None


def test_an_expired_link_is_refused(client, asked):
    path = link(asked["ann"])
    clock.freeze(day(0) + dt.timedelta(days=settings_mod.get().reply_token_days, hours=1))
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_a_link_answers_for_one_person_only(client, asked):
    # A genuine signature over Bo's answer with Ann's person id is no use.
    serializer = URLSafeTimedSerializer(
        settings_mod.get().secret_key, salt=LINK_SALT, signer=ClockSigner
    )
    mixed = serializer.dumps({"r": asked["bo"].id, "p": asked["ann"].person_id})
    assert client.get(f"/survey/{mixed}").status_code == 404
    # Nor is a link for another purpose signed with the same key.
    other = URLSafeTimedSerializer(settings_mod.get().secret_key, salt="tandem.mentoring.x")
    assert client.get(f"/survey/{other.dumps({'r': 1, 'p': 1})}").status_code == 404


def test_a_client_trying_many_bad_links_is_slowed_down(client, asked):
    for n in range(20):
        assert client.get(f"/survey/bad-{n}").status_code == 404
    response = client.get(link(asked["ann"]))
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_a_link_sent_before_a_key_change_still_works(client, asked):
    path = link(asked["ann"])
    before = settings_mod.get()
    settings_mod.configure(
        dataclasses.replace(
            before,
            secret_key="a new key that is long enough to be accepted",
            secret_key_previous=(before.secret_key,),
        )
    )
    try:
        assert client.get(path).status_code == 200
    finally:
        settings_mod.configure(before)


def test_coordinators_see_rates_nps_and_comments(client, asked):
    survey = asked["survey"]
    post(client, link(asked["ann"]), {"satisfaction": "4", "nps": "9", "comment": "Loved it"})
    post(client, link(asked["bo"]), {"satisfaction": "2", "nps": "3"})
    base = f"/programmes/{asked['prog'].id}/surveys"
    assert client.get(base).status_code == 302  # login first
    make_login("cora@example.org", "Cora", programme=asked["prog"])
    log_in(client, "cora@example.org")
    listing = text(client.get(base))
    assert "Mid-programme check-in" in listing and "100%" in listing
    page = text(client.get(f"{base}/{survey.id}"))
    assert "2 of 2 asked" in page
    assert "1 promoters (9-10), 0 passives (7-8), 1 detractors (0-6)" in page
    assert "Loved it" in page and "3 / 5" in page


def test_another_programmes_coordinator_gets_404(client, asked):
    other = Programme.create(name="Other")
    make_login("olga@example.org", "Olga", programme=other)
    log_in(client, "olga@example.org")
    base = f"/programmes/{asked['prog'].id}/surveys"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{asked['survey'].id}").status_code == 404


def test_the_plan_form_sets_the_budget_and_schedules_the_impact_survey(client, asked):
    make_login("cora@example.org", "Cora", programme=asked["prog"])
    log_in(client, "cora@example.org")
    base = f"/programmes/{asked['prog'].id}/surveys"
    form = {
        "per_week": "3",
        "ends_on": "2027-03-31",
        "impact_months": "6",
        "csrf_token": token(client, base),
    }
    response = client.post(f"{base}/plan", data=form, follow_redirects=True)
    assert "The impact survey goes on 2027-09-30" in text(response)
    assert budget.per_week(asked["prog"]) == 3
    form |= {"per_week": "0", "ends_on": "31/03/2027"}
    bad = client.post(f"{base}/plan", data=form)
    assert bad.status_code == 400
    assert "Give a whole number from 1 to 14" in text(bad) and "YYYY-MM-DD" in text(bad)
    assert budget.per_week(asked["prog"]) == 3
