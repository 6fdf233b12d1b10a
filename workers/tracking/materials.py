"""A programme's materials (modules, readings, videos) and who has completed them.

Completion comes three ways, all through :func:`complete`: a reply ("done module 3",
``material_replies``), a CSV file from a learning platform (:func:`import_completions`), or
a signed link in an email (``material_links``). Each first completion counts as a
``material_done`` event, so it feeds engagement and the completion rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from peewee import JOIN, IntegrityError, fn

from models import Material, MaterialCompletion, Membership, Person, clock, db
from models.learning import COMPLETION_SOURCES, MATERIAL_KINDS
from models.tracking import PARTICIPANT_ROLE
from workers.grammar.dates import parse_date
from workers.tracking import events
from workers.tracking.engagement import is_participant
from workers.tracking.errors import TrackingError
from workers.workspace.csvfile import read_table
from workers.workspace.errors import CsvFileError

#: The CSV columns an import reads, by the names a header may give them.
CSV_COLUMNS = {
    "email": ("email", "person email", "e-mail", "participant email", "user email"),
    "material": ("material", "module", "item", "activity"),
    "completed": ("completed", "completed date", "completed on", "date", "completion date"),
}


class MaterialError(TrackingError, ValueError):
    """A material or a completion cannot be recorded as given."""


def safe_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) address; raise MaterialError otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "\\" in url:
        raise MaterialError("a material's link starts with https:// or http://")
    return url


def add_material(programme_id: int, kind: str, title: str, url: str) -> Material:
    """Add a module, reading or video to the programme, numbered after the others of its kind."""
    kind, title = kind.strip().lower(), " ".join(title.split())[:200]
    if kind not in MATERIAL_KINDS:
        raise MaterialError(f"a material is one of: {', '.join(MATERIAL_KINDS)}")
    if not title:
        raise MaterialError("a material needs a title")
    url = safe_url(url)[:1000]
    mine = (Material.programme == programme_id) & (Material.kind == kind)
    with db.atomic():
        number = (Material.select(fn.MAX(Material.number)).where(mine).scalar() or 0) + 1
        return Material.create(programme=programme_id, kind=kind, number=number, title=title,
                               url=url)  # fmt: skip


def materials(programme_id: int) -> list[Material]:
    """Return the programme's materials, by kind and number."""
    order = [Material.kind, Material.number]
    return list(Material.select().where(Material.programme == programme_id).order_by(*order))


def complete(
    material: Material, person_id: int, source: str, at: dt.datetime | None = None
) -> bool:
    """Record that a participant completed a material; False when it was recorded before."""
    if source not in COMPLETION_SOURCES:
        raise MaterialError(f"unknown source {source!r}")
    if not is_participant(material.programme_id, person_id):
        raise MaterialError("only the programme's participants complete its materials")
    at = at or clock.now()
    try:
        with db.atomic():
            MaterialCompletion.create(material=material.id, programme=material.programme_id,
                                      person=person_id, completed_at=at, source=source)  # fmt: skip
            ref = f"material:{material.id}"
            events.record(material.programme_id, person_id, "material_done", at, ref=ref)
    except IntegrityError:
        return False
    return True


def completion_rates(programme_id: int) -> list[dict]:
    """Return each material with how many participants completed it, and the share (0-1)."""
    people = (
        Membership.select()
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
        .count()
    )
    done = fn.COUNT(MaterialCompletion.id)
    query = (
        Material.select(Material, done.alias("done"))
        .join(MaterialCompletion, JOIN.LEFT_OUTER)
        .where(Material.programme == programme_id)
        .group_by(Material.id)
        .order_by(Material.kind, Material.number)
    )
    return [
        {
            "material": m,
            "label": m.label,
            "title": m.title,
            "done": m.done,
            "people": people,
            "rate": round(m.done / people, 3) if people else None,
        }  # fmt: skip
        for m in query
    ]


@dataclass
class ImportResult:
    """What a CSV import did: completions recorded, ones known already, and lines refused."""

    recorded: int = 0
    known: int = 0
    problems: list[str] = field(default_factory=list)


def import_completions(programme_id: int, data: bytes) -> ImportResult:
    """Record the completions a CSV file lists (email, material, completed date); bad lines are
    reported by number and the others still recorded."""
    try:
        table = read_table(data)
    except CsvFileError as exc:
        raise MaterialError(str(exc)) from None
    columns = _columns(table.header.cells)
    by_name = {_key(m.label): m for m in materials(programme_id)}
    by_name.update({_key(m.title): m for m in materials(programme_id)})
    result = ImportResult()
    today = clock.now().date()
    for row in table.rows:
        problem = row.error or _import_row(programme_id, row.cells, columns, by_name, today, result)
        if problem:
            result.problems.append(f"line {row.line}: {problem}")
    return result


def _import_row(programme_id, cells, columns, by_name, today, result) -> str:
    """Record one CSV row; return why it was refused, or ""."""
    email, name, when = (cells[i].strip() if i < len(cells) else "" for i in columns)
    person = Person.get_or_none(fn.LOWER(Person.email) == email.lower()) if email else None
    if person is None or not is_participant(programme_id, person.id):
        return f"{email or 'no email'}: not a participant of this programme"
    material = by_name.get(_key(name))
    if material is None:
        return f"{name or 'no material'}: no such material (use e.g. module 3, or its title)"
    day = _date(when, today)
    if day is None:
        return f"{when or 'no date'}: not a date (use e.g. 2026-11-03)"
    at = dt.datetime.combine(day, dt.time(12))
    if complete(material, person.id, "csv", at):
        result.recorded += 1
    else:
        result.known += 1
    return ""


def _columns(header: tuple[str, ...]) -> tuple[int, int, int]:
    names = [_key(h) for h in header]
    found = []
    for column, aliases in CSV_COLUMNS.items():
        index = next((names.index(a) for a in aliases if a in names), None)
        if index is None:
            raise MaterialError(f"the file needs a column {column!r} (header: {', '.join(header)})")
        found.append(index)
    return found[0], found[1], found[2]


def _date(text: str, today: dt.date) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return parse_date(text, today=today) if text else None


def _key(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())
