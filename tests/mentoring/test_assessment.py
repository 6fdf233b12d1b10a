"""Needs assessment: the questionnaire email, answers by reply and on the signed form."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from models import Assessment, InboundMessage, MentorProfile, OutboundEmail, clock
from tests.followup.test_followup_e2e import gmail_reply, outlook_reply
from tests.mentoring.mentoring_data import START, make_programme
from workers import settings as settings_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.mentoring import proposals
from workers.mentoring.assessment import (
    LINK_SALT,
    ClockSigner,
    make_link_token,
    send_assessments,
)
from workers.mentoring.assessment_replies import parse_answers
from workers.outbound.delivery import build

#: The form link in the questionnaire's text.
LINK_RE = re.compile(r"https?://\S+/assessment/(\S+)")


@pytest.fixture
def world(db):
    return make_programme()


def sent_to(address: str, kind: str = "mentoring-assessment"):
    row = (
        OutboundEmail.select()
        .where((OutboundEmail.to_addr == address) & (OutboundEmail.kind == kind))
        .order_by(OutboundEmail.id.desc())
        .get()
    )
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def answer(address: str, text: str, compose=gmail_reply) -> str:
    stored, _ = inbound_store.store_raw(compose(sent_to(address), address, text), "smtp")
    return inbound_worker.process(stored.id)


def profile(world, address: str) -> MentorProfile:
    return MentorProfile.get(MentorProfile.person == world["people"][address])


def test_each_mentee_gets_the_questionnaire_once(world):
    programme = world["programme"]
    assert send_assessments(programme) == 4
    assert send_assessments(programme) == 0
    message = sent_to("dee@example.org")
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Prefect Mentoring: a few questions before we find your mentor"
    assert "Goals:" in text and "Availability:" in text and "Asia/Tokyo" in text
    assert "reply+" in str(message["Reply-To"])
    assert LINK_RE.search(text) is not None
    assert "<title>" in message.get_body(("html",)).get_content()


def test_a_reply_updates_the_profile_and_feeds_the_matching(world):
    programme = world["programme"]
    send_assessments(programme)
    status = answer(
        "dee@example.org",
        "Goals: public speaking; Budgets\nFormat: 1:1\nLanguages: English, Japanese\n"
        "Availability: Tue 00:30-02:30\nWed 00:00-02:00",
    )
    assert status == "applied"
    dee = profile(world, "dee@example.org")
    assert dee.goals == "public speaking; Budgets"
    assert (dee.format, dee.languages) == ("one-to-one", "en; ja")
    assert dee.availability == "Tue 00:30-02:30; Wed 00:00-02:00"
    assert dee.needs["source"] == "email" and dee.needs["answers"]["format"] == "one-to-one"
    assessment = Assessment.get(Assessment.person == world["people"]["dee@example.org"])
    assert (assessment.status, assessment.source) == ("answered", "email")
    # Tue 00:30 in Tokyo is Mon 15:30 in London: Dee now shares Maya's Monday afternoon.
    computed = proposals.compute(programme)
    assert {p.mentee: p.mentor for p in computed.result.pairs}["dee@example.org"] == (
        "maya@example.org"
    )
    confirmation = sent_to("dee@example.org", "confirmation").get_body(("plain",)).get_content()
    assert "Format: one-to-one" in confirmation


def test_a_partly_readable_reply_keeps_the_good_answers_and_says_what_was_not(world):
    send_assessments(world["programme"])
    status = answer(
        "ada@example.org", "Format: weekly\nLanguages: French\nI like Mondays", outlook_reply
    )
    assert status == "applied"
    ada = profile(world, "ada@example.org")
    assert (ada.format, ada.languages) == ("one-to-one", "fr")  # format kept as it was
    confirmation = sent_to("ada@example.org", "confirmation").get_body(("plain",)).get_content()
    assert "Languages: fr" in confirmation
    assert "Format: weekly (bad format 'weekly'" in confirmation
    assert "I like Mondays" in confirmation


def test_an_unreadable_reply_is_kept_with_its_reason(world):
    send_assessments(world["programme"])
    assert answer("ben@example.org", "Sounds great, thanks!") == "quarantined"
    row = InboundMessage.select().order_by(InboundMessage.id.desc()).get()
    assert row.reason == "AmbiguousReplyError"
    assert profile(world, "ben@example.org").languages == "en; fr"


def test_a_reply_from_someone_else_changes_nothing(world):
    send_assessments(world["programme"])
    original = sent_to("ben@example.org")
    raw = gmail_reply(original, "mallory@example.net", "Format: group")
    stored, _ = inbound_store.store_raw(raw, "smtp")
    assert inbound_worker.process(stored.id) == "quarantined"
    assert profile(world, "ben@example.org").format == "either"


def test_parse_answers_reads_labels_bullets_and_continuations():
    answers, unread = parse_answers(
        "Hi!\n- goals: hiring\n  budgets\n2) WHEN = Mon 10:00-11:00\nMood: fine\nlater"
    )
    assert answers == {"goals": "hiring; budgets", "availability": "Mon 10:00-11:00"}
    assert unread == ["Hi!", "Mood: fine", "later"]


def form_path(world, address: str) -> str:
    assessment = Assessment.get(Assessment.person == world["people"][address])
    return f"/assessment/{make_link_token(assessment)}"


def test_the_signed_form_needs_no_login_and_updates_the_profile(client, world):
    send_assessments(world["programme"])
    link = LINK_RE.search(sent_to("cal@example.org").get_body(("plain",)).get_content())
    path = f"/assessment/{link.group(1)}"
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Cal Pupil" in body and "Tue 18:00-20:00" in body
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "goals": "public speaking",
            "format": "group",
            "languages": "German; English",
            "availability": "Mon 17:00-19:00",
        },
    )
    assert response.status_code == 200
    assert "Thank you, we recorded" in response.get_data(as_text=True)
    cal = profile(world, "cal@example.org")
    assert (cal.format, cal.languages, cal.availability) == ("group", "de; en", "Mon 17:00-19:00")
    assert cal.needs["source"] == "form"


def test_the_form_shows_bad_answers_and_keeps_what_was_typed(client, world):
    send_assessments(world["programme"])
    path = form_path(world, "cal@example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token.group(1), "availability": "Mondays"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "is not a window like" in body and ">Mondays</textarea>" in body
    assert profile(world, "cal@example.org").availability == "Tue 18:00-20:00"


def test_a_forged_or_tampered_link_is_refused(client, world):
    send_assessments(world["programme"])
    path = form_path(world, "cal@example.org")
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 404
    forged = URLSafeTimedSerializer("not the key", salt="tandem.mentoring.assessment-form")
    assessment = Assessment.get(Assessment.person == world["people"]["cal@example.org"])
    assert (
        client.get(
            f"/assessment/{forged.dumps({'a': assessment.id, 'p': assessment.person_id})}"
        ).status_code
        == 404
    )
    other_purpose = URLSafeTimedSerializer(
        settings_mod.get().secret_key, salt="something else", signer=ClockSigner
    )
    token = other_purpose.dumps({"a": assessment.id, "p": assessment.person_id})
    assert client.get(f"/assessment/{token}").status_code == 404
    assert client.post(f"/assessment/{token}", data={"format": "group"}).status_code in (400, 404)
    assert profile(world, "cal@example.org").format == "either"


def test_an_expired_link_is_refused(client, world):
    send_assessments(world["programme"])
    path = form_path(world, "cal@example.org")
    days = settings_mod.get().reply_token_days
    clock.freeze(START + dt.timedelta(days=days, hours=1))
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_a_link_names_one_mentees_questionnaire(client, world):
    send_assessments(world["programme"])
    cal = Assessment.get(Assessment.person == world["people"]["cal@example.org"])
    serializer = URLSafeTimedSerializer(
        settings_mod.get().secret_key, salt=LINK_SALT, signer=ClockSigner
    )
    # A genuine signature over another mentee's id with Cal's person id is no use.
    mixed = serializer.dumps({"a": cal.id + 1, "p": cal.person_id})
    assert client.get(f"/assessment/{mixed}").status_code == 404


def test_a_link_sent_before_a_key_change_still_works(client, world):
    send_assessments(world["programme"])
    path = form_path(world, "cal@example.org")
    before = settings_mod.get()
    rotated = dataclasses.replace(
        before,
        secret_key="a new key that is long enough to be accepted",
        secret_key_previous=(before.secret_key,),
    )
    settings_mod.configure(rotated)
    try:
        assert client.get(path).status_code == 200
        assert form_path(world, "cal@example.org") != path  # new links use the new key
    finally:
        settings_mod.configure(before)
