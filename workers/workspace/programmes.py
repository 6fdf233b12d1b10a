"""Create, edit and archive programmes, and read the timings each one runs by.

A programme may set its own reply deadline, reminder hours, summary delay and item
reminder days; where it sets none, the environment setting of the same name applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peewee import IntegrityError, fn

from models import AuditEvent, Programme, clock, db
from models.programme import PROGRAMME_KINDS, TIMING_FIELDS
from workers import settings as settings_mod
from workers.workspace.checks import canonical_timezone
from workers.workspace.errors import InvalidValue, ProgrammeError

#: Longest programme name accepted.
MAX_NAME_LENGTH = 200

#: Timings that are lists of whole numbers ("72,24"); the others are one whole number.
LIST_TIMINGS = ("reminder_hours", "item_reminder_days")

#: The least each timing may be (a summary cannot be due the moment a session ends).
TIMING_MINIMUM = {
    "reply_deadline_hours": 0,
    "reminder_hours": 1,
    "summary_within_hours": 1,
    "item_reminder_days": 1,
}

#: Fields ``edit_programme`` may change, besides the timings.
EDITABLE = ("name", "kinds", "timezone", "description")


@dataclass(frozen=True)
class Timing:
    """The timings one programme runs by, its own or the environment's."""

    reply_deadline_hours: int
    reminder_hours: tuple[int, ...]
    summary_within_hours: int
    item_reminder_days: tuple[int, ...]


def parse_kinds(kinds: str | Iterable[str]) -> str:
    """Return the kinds as stored ("followup,mentoring"), from a string or a list, or raise."""
    words = kinds.split(",") if isinstance(kinds, str) else [k for p in kinds for k in p.split(",")]
    chosen = {w.strip().lower().replace("-", "") for w in words if w.strip()}
    unknown = chosen - set(PROGRAMME_KINDS)
    if unknown or not chosen:
        raise ProgrammeError(
            f"the kind must be {', '.join(PROGRAMME_KINDS)} or several of them", field="kinds"
        )
    return ",".join(k for k in PROGRAMME_KINDS if k in chosen)


def _numbers(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split(",") if part.strip())


def check_timing(name: str, value) -> str | int | None:
    """Return a timing as the programme stores it (None: the environment's), or raise."""
    if value is None or value == "":
        return None
    listed = name in LIST_TIMINGS
    try:
        numbers = _numbers(value) if isinstance(value, str) else tuple(int(n) for n in value)
    except TypeError:
        numbers = (value,) if isinstance(value, int) else ()
    except ValueError:
        numbers = ()
    if not numbers or (len(numbers) > 1 and not listed) or min(numbers) < TIMING_MINIMUM[name]:
        shape = "whole numbers separated by commas" if listed else "a whole number"
        raise ProgrammeError(f"{name} must be {shape}, at least {TIMING_MINIMUM[name]}", field=name)
    if listed:
        return ",".join(str(n) for n in sorted(set(numbers), reverse=True))
    return numbers[0]


def programme_timing(programme: Programme) -> Timing:
    """Return the timings ``programme`` runs by: its own where set, else the environment's."""
    settings = settings_mod.get()
    values = {}
    for name in TIMING_FIELDS:
        own = getattr(programme, name)
        if own is None:
            values[name] = getattr(settings, name)
        else:
            values[name] = _numbers(own) if name in LIST_TIMINGS else own
    return Timing(**values)


def _checked(changes: dict) -> dict:
    values = {}
    if "name" in changes:
        values["name"] = " ".join(str(changes["name"]).split())
        if not values["name"] or len(values["name"]) > MAX_NAME_LENGTH:
            raise ProgrammeError(
                f"the name must be 1 to {MAX_NAME_LENGTH} characters", field="name"
            )
    if "kinds" in changes:
        values["kind"] = parse_kinds(changes["kinds"])
    if "timezone" in changes:
        try:
            values["timezone"] = canonical_timezone(changes["timezone"])
        except InvalidValue as exc:
            raise ProgrammeError(str(exc), field="timezone") from None
    if "description" in changes:
        values["description"] = str(changes["description"]).strip()
    for name in TIMING_FIELDS:
        if name in changes:
            values[name] = check_timing(name, changes[name])
    return values


def field_errors(changes: dict) -> dict[str, str]:
    """Return why each bad value in ``changes`` is bad, by field (empty when all are good)."""
    errors = {}
    for field, value in changes.items():
        try:
            _checked({field: value})
        except ProgrammeError as exc:
            errors[exc.field or field] = str(exc)
    return errors


def _name_taken(name: str, programme_id: int | None = None) -> bool:
    query = Programme.select().where(fn.LOWER(Programme.name) == name.lower())
    if programme_id is not None:
        query = query.where(Programme.id != programme_id)
    return query.exists()


def create_programme(
    name: str,
    kinds: str | Iterable[str],
    *,
    timezone: str | None = None,
    description: str = "",
    actor: str = "system",
    **timing,
) -> Programme:
    """Create a programme (kinds: followup, mentoring, tracking) and audit it; raise if bad."""
    unknown = set(timing) - set(TIMING_FIELDS)
    if unknown:
        raise ProgrammeError(f"unknown setting {sorted(unknown)[0]}")
    zone = timezone or settings_mod.get().default_timezone
    values = _checked(
        {"name": name, "kinds": kinds, "timezone": zone, "description": description, **timing}
    )
    with db.atomic():
        if _name_taken(values["name"]):
            raise ProgrammeError(f"a programme named {values['name']!r} exists already", "name")
        try:
            programme = Programme.create(**values)
        except IntegrityError:
            raise ProgrammeError(
                f"a programme named {values['name']!r} exists already", "name"
            ) from None
        AuditEvent.record("programme.created", programme, actor=actor, **values)
    return programme


def edit_programme(programme: Programme, *, actor: str = "system", **changes) -> dict:
    """Change a programme's name, kinds, time zone, description or timings; return the changes.

    A timing set to None or "" goes back to the environment setting. Raises ProgrammeError.
    """
    unknown = set(changes) - set(EDITABLE) - set(TIMING_FIELDS)
    if unknown:
        raise ProgrammeError(f"cannot change {sorted(unknown)[0]}")
    values = _checked(changes)
    changed = {
        k: [getattr(programme, k), v] for k, v in values.items() if getattr(programme, k) != v
    }
    if not changed:
        return {}
    with db.atomic():
        if "name" in changed and _name_taken(values["name"], programme.id):
            raise ProgrammeError(f"a programme named {values['name']!r} exists already", "name")
        for column, (_, new) in changed.items():
            setattr(programme, column, new)
        programme.save(only=[Programme._meta.fields[column] for column in changed])
        AuditEvent.record("programme.edited", programme, actor=actor, changes=changed)
    return changed


def archive_programme(programme: Programme, *, actor: str = "system") -> bool:
    """Hide a programme from the main list, keeping its data; False if it was archived."""
    return _set_archived(programme, clock.now(), "programme.archived", actor)


def unarchive_programme(programme: Programme, *, actor: str = "system") -> bool:
    """Bring an archived programme back to the main list; False if it was not archived."""
    return _set_archived(programme, None, "programme.unarchived", actor)


def _set_archived(programme: Programme, when, verb: str, actor: str) -> bool:
    with db.atomic():
        # Conditional on the current state, so two coordinators clicking at once audit once.
        updated = (
            Programme.update(archived_at=when)
            .where((Programme.id == programme.id) & Programme.archived_at.is_null(when is not None))
            .execute()
        )
        if updated:
            programme.archived_at = when
            AuditEvent.record(verb, programme, actor=actor)
    return bool(updated)
