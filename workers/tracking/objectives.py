"""Programme objectives: a metric, a target and a date, checked as they are entered.

Tandem computes every metric but ``custom`` from what it records (``objective_values``); a
custom one is the organisation's own business figure, entered by hand or as a CSV of dated
values (``objective,date,value``). A bad row stops the whole file with the line it is on,
so nothing is half imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

from peewee import IntegrityError

from models import Objective, ObjectiveValue, Programme, clock, db
from models.objectives import OBJECTIVE_METRICS
from workers.tracking import objective_values
from workers.tracking.errors import TrackingError

#: How each metric is named on the page, and its unit.
METRIC_LABELS = {
    "completion_rate": ("Completion rate", "%"),
    "on_time_rate": ("On-time rate", "%"),
    "goal_achievement": ("Goal achievement", "%"),
    "engagement": ("Engagement (participants active a week)", "%"),
    "satisfaction": ("Satisfaction (1-5)", ""),
    "nps": ("Net promoter score", ""),
    "programme_completion": ("Programme completion", "%"),
    "custom": ("A business figure of your own", ""),
}

#: Most rows a CSV of values may hold, and its largest size in bytes.
MAX_ROWS, MAX_BYTES = 5000, 512 * 1024

#: Largest size of a number people may type (a target, a value).
MAX_NUMBER = 1e12


class ObjectiveError(TrackingError, ValueError):
    """An objective or a value is not acceptable; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def read_number(text: str, field: str) -> float:
    """Return the number typed (commas and a % allowed); raise ObjectiveError if it is none."""
    cleaned = str(text).strip().replace(",", "").rstrip("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise ObjectiveError(f"{text!r} is not a number", field) from None
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ObjectiveError(f"{text!r} is out of range", field)
    return value


def read_date(text: str, field: str) -> dt.date:
    """Return the date typed as YYYY-MM-DD; raise ObjectiveError otherwise."""
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ObjectiveError("give a date as YYYY-MM-DD", field) from None


def read_objective(form: dict) -> dict:
    """Return an objective's fields from a form; raise ObjectiveError on the first bad one."""
    name = " ".join(str(form.get("name", "")).split())[:200]
    if not name:
        raise ObjectiveError("give the objective a name", "name")
    metric = form.get("metric", "")
    if metric not in OBJECTIVE_METRICS:
        raise ObjectiveError("choose a metric", "metric")
    direction = form.get("direction") or "up"
    if direction not in ("up", "down"):
        raise ObjectiveError("choose whether higher or lower is better", "direction")
    baseline = form.get("baseline", "").strip()
    unit = str(form.get("unit", "")).strip()[:20] or METRIC_LABELS[metric][1]
    return {
        "name": name,
        "metric": metric,
        "unit": unit if metric == "custom" else METRIC_LABELS[metric][1],
        "description": str(form.get("description", "")).strip()[:2000],
        "baseline": read_number(baseline, "baseline") if baseline else None,
        "target": read_number(form.get("target", ""), "target"),
        "target_date": read_date(form.get("target_date", ""), "target_date"),
        "direction": direction,
    }


def create_objective(programme: Programme, fields: dict) -> Objective:
    """Create an objective, keep its value now and make sure weekly snapshots run."""
    try:
        with db.atomic():
            objective = Objective.create(programme=programme, **fields)
    except IntegrityError:
        raise ObjectiveError("this programme has an objective of that name", "name") from None
    objective_values.snapshot([objective])
    objective_values.ensure_snapshots()
    return objective


def enter_value(objective: Objective, on: dt.date, value: float, source: str = "manual") -> None:
    """Keep a value of a custom objective for a day; raise ObjectiveError for other metrics."""
    if objective.metric != "custom":
        raise ObjectiveError("Tandem computes this objective's values itself", "value")
    if on > clock.now().date():
        raise ObjectiveError("a value cannot be dated in the future", "on")
    objective_values.keep_value(objective, on, value, source)


def import_values(programme: Programme, text: str) -> int:
    """Import dated values of custom objectives from CSV (objective,date,value); return rows.

    The objective column names a custom objective of the programme by name or id.
    """
    if len(text.encode()) > MAX_BYTES:
        raise ObjectiveError(f"the file is over {MAX_BYTES // 1024} KiB", "file")
    custom = Objective.select().where(
        (Objective.programme == programme) & (Objective.metric == "custom")
    )
    by_name = {o.name.lower(): o for o in custom} | {str(o.id): o for o in custom}
    rows = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if number == 1 and row[0].strip().lower() in ("objective", "name", "id"):
            continue
        if len(row) < 3:
            raise ObjectiveError(f"line {number}: give objective, date and value", "file")
        found = by_name.get(row[0].strip().lower())
        if found is None:
            raise ObjectiveError(f"line {number}: no custom objective {row[0]!r}", "file")
        try:
            on, value = read_date(row[1], "file"), read_number(row[2], "file")
            if on > clock.now().date():
                raise ObjectiveError("a value cannot be dated in the future", "file")
            rows.append((found, on, value))
        except ObjectiveError as exc:
            raise ObjectiveError(f"line {number}: {exc}", "file") from None
        if len(rows) > MAX_ROWS:
            raise ObjectiveError(f"a file may hold {MAX_ROWS} values at most", "file")
    with db.atomic():
        for objective, on, value in rows:
            enter_value(objective, on, value, "csv")
    return len(rows)


def history(objective: Objective) -> list[tuple[dt.date, float, str]]:
    """Return an objective's kept values, oldest first: (day, value, source)."""
    query = (
        ObjectiveValue.select(ObjectiveValue.on, ObjectiveValue.value, ObjectiveValue.source)
        .where(ObjectiveValue.objective == objective.id)
        .order_by(ObjectiveValue.on)
    )
    return [(_date(r.on), r.value, r.source) for r in query]


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
