"""A programme's surveys: send one, see response rates, satisfaction, NPS and comments.

Under ``/programmes/<id>/surveys``, for the programme's coordinators (``web.access``). The
same page sets the weekly budget of optional emails and when the programme ends, which
schedules the long-term impact survey.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from models import Survey
from models.surveys import SURVEY_QUESTIONS
from web.access import programme_or_404
from web.auth import login_required
from workers.tracking import budget, impact, survey_results
from workers.tracking.surveys import SurveyError, create_survey, send_survey

bp = Blueprint("surveys", __name__, url_prefix="/programmes/<int:programme_id>/surveys")

#: How the scored questions are named on the page.
QUESTION_LABELS = {"satisfaction": "Satisfaction (1-5)", "nps": "Recommendation (NPS, 0-10)"}


def _page(programme, errors: dict | None = None, values: dict | None = None, status=200):
    plan = impact.plan_for(programme.id)
    return (
        render_template(
            "web/tracking/surveys.html",
            programme=programme,
            surveys=survey_results.programme_surveys(programme.id),
            question_labels=QUESTION_LABELS,
            questions=SURVEY_QUESTIONS,
            per_week=budget.per_week(programme),
            max_per_week=budget.MAX_PER_WEEK,
            plan=plan,
            programme_end=impact.programme_end(programme.id),
            impact_due=impact.impact_due(programme.id),
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


@bp.route("")
@login_required
def index(programme_id: int):
    """List the programme's surveys with their figures."""
    return _page(programme_or_404(programme_id))


@bp.route("", methods=("POST",))
@login_required
def create(programme_id: int):
    """Create a survey and ask every participant (within their weekly budget)."""
    programme = programme_or_404(programme_id)
    title = request.form.get("title", "")[:200]
    asks = tuple(q for q in SURVEY_QUESTIONS if request.form.get(f"ask_{q}"))
    try:
        survey = create_survey(programme, title, asks)
    except SurveyError as exc:
        return _page(programme, {"title": str(exc)}, request.form, 400)
    sent = send_survey(survey)
    flash(
        f"Survey sent to {sent['now']} participant{'s' if sent['now'] != 1 else ''} now"
        + (f"; {sent['later']} later, when their week has room." if sent["later"] else "."),
        "ok",
    )
    return redirect(url_for("surveys.show", programme_id=programme.id, survey_id=survey.id))


@bp.route("/<int:survey_id>")
@login_required
def show(programme_id: int, survey_id: int):
    """Show one survey's figures and its comments."""
    programme = programme_or_404(programme_id)
    survey = Survey.get_or_none((Survey.id == survey_id) & (Survey.programme == programme.id))
    if survey is None:
        abort(404)
    figures = next(
        s for s in survey_results.programme_surveys(programme.id) if s["id"] == survey.id
    )
    return render_template(
        "web/tracking/survey.html",
        programme=programme,
        survey=survey,
        figures=figures,
        comments=survey_results.comments(survey.id),
        question_labels=QUESTION_LABELS,
    )


def _read_plan(form) -> tuple[dict, dict]:
    errors, values = {}, {}
    for name, low, high in (("per_week", 1, budget.MAX_PER_WEEK), ("impact_months", 1, 36)):
        text = form.get(name, "").strip()
        if not text.isdigit() or not low <= int(text) <= high:
            errors[name] = f"Give a whole number from {low} to {high}."
        else:
            values[name] = int(text)
    ends = form.get("ends_on", "").strip()
    try:
        values["ends_on"] = dt.date.fromisoformat(ends) if ends else None
    except ValueError:
        errors["ends_on"] = "Give a date as YYYY-MM-DD."
    return values, errors


@bp.route("/plan", methods=("POST",))
@login_required
def plan(programme_id: int):
    """Save the weekly budget of optional emails and the programme's end."""
    programme = programme_or_404(programme_id)
    values, errors = _read_plan(request.form)
    if errors:
        return _page(programme, errors, request.form, 400)
    budget.set_per_week(programme, values["per_week"])
    due = impact.save_plan(programme, values["ends_on"], values["impact_months"])
    when = f" The impact survey goes on {due:%Y-%m-%d}." if due else ""
    flash("Saved." + when, "ok")
    return redirect(url_for("surveys.index", programme_id=programme.id))
