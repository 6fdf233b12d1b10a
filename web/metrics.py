"""A programme's metrics on the page: define, change, and record or correct their values.

Nested under the programmes blueprint (``/programmes/<id>/metrics``); every change goes
through ``workers.workspace.metrics`` and is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from peewee import JOIN

from models import Cycle, Metric, MetricValue, Person, Programme
from web.access import programme_or_404
from web.auth import login_required
from web.ids import parse_id
from web.people import chosen_member, member_choices
from web.trail import about, current_actor, current_person, rows
from workers.workspace import metrics as workspace
from workers.workspace.errors import WorkspaceError

bp = Blueprint("metrics", __name__, url_prefix="/<int:programme_id>/metrics")

#: Longest value read from a field.
MAX_FIELD = 200

#: Values and changes shown on a metric's page.
HISTORY_ROWS = 50

#: The choice of which way is better, as the form offers it.
DIRECTION_OPTIONS = [("up", "Higher is better"), ("down", "Lower is better")]


def metric_or_404(programme: Programme, metric_id: int) -> Metric:
    """Return the programme's metric, or answer 404."""
    metric = Metric.get_or_none((Metric.id == metric_id) & (Metric.programme == programme))
    if metric is None:
        abort(404)
    return metric


def read_form(form, programme: Programme) -> dict:
    """Return the metric fields a submitted form asks for."""
    values = {f: form.get(f, "")[:MAX_FIELD] for f in ("name", "unit", "baseline", "target")}
    values["direction"] = form.get("direction", "up")
    values["owner"] = chosen_member(programme, form.get("owner", ""))
    return values


def _values(metric: Metric) -> dict:
    return {
        "name": metric.name,
        "unit": metric.unit,
        "baseline": "" if metric.baseline is None else f"{metric.baseline:g}",
        "target": "" if metric.target is None else f"{metric.target:g}",
        "direction": metric.direction,
        "owner": metric.owner_id or "",
    }


def _typed(values: dict) -> dict:
    owner = values["owner"]
    return {**values, "owner": owner.id if owner is not None else ""}


@bp.route("", methods=("GET", "POST"))
@login_required
def index(programme_id: int):
    """List the programme's metrics with their latest values, and define a new one."""
    programme = programme_or_404(programme_id)
    errors, typed = {}, {"direction": "up"}
    if request.method == "POST":
        values = read_form(request.form, programme)
        errors = workspace.field_errors({k: v for k, v in values.items() if k != "owner"})
        if not errors:
            try:
                metric = workspace.create_metric(programme, actor=current_actor(), **values)
            except WorkspaceError as exc:
                errors = {exc.field or "form": str(exc)}
            else:
                flash(f"Metric {metric.name} defined.", "ok")
                return redirect(url_for(".index", programme_id=programme.id))
        typed = _typed(values)
    query = Metric.select(Metric, Person).join(Person, JOIN.LEFT_OUTER).order_by(Metric.name)
    metrics = list(query.where(Metric.programme == programme))
    latest = {}
    for value in (
        MetricValue.select()
        .where(MetricValue.metric.in_([m.id for m in metrics]))
        .order_by(MetricValue.reported_at, MetricValue.id)
    ):
        latest[value.metric_id] = value.value
    page = render_template(
        "web/metrics/index.html",
        programme=programme,
        metrics=metrics,
        latest=latest,
        errors=errors,
        values=typed,
        owners=member_choices(programme),
        directions=DIRECTION_OPTIONS,
    )
    return page, 400 if errors else 200


def _cycle_options(programme: Programme) -> list[tuple]:
    cycles = Cycle.select().where(Cycle.programme == programme).order_by(Cycle.created_at.desc())
    return [(c.id, f"{c.title} ({c.status})") for c in cycles]


def _render(programme, metric, values, errors, value_errors=None, status=200):
    history = (
        MetricValue.select(MetricValue, Cycle)
        .join(Cycle, JOIN.LEFT_OUTER)
        .where(MetricValue.metric == metric)
        .order_by(MetricValue.reported_at.desc(), MetricValue.id.desc())
        .limit(HISTORY_ROWS)
    )
    page = render_template(
        "web/metrics/show.html",
        programme=programme,
        metric=metric,
        values=values,
        errors=errors,
        value_errors=value_errors or {},
        owners=member_choices(programme),
        directions=DIRECTION_OPTIONS,
        cycles=_cycle_options(programme),
        history=history,
        trail=rows(about(metric).limit(HISTORY_ROWS)),
    )
    return page, status


@bp.route("/<int:metric_id>", methods=("GET", "POST"))
@login_required
def edit(programme_id: int, metric_id: int):
    """Show a metric with its values and history, and change its definition."""
    programme = programme_or_404(programme_id)
    metric = metric_or_404(programme, metric_id)
    if request.method == "GET":
        return _render(programme, metric, _values(metric), {})
    values = read_form(request.form, programme)
    errors = workspace.field_errors({k: v for k, v in values.items() if k != "owner"})
    if not errors:
        try:
            changed = workspace.edit_metric(metric, actor=current_actor(), **values)
        except WorkspaceError as exc:
            errors = {exc.field or "form": str(exc)}
        else:
            flash("Metric saved." if changed else "Nothing changed.", "ok")
            return redirect(request.path)
    return _render(programme, metric, _typed(values), errors, status=400)


@bp.route("/<int:metric_id>/values", methods=("POST",))
@login_required
def record(programme_id: int, metric_id: int):
    """Record a value of the metric for a cycle, or correct the one a reply gave."""
    programme = programme_or_404(programme_id)
    metric = metric_or_404(programme, metric_id)
    cycle_id = request.form.get("cycle", type=parse_id)
    cycle = Cycle.get_or_none((Cycle.id == cycle_id) & (Cycle.programme == programme))
    errors = {}
    if cycle_id is not None and cycle is None:
        errors["cycle"] = "choose one of this programme's cycles"
    else:
        try:
            workspace.record_value(
                metric,
                request.form.get("value", "")[:MAX_FIELD],
                cycle=cycle,
                by=current_person(),
                actor=current_actor(),
            )
        except WorkspaceError as exc:
            errors = {exc.field or "value": str(exc)}
    if errors:
        return _render(programme, metric, _values(metric), {}, errors, status=400)
    flash(f"{metric.name}: value recorded.", "ok")
    return redirect(url_for(".edit", programme_id=programme.id, metric_id=metric.id))
