"""Define a programme's metrics and record or correct their values by hand, every change audited.

Replies report metric values by email; a coordinator can do the same on the page, and
correct a value a reply got wrong: the latest value recorded for a cycle is the one that
counts, and the one it replaced stays in the audit trail.
"""

from __future__ import annotations

from peewee import fn

from models import AuditEvent, Cycle, Metric, MetricValue, Person, Programme, db
from workers.workspace.errors import MetricError

#: Longest metric name and unit accepted.
MAX_NAME_LENGTH = 200
MAX_UNIT_LENGTH = 40

#: Which way is better: "up" (higher is better) or "down" (lower is better).
DIRECTIONS = ("up", "down")

#: Largest magnitude of a value, baseline or target (beyond it, a typing slip is likelier).
MAX_MAGNITUDE = 1e12

#: Fields ``edit_metric`` may change.
EDITABLE = ("name", "unit", "baseline", "target", "direction", "owner")


def parse_number(value, field: str = "value") -> float | None:
    """Return a number typed as "12", "12.5" or "12,5" ("" is None), or raise MetricError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().replace(",", ".").removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise MetricError(f"{str(value).strip()!r} is not a number", field) from None
    if number != number or abs(number) > MAX_MAGNITUDE:  # NaN or absurd
        raise MetricError(f"{str(value).strip()!r} is not a usable number", field)
    return number


def _check(changes: dict) -> dict:
    values = {}
    if "name" in changes:
        values["name"] = " ".join(str(changes["name"] or "").split())
        if not values["name"] or len(values["name"]) > MAX_NAME_LENGTH:
            raise MetricError(f"the name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    if "unit" in changes:
        values["unit"] = str(changes["unit"] or "").strip()
        if len(values["unit"]) > MAX_UNIT_LENGTH:
            raise MetricError(f"the unit must be at most {MAX_UNIT_LENGTH} characters", "unit")
    for field in ("baseline", "target"):
        if field in changes:
            values[field] = parse_number(changes[field], field)
    if "direction" in changes:
        values["direction"] = str(changes["direction"] or "").strip().lower()
        if values["direction"] not in DIRECTIONS:
            raise MetricError("choose whether higher or lower is better", "direction")
    if "owner" in changes:
        owner = changes["owner"]
        values["owner"] = owner.id if isinstance(owner, Person) else owner or None
    return values


def field_errors(changes: dict) -> dict[str, str]:
    """Return why each bad value in ``changes`` is bad, by field (empty when all are good)."""
    errors = {}
    for field, value in changes.items():
        try:
            _check({field: value})
        except MetricError as exc:
            errors[exc.field or field] = str(exc)
    return errors


def _name_taken(programme: Programme, name: str, metric_id: int | None = None) -> bool:
    query = Metric.select().where(
        (Metric.programme == programme) & (fn.LOWER(Metric.name) == name.lower())
    )
    if metric_id is not None:
        query = query.where(Metric.id != metric_id)
    return query.exists()


def create_metric(programme: Programme, *, actor: str = "system", **fields) -> Metric:
    """Define a metric (name, unit, baseline, target, direction, owner) and audit it."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise MetricError(f"unknown field {sorted(unknown)[0]}")
    values = _check({"direction": "up", "unit": "", **fields})
    if "name" not in values:
        raise MetricError("the name is missing", "name")
    with db.atomic():
        if _name_taken(programme, values["name"]):
            raise MetricError(f"this programme has a metric named {values['name']!r}", "name")
        metric = Metric.create(programme=programme, **values)
        AuditEvent.record("metric.created", metric, actor=actor, programme=programme.id, **values)
    return metric


def edit_metric(metric: Metric, *, actor: str = "system", **changes) -> dict:
    """Change a metric's definition; return what changed as {field: [old, new]}."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise MetricError(f"cannot change {sorted(unknown)[0]}")
    values = _check(changes)
    current = {
        field: getattr(metric, f"{field}_id" if field == "owner" else field) for field in values
    }
    changed = {k: [current[k], v] for k, v in values.items() if current[k] != v}
    if not changed:
        return {}
    with db.atomic():
        if "name" in changed and _name_taken(metric.programme, values["name"], metric.id):
            raise MetricError(f"this programme has a metric named {values['name']!r}", "name")
        Metric.update({k: v for k, (_, v) in changed.items()}).where(
            Metric.id == metric.id
        ).execute()
        for field, (_, new) in changed.items():
            setattr(metric, field, new)
        AuditEvent.record(
            "metric.edited", metric, actor=actor, programme=metric.programme_id, changes=changed
        )
    return changed


def latest_value(metric: Metric, cycle: Cycle | None) -> MetricValue | None:
    """Return the value that counts for ``metric`` in ``cycle`` (the latest recorded)."""
    query = MetricValue.select().where(MetricValue.metric == metric)
    query = query.where(
        MetricValue.cycle.is_null() if cycle is None else (MetricValue.cycle == cycle)
    )
    return query.order_by(MetricValue.reported_at.desc(), MetricValue.id.desc()).first()


def record_value(
    metric: Metric,
    value,
    *,
    cycle: Cycle | None = None,
    by: Person | None = None,
    actor: str = "system",
) -> MetricValue:
    """Record (or correct) the metric's value for ``cycle``, as a reply would, and audit it."""
    number = parse_number(value)
    if number is None:
        raise MetricError("the value is missing", "value")
    if cycle is not None and cycle.programme_id != metric.programme_id:
        raise MetricError("that cycle belongs to another programme", "cycle")
    with db.atomic():
        before = latest_value(metric, cycle)
        row = MetricValue.create(metric=metric, cycle=cycle, value=number, reported_by=by)
        AuditEvent.record(
            "metric.value_corrected" if before is not None else "metric.value_recorded",
            metric,
            actor=actor,
            programme=metric.programme_id,
            cycle=cycle.id if cycle is not None else None,
            old=before.value if before is not None else None,
            new=number,
        )
    return row
