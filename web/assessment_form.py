"""The needs questionnaire's form, reached by a signed link from the email: no login.

The link is the only key: it names one assessment, so the form shows and changes that
mentee's answers and nothing else. A forged link gives 404, an expired one 410, and a
client that keeps sending bad links is told to wait (429).
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request

from models import MentorProfile
from web.auth import client, throttled
from workers.accounts import throttle
from workers.mentoring.assessment import (
    MAX_ANSWER,
    QUESTIONS,
    apply_answers,
    read_link_token,
)
from workers.mentoring.errors import AssessmentLinkError, ExpiredLinkError, UnreadableAnswersError

bp = Blueprint("assessment_form", __name__, url_prefix="/assessment")


@bp.after_request
def _private(response):
    # The link is a key: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _current(assessment) -> dict[str, str]:
    """Return the answers the form starts with: what the mentee's profile says now."""
    profile = (
        MentorProfile.select()
        .where(
            (MentorProfile.programme == assessment.programme_id)
            & (MentorProfile.person == assessment.person_id)
        )
        .order_by(MentorProfile.id)
        .first()
    )
    if profile is None:
        return {}
    return {name: getattr(profile, name) or "" for name, _, _ in QUESTIONS}


def _page(assessment, values: dict, saved=None, status: int = 200):
    return (
        render_template(
            "web/mentoring/assessment_form.html",
            assessment=assessment,
            person=assessment.person,
            programme=assessment.programme,
            questions=QUESTIONS,
            values=values,
            saved=saved,
            max_answer=MAX_ANSWER,
        ),
        status,
    )


@bp.route("/<token>", methods=("GET", "POST"))
def answer(token: str):
    """Show the questionnaire, or take its answers."""
    # A client that keeps trying bad links is slowed like one guessing passwords; the
    # mentee's own link from another address is not.
    wait = throttle.wait_seconds(client())
    if wait:
        return throttled("web/mentoring/assessment_link.html", wait, error="")
    try:
        assessment = read_link_token(token)
    except AssessmentLinkError as exc:
        throttle.record_failure(client())
        status = 410 if isinstance(exc, ExpiredLinkError) else 404
        return render_template("web/mentoring/assessment_link.html", error=str(exc)), status
    if request.method == "GET":
        return _page(assessment, _current(assessment))
    values = {name: request.form.get(name, "")[:MAX_ANSWER] for name, _, _ in QUESTIONS}
    try:
        applied = apply_answers(assessment, values, "form")
    except UnreadableAnswersError as exc:
        for problem in exc.problems or ["Please answer at least one question."]:
            flash(problem)
        return _page(assessment, values, status=400)
    for problem in applied.problems:
        flash(problem)
    current = _current(assessment)
    shown = {**values, **{name: current.get(name, "") for name in applied.fields}}
    return _page(assessment, shown, saved=applied.recorded)
