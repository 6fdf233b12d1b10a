"""A survey's form, reached by a signed link from the survey email: no login.

The link is the only key: it names one person's answer to one survey, so the form shows and
changes that answer and nothing else. A forged or changed link gives 404, an expired one 410,
each with a page that says so; a client that keeps trying bad links is slowed down like one
guessing passwords (``workers.accounts.throttle``).
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request

from web.auth import client, throttled
from workers.accounts import throttle
from workers.tracking import survey_links
from workers.tracking.surveys import COMMENT_PROMPT, SurveyError, apply_answer, questions

bp = Blueprint("survey_form", __name__, url_prefix="/survey")

#: Longest comment the form takes.
MAX_COMMENT = 4000


@bp.after_request
def _private(response):
    # The link is a key: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(response, values: dict, saved=None, status: int = 200):
    survey = response.survey
    return (
        render_template(
            "web/tracking/survey_form.html",
            survey=survey,
            person=response.person,
            programme=survey.programme,
            questions=questions(survey, survey.programme.name),
            comment_prompt=COMMENT_PROMPT[survey.kind],
            values=values,
            saved=saved,
            max_comment=MAX_COMMENT,
        ),
        status,
    )


def _read_scores(form, asked: list[dict]) -> tuple[dict[str, int], list[str]]:
    scores, problems = {}, []
    for q in asked:
        text = form.get(q["name"], "").strip()
        if not text:
            continue
        if text.isdigit() and q["low"] <= int(text) <= q["high"]:
            scores[q["name"]] = int(text)
        else:
            problems.append(f"Choose a number from {q['low']} to {q['high']}: {q['text']}")
    return scores, problems


@bp.route("/<token>", methods=("GET", "POST"))
def answer(token: str):
    """Show a person's survey, or take their answer."""
    wait = throttle.wait_seconds(client())
    if wait:
        return throttled("web/tracking/survey_link.html", wait, error="")
    try:
        response = survey_links.read_token(token)
    except survey_links.SurveyLinkError as exc:
        throttle.record_failure(client())
        status = 410 if isinstance(exc, survey_links.ExpiredSurveyLinkError) else 404
        return render_template("web/tracking/survey_link.html", error=str(exc)), status
    current = {
        "satisfaction": response.satisfaction,
        "nps": response.nps,
        "comment": response.comment,
    }
    if request.method == "GET":
        return _page(response, current)
    asked = questions(response.survey, response.survey.programme.name)
    scores, problems = _read_scores(request.form, asked)
    comment = request.form.get("comment", "")[:MAX_COMMENT]
    typed = {**scores, "comment": comment}
    if problems:
        for problem in problems:
            flash(problem)
        return _page(response, typed, status=400)
    try:
        recorded = apply_answer(response, scores, comment, "form")
    except SurveyError:
        flash("Please choose a number or write a comment.")
        return _page(response, typed, status=400)
    return _page(response, {**current, **typed}, saved=recorded)
