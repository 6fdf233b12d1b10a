"""A programme's objectives: each metric against its target over time, with a chart.

Under ``/programmes/<id>/objectives``, for the programme's coordinators (``web.access``).
Computed metrics are snapshotted weekly; custom business figures are entered here by hand
or as a CSV of dated values.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from models import Objective
from models.objectives import OBJECTIVE_METRICS
from web.access import programme_or_404
from web.auth import login_required
from workers.reports.charts import line_chart
from workers.reports.series import Series, progress
from workers.tracking import objective_values, objectives
from workers.tracking.objectives import METRIC_LABELS, ObjectiveError

bp = Blueprint("objectives", __name__, url_prefix="/programmes/<int:programme_id>/objectives")


def objective_card(objective: Objective) -> dict:
    """Return what the page shows of one objective: its values, now, progress and chart."""
    kept = objectives.history(objective)
    points = [(on.strftime("%d %b"), f"{on.isoformat()} ({source})", v) for on, v, source in kept]
    series = Series(
        name=objective.name,
        unit=objective.unit,
        baseline=objective.baseline,
        target=objective.target,
        direction=objective.direction,
        points=points,
    )
    percent, words = progress(series)
    return {
        "objective": objective,
        "metric": METRIC_LABELS[objective.metric][0],
        "now": objective_values.value_at(objective),
        "percent": percent,
        "words": words,
        "values": kept[-12:][::-1],
        "chart": line_chart(series, f"objective-{objective.id}", width=520),
    }


def _page(programme, errors: dict | None = None, values: dict | None = None, status=200):
    found = Objective.select().where(Objective.programme == programme.id).order_by(Objective.name)
    return (
        render_template(
            "web/tracking/objectives.html",
            programme=programme,
            cards=[objective_card(o) for o in found],
            metrics=[(m, METRIC_LABELS[m][0]) for m in OBJECTIVE_METRICS],
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


def _objective_or_404(programme, objective_id: int) -> Objective:
    found = Objective.get_or_none(
        (Objective.id == objective_id) & (Objective.programme == programme.id)
    )
    if found is None:
        abort(404)
    return found


@bp.route("")
@login_required
def index(programme_id: int):
    """Show the programme's objectives, each against its target."""
    return _page(programme_or_404(programme_id))


@bp.route("", methods=("POST",))
@login_required
def create(programme_id: int):
    """Add an objective."""
    programme = programme_or_404(programme_id)
    try:
        objectives.create_objective(programme, objectives.read_objective(request.form))
    except ObjectiveError as exc:
        return _page(
            programme, {exc.field or "name": str(exc).capitalize() + "."}, request.form, 400
        )
    flash("Objective added.", "ok")
    return redirect(url_for("objectives.index", programme_id=programme.id))


@bp.route("/<int:objective_id>/values", methods=("POST",))
@login_required
def add_value(programme_id: int, objective_id: int):
    """Enter one dated value of a custom objective."""
    programme = programme_or_404(programme_id)
    objective = _objective_or_404(programme, objective_id)
    try:
        on = objectives.read_date(request.form.get("on", ""), "on")
        value = objectives.read_number(request.form.get("value", ""), "value")
        objectives.enter_value(objective, on, value)
    except ObjectiveError as exc:
        flash(f"{objective.name}: {exc}.")
        return _page(programme, status=400)
    flash(f"{objective.name}: value kept.", "ok")
    return redirect(url_for("objectives.index", programme_id=programme.id))


@bp.route("/import", methods=("POST",))
@login_required
def import_csv(programme_id: int):
    """Import dated values of custom objectives from a CSV file."""
    programme = programme_or_404(programme_id)
    upload = request.files.get("file")
    raw = upload.read(objectives.MAX_BYTES + 1) if upload else b""
    try:
        count = objectives.import_values(programme, raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _page(programme, {"file": "The file is not UTF-8 text."}, status=400)
    except ObjectiveError as exc:
        return _page(programme, {"file": str(exc).capitalize() + "."}, status=400)
    flash(f"{count} value{'s' if count != 1 else ''} imported.", "ok")
    return redirect(url_for("objectives.index", programme_id=programme.id))
