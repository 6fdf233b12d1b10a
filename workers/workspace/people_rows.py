"""The columns of a people file, and each row read into checked values.

Header names are matched in any case and spacing, with the synonyms spreadsheets use
("E-mail", "Email address", "Time zone", "Organisation"...); of two columns meaning the same,
the first is read. A blank cell means "not given": a new person gets the default and an
existing person keeps what Tandem has. The mentoring columns are kept for mentors and mentees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from workers.workspace import checks
from workers.workspace.csvfile import Row
from workers.workspace.errors import CsvFileError, InvalidValue

#: Each column Tandem reads, with the header names (normalised) that mean it.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "fullname", "display name", "person", "participant"),
    "first_name": ("first name", "firstname", "given name", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "work email"),
    "aliases": ("aliases", "alias", "other emails", "other email addresses", "extra emails"),
    "timezone": ("timezone", "time zone", "tz", "zone"),
    "department": ("department", "organisation", "organization", "school", "dept", "org"),
    "language": ("language", "lang", "preferred language"),
    "role": ("role", "roles", "programme role", "program role"),
    "active": ("active",),
    "skills": ("skills", "skill", "expertise"),
    "goals": ("goals", "goal"),
    "languages": ("languages", "spoken languages", "languages spoken"),
    "capacity": ("capacity", "max mentees"),
    "format": ("format", "preferred format", "session format"),
    "availability": ("availability", "availabilities", "available"),
    "orientation": ("orientation", "orientation done"),
}

#: Normalised header name to the column it means.
HEADER_INDEX = {name: column for column, names in COLUMN_NAMES.items() for name in names}

#: Roles whose rows carry a mentoring profile (the Skills ... Orientation columns).
PROFILE_ROLES = ("mentor", "mentee")

#: Mentoring columns and the check each cell goes through (split lists need none).
PROFILE_CHECKS: dict[str, Callable[[str], object]] = {
    "capacity": checks.parse_capacity,
    "format": checks.parse_format,
    "availability": checks.parse_availability,
    "orientation": checks.parse_orientation,
}


@dataclass(frozen=True)
class PersonRow:
    """One row's checked values; empty strings and None mean "not given"."""

    line: int
    email: str = ""
    name: str = ""
    aliases: tuple[str, ...] = ()
    timezone: str = ""
    department: str = ""
    language: str = ""
    roles: tuple[str, ...] = ()
    active: bool | None = None
    profile: dict[str, object] = field(default_factory=dict)  # MentorProfile field -> value
    problems: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        """The row's email first, then its aliases."""
        return (self.email, *self.aliases) if self.email else self.aliases


def normalize_header(name: str) -> str:
    """Return a header name lower-cased, with words separated by single spaces."""
    return " ".join(re.split(r"[^0-9a-z]+", name.lower())).strip()


def map_columns(header: Row) -> tuple[dict[str, int], list[str]]:
    """Return {column: index} for a header row and the header names Tandem ignores."""
    columns: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(header.cells):
        column = HEADER_INDEX.get(normalize_header(name))
        if column is None:
            if name:
                ignored.append(name)
            continue
        if column in columns:
            first = header.cells[columns[column]]
            if column == "email":  # which address is the person's is anyone's guess
                raise CsvFileError(
                    f"line {header.line}: columns {first!r} and {name!r} both hold the email"
                )
            ignored.append(name)  # the first of two synonyms wins ("Department", "School")
            continue
        columns[column] = index
    if "email" not in columns:
        raise CsvFileError(f"line {header.line}: no email column (a header such as Email)")
    return columns, ignored


#: First characters that make a spreadsheet read a cell as a formula; the export writes an
#: apostrophe before them (people_export.inert), which the import takes off.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells(row: Row, columns: dict[str, int]) -> dict[str, str]:
    return {
        c: _typed(row.cells[i]) for c, i in columns.items() if i < len(row.cells) and row.cells[i]
    }


def _typed(cell: str) -> str:
    """Return a cell as typed: without the apostrophe the export puts before a formula."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _check(problems: list[str], check: Callable[[str], object], value: str, default=""):
    try:
        return check(value) if value else default
    except InvalidValue as exc:
        problems.append(str(exc))
        return default


def _profile(cells: dict[str, str], problems: list[str]) -> dict[str, object]:
    profile: dict[str, object] = {}
    for column in ("skills", "goals"):
        if column in cells:
            profile[column] = "; ".join(checks.split_list(cells[column]))
    if "languages" in cells:
        spoken = (
            _check(problems, checks.normalize_language, v) for v in cells["languages"].split(";")
        )
        profile["languages"] = "; ".join(dict.fromkeys(s for s in spoken if s))
    for column, check in PROFILE_CHECKS.items():
        if column in cells:
            profile[column] = _check(problems, check, cells[column], None)
    orientation = profile.pop("orientation", None)
    if orientation is not None:
        profile["orientation_done"], profile["orientation_date"] = orientation
    return {k: v for k, v in profile.items() if v is not None}


def _aliases(cell: str, problems: list[str]) -> tuple[str, ...]:
    parts = checks.split_list(cell.replace(",", ";"))
    addresses = (_check(problems, checks.normalize_email, part) for part in parts)
    return tuple(dict.fromkeys(a for a in addresses if a))


def _width_problem(row: Row, header_width: int) -> list[str]:
    if len(row.cells) <= header_width:
        return []
    return [
        f"{len(row.cells)} cells but the header has {header_width}"
        " (a delimiter inside a cell that is not quoted?)"
    ]


def parse_row(row: Row, columns: dict[str, int], header_width: int) -> PersonRow:
    """Read one row into checked values, every problem with it listed in ``problems``."""
    if row.error:
        return PersonRow(line=row.line, problems=(row.error,))
    cells = _cells(row, columns)
    problems = _width_problem(row, header_width)
    email = cells.get("email", "")
    if not email:
        problems.append("the email is missing")
    email = _check(problems, checks.normalize_email, email)
    aliases = _aliases(cells.get("aliases", ""), problems)
    name = cells.get("name") or " ".join(cells.get(c, "") for c in ("first_name", "last_name"))
    timezone = _check(problems, checks.canonical_timezone, cells.get("timezone", ""))
    language = _check(problems, checks.normalize_language, cells.get("language", ""))
    roles = [_check(problems, checks.parse_role, r) for r in cells.get("role", "").split(";")]
    active = _check(problems, checks.parse_active, cells.get("active", ""), None)
    return PersonRow(
        line=row.line,
        email=email,
        name=" ".join(name.split()),
        aliases=tuple(a for a in aliases if a != email),
        timezone=timezone,
        department=" ".join(cells.get("department", "").split()),
        language=language,
        roles=tuple(dict.fromkeys(r for r in roles if r)),
        active=active,
        profile=_profile(cells, problems),
        problems=tuple(problems),
    )
