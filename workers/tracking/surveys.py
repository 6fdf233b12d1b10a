"""Surveys: satisfaction (1-5) and recommendation (NPS, 0-10) asked of participants by email.

A survey is an optional email: each request takes a place in the person's weekly budget
(``budget.schedule_optional``), so one that does not fit waits for a job at the week with
room. A participant answers by reply (``survey_replies``) or on a form reached by a signed
link (``survey_links``); either way :func:`apply_answer` keeps the scores and the comment,
and a satisfaction score also counts as a tracking event.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from models import Membership, Person, Programme, Survey, SurveyResponse, clock, db
from models.surveys import SURVEY_KINDS, SURVEY_QUESTIONS
from models.tracking import PARTICIPANT_ROLE
from workers import settings as settings_mod
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs
from workers.tracking import budget, engagement, survey_links
from workers.tracking.errors import TrackingError
from workers.tracking.events import record
from workers.tracking.survey_grammar import SCALES

#: The job that sends a request deferred to a later week.
REQUEST_JOB = "tracking.survey_request"

#: Each scored question as the email and the form ask it, with its scale's two ends.
QUESTION_TEXT = {
    "satisfaction": (
        "How satisfied are you with {programme}?",
        "very dissatisfied",
        "very satisfied",
    ),
    "nps": (
        "How likely are you to recommend {programme} to a colleague?",
        "not at all likely",
        "extremely likely",
    ),
}

#: What the reply line for each question starts with, as the email shows it.
REPLY_LABELS = {"satisfaction": "Satisfaction", "nps": "Recommend"}

#: The comment's prompt, by survey kind.
COMMENT_PROMPT = {
    "programme": "Anything you would like to tell us?",
    "impact": "What has changed in your work since the programme? An example helps most.",
}


class SurveyError(TrackingError, ValueError):
    """A survey cannot be made as asked, or an answer holds nothing to keep."""


def questions(survey: Survey, programme_name: str) -> list[dict]:
    """Return the survey's questions as plain values, for the email and the form."""
    asked = []
    for name in survey.questions:
        text, low_words, high_words = QUESTION_TEXT[name]
        low, high = SCALES[name]
        asked.append(
            {
                "name": name,
                "label": REPLY_LABELS[name],
                "text": text.format(programme=programme_name),
                "low": low,
                "high": high,
                "low_words": low_words,
                "high_words": high_words,
            }
        )
    return asked


def create_survey(
    programme: Programme,
    title: str,
    asks: tuple[str, ...] = SURVEY_QUESTIONS,
    kind: str = "programme",
    key: str = "",
) -> Survey:
    """Create a survey (or return the one made before with ``key``)."""
    title = " ".join(title.split())[:200]
    if not title:
        raise SurveyError("a survey needs a title")
    if kind not in SURVEY_KINDS or not asks or set(asks) - set(SURVEY_QUESTIONS):
        raise SurveyError("a survey asks satisfaction, recommendation or both")
    key = key or f"survey:{programme.id}:{clock.now().isoformat()}:{title}"[:250]
    survey, _ = Survey.get_or_create(
        key=key,
        defaults={"programme": programme, "kind": kind, "title": title, "asks": ",".join(asks)},
    )
    return survey


def participants(programme_id: int) -> list[Person]:
    """Return the programme's participants Tandem may email, by name."""
    query = (
        Person.select()
        .join(Membership)
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
        .order_by(Person.name, Person.id)
    )
    return [person for person in query if person.can_receive_email]


def send_survey(survey: Survey, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask every participant not asked yet: now when their week has room, later otherwise.

    Returns how many requests were queued now and how many wait for a later week.
    """
    now = now or clock.now()
    asked = {
        r.person_id
        for r in SurveyResponse.select(SurveyResponse.person).where(
            SurveyResponse.survey == survey.id
        )
    }
    drafts, later = [], 0
    with outbox.transaction():
        for person in participants(survey.programme_id):
            if person.id in asked:
                continue
            ref = f"survey:{survey.id}"
            send_at = budget.schedule_optional(person, survey.programme_id, "survey", now, ref)
            try:
                with db.atomic():
                    response = SurveyResponse.create(
                        survey=survey, programme=survey.programme_id, person=person, send_at=send_at
                    )
            except IntegrityError:  # asked by another click or worker meanwhile
                continue
            if send_at <= now:
                drafts.append(_request(survey, response, person))
            else:
                jobs.schedule(
                    REQUEST_JOB, f"survey-response:{response.id}", send_at, response=response.id
                )
                later += 1
        queue_many(drafts)
        _mark_sent([d.about[1] for d in drafts], now)
    return {"now": len(drafts), "later": later}


def send_request(response_id: int) -> bool:
    """Send a request that waited for room, unless it was answered or sent; tell if it went."""
    response = SurveyResponse.get_or_none(SurveyResponse.id == response_id)
    if response is None or response.status != "scheduled":
        return False
    if not response.person.can_receive_email:  # bounced or deactivated since
        return False
    with outbox.transaction():
        queue_many([_request(response.survey, response, response.person)])
        _mark_sent([response.id], clock.now())
    return True


@jobs.handler(REQUEST_JOB)
def run_send_request(payload: dict) -> None:
    """Send a survey request deferred to this week."""
    send_request(payload["response"])


def _mark_sent(ids: list[int], now: dt.datetime) -> None:
    if ids:
        SurveyResponse.update(status="sent", sent_at=now).where(
            SurveyResponse.id.in_(ids) & (SurveyResponse.status == "scheduled")
        ).execute()


def _request(survey: Survey, response: SurveyResponse, person: Person) -> Draft:
    programme = survey.programme
    asked = questions(survey, programme.name)
    ctx = {
        "programme": programme.name,
        "title": survey.title,
        "kind": survey.kind,
        "questions": asked,
        "example": [f"{q['label']}: {q['high'] - 1}" for q in asked],
        "comment_prompt": COMMENT_PROMPT[survey.kind],
        "form_url": survey_links.form_url(response),
        "days": settings_mod.get().reply_token_days,
    }
    key = f"tracking:survey-response:{response.id}:request"
    return Draft("survey-request", person, ctx, key, ("survey", response.id))


def check_scores(survey: Survey, scores: dict[str, int | None]) -> tuple[dict, list[str]]:
    """Return the scores this survey asks that are in range, and a line for each that is not."""
    good, problems = {}, []
    for name in survey.questions:
        value = scores.get(name)
        if value is None:
            continue
        low, high = SCALES[name]
        if isinstance(value, int) and low <= value <= high:
            good[name] = value
        else:
            problems.append(f"{REPLY_LABELS[name]}: {value} is not from {low} to {high}")
    return good, problems


def apply_answer(
    response: SurveyResponse, scores: dict[str, int | None], comment: str, source: str
) -> list[str]:
    """Keep a person's scores and comment (a later answer replaces what it gives).

    Returns the lines recorded; raises SurveyError when there is nothing to keep.
    """
    good, problems = check_scores(response.survey, scores)
    comment = comment.strip()[:4000]
    if not good and not comment:
        raise SurveyError("; ".join(problems) or "no score and no comment")
    changes = {**good, "status": "answered", "answered_at": clock.now(), "source": source}
    if comment:
        changes["comment"] = comment
    with db.atomic():
        SurveyResponse.update(**changes).where(SurveyResponse.id == response.id).execute()
        if "satisfaction" in good:
            _record_satisfaction(response, good["satisfaction"])
    recorded = [f"{REPLY_LABELS[name]}: {value}" for name, value in good.items()]
    return recorded + (["Comment: " + comment[:200]] if comment else [])


def _record_satisfaction(response: SurveyResponse, score: int) -> None:
    """Count a participant's satisfaction as a tracking event, once per survey.

    ``response`` is the row as it was before this answer: a changed score stays the first.
    """
    ref = f"survey:{response.survey_id}"
    if response.satisfaction is None and engagement.is_participant(
        response.programme_id, response.person_id
    ):
        record(response.programme_id, response.person_id, "satisfaction", value=score, ref=ref)
