"""A programme's progress dashboard: figures, weekly engagement, the at-risk list, CSV exports.

Nested under the programmes blueprint (``/programmes/<id>/tracking``). Every figure comes
from ``workers.tracking.dashboard`` (aggregated in the database); the filters narrow them
to a cohort, a department, a mentor's mentees and a period.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from models import Programme, clock
from models.tracking import RATING_KINDS
from web import tracking_reports
from web.access import programme_or_404
from web.auth import login_required
from web.tracking_filters import filter_options, query_of, read_scope
from workers.reports import recognition
from workers.reports.charts import line_chart
from workers.reports.series import engagement_series
from workers.tracking import dashboard, export

bp = Blueprint("tracking", __name__, url_prefix="/<int:programme_id>/tracking")
bp.register_blueprint(tracking_reports.bp)

#: The tables a CSV export can name.
TABLES = ("headline", "engagement", "at_risk")

#: How the rating kinds are labelled on the page.
RATING_LABELS = {
    "self_assessment": "Self-assessment",
    "satisfaction": "Satisfaction",
    "mentor_rating": "Mentor rating",
}


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
        query=query_of(typed),
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
