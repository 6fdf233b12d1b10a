"""A programme's progress dashboard: figures, weekly engagement, the at-risk list, CSV exports.

Nested under the programmes blueprint (``/programmes/<id>/tracking``). Every figure comes
from ``workers.tracking.dashboard`` (aggregated in the database); the filters narrow them
to a cohort, a department, a mentor's mentees and a period.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, render_template, request

from models import Cohort, Membership, MentoringGroup, Person, Programme, clock
from models.tracking import PARTICIPANT_ROLE, RATING_KINDS
from web import tracking_reports
from web.access import programme_or_404
from web.auth import login_required
from workers.reports import recognition
from workers.reports.charts import line_chart
from workers.reports.series import engagement_series
from workers.tracking import dashboard, export
from workers.tracking.scope import Scope

bp = Blueprint("tracking", __name__, url_prefix="/<int:programme_id>/tracking")
bp.register_blueprint(tracking_reports.bp)

#: Longest filter value read from the query string.
MAX_FIELD = 200

#: The tables a CSV export can name.
TABLES = ("headline", "engagement", "at_risk")

#: How the rating kinds are labelled on the page.
RATING_LABELS = {
    "self_assessment": "Self-assessment",
    "satisfaction": "Satisfaction",
    "mentor_rating": "Mentor rating",
}


def filter_options(programme: Programme) -> dict[str, list[tuple]]:
    """Return the cohorts, departments and mentors a programme's filters offer."""
    cohorts = Cohort.select().where(Cohort.programme == programme).order_by(Cohort.name)
    departments = (
        Membership.select(Membership.department)
        .where(
            (Membership.programme == programme)
            & (Membership.role == PARTICIPANT_ROLE)
            & (Membership.department != "")
        )
        .distinct()
        .order_by(Membership.department)
    )
    mentors = (
        Person.select(Person.id, Person.name)
        .join(MentoringGroup, on=(MentoringGroup.mentor == Person.id))
        .where(MentoringGroup.programme == programme)
        .group_by(Person.id, Person.name)
        .order_by(Person.name)
    )
    return {
        "cohort": [("", "All cohorts")] + [(c.id, c.name) for c in cohorts],
        "department": [("", "All departments")] + [(m.department,) * 2 for m in departments],
        "mentor": [("", "All mentors")] + [(p.id, p.name) for p in mentors],
    }


def read_scope(programme: Programme, args, options: dict) -> tuple[Scope, dict, dict]:
    """Return the Scope the query string asks for, the values typed and errors by field."""
    typed = {k: args.get(k, "")[:MAX_FIELD].strip() for k in ("cohort", "department", "mentor")}
    typed |= {k: args.get(k, "")[:MAX_FIELD].strip() for k in ("start", "end")}
    errors: dict[str, str] = {}
    chosen: dict = {}
    for name, word in (("cohort", "cohort"), ("department", "department"), ("mentor", "mentor")):
        if not typed[name]:
            continue
        known = {str(key): key for key, *_ in options[name] if key != ""}
        if typed[name] not in known:
            errors[name] = f"Choose a {word} of this programme."
        else:
            chosen[name] = known[typed[name]]
    for name in ("start", "end"):
        if typed[name]:
            try:
                chosen[name] = dt.datetime.combine(dt.date.fromisoformat(typed[name]), dt.time())
            except ValueError:
                errors[name] = "Give a date as YYYY-MM-DD."
    if "end" in chosen:
        chosen["end"] += dt.timedelta(days=1)  # the end day is included
    if "start" in chosen and "end" in chosen and chosen["end"] <= chosen["start"]:
        errors["end"] = "The period must end on or after its first day."
    scope = Scope(
        programme.id,
        cohort_id=chosen.get("cohort"),
        department=chosen.get("department"),
        mentor_id=chosen.get("mentor"),
        start=chosen.get("start"),
        end=chosen.get("end"),
    )
    return scope, typed, errors


def engagement_charts(weeks: list[dict]) -> list:
    """Return the weekly engagement charts: events, and participants active, per week."""
    return [
        (series, line_chart(series, f"chart-{key}", width=520))
        for key, series in engagement_series(weeks)
    ]


def _summary(programme_id: int) -> tuple[Programme, dict, dict, dict, dict | None]:
    programme = programme_or_404(programme_id)
    options = filter_options(programme)
    scope, typed, errors = read_scope(programme, request.args, options)
    summary = None if errors else dashboard.summary(scope)
    return programme, options, typed, errors, summary


@bp.route("")
@login_required
def show(programme_id: int):
    """Show the programme's progress figures for the chosen filters."""
    programme, options, typed, errors, summary = _summary(programme_id)
    shout_outs = recognition.shout_outs(programme.id, clock.now())
    page = render_template(
        "web/tracking/dashboard.html",
        programme=programme,
        options=options,
        values=typed,
        errors=errors,
        summary=summary,
        tables=export.tables(summary) if summary else None,
        charts=engagement_charts(summary["engagement"]) if summary else [],
        rating_labels=RATING_LABELS,
        rating_kinds=RATING_KINDS,
        query=_query(typed),
        shout_outs=shout_outs,
        shout_out_rows=tracking_reports.shout_out_rows(shout_outs),
        report_schedule=tracking_reports.schedule_of(programme.id),
    )
    return page, 400 if errors else 200


@bp.route("/<name>.csv")
@login_required
def csv(programme_id: int, name: str):
    """Download one of the dashboard's tables as CSV, for the same filters."""
    if name not in TABLES:
        abort(404)
    programme, _, _, errors, summary = _summary(programme_id)
    if errors:
        abort(400)
    text = export.to_csv(export.tables(summary)[name])
    filename = f"tandem-{programme.id}-{name.replace('_', '-')}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _query(typed: dict) -> dict:
    """Return the filters set, to carry into the CSV links."""
    return {k: v for k, v in typed.items() if v}
