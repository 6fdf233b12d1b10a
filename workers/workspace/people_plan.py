"""Plan a people import: which rows are bad, whom they create, update or leave unchanged.

Planning writes nothing, so the page can show it as a preview and the CLI as a dry run.
People are matched by email or alias, case-insensitively, with a few queries per 500 rows
rather than one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from models import EmailAlias, Membership, MentorProfile, Person, Programme, clock
from models.programme import MEMBER_ROLES
from workers.workspace.csvfile import Table, read_table
from workers.workspace.people_rows import PROFILE_ROLES, PersonRow, map_columns, parse_row

#: Addresses or ids per query (SQLite allows 32,766 parameters; smaller batches plan better).
CHUNK = 500

#: Person columns a row may change, as its cells name them.
PERSON_FIELDS = ("name", "timezone", "department", "language")

#: A new mentee's profile: mentees take no mentees and meet in either format.
MENTEE_PROFILE = {"capacity": 0, "format": "either"}

#: Called with the number of rows just handled, to move a progress bar.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be imported, with the reason a coordinator reads."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class RowChange:
    """What importing one good row does to its person."""

    row: PersonRow
    person_id: int | None = None  # None: the row creates a person
    fields: dict[str, tuple] = field(default_factory=dict)  # column -> (old, new)
    roles: tuple[str, ...] = ()  # memberships to add in the programme
    aliases: tuple[str, ...] = ()  # aliases to add
    profile: dict[str, tuple] = field(default_factory=dict)  # MentorProfile column -> (old, new)
    profile_id: int | None = None  # the profile those changes go to
    new_profile: dict[str, object] | None = None  # a profile to create, with these values

    @property
    def changes_anything(self) -> bool:
        """Tell whether the row changes anything for an existing person."""
        return bool(
            self.fields
            or self.roles
            or self.aliases
            or self.profile
            or self.new_profile is not None
        )


@dataclass
class ImportPlan:
    """Everything importing a file into one programme would do, and every bad row."""

    programme: Programme
    rows: int = 0
    created: list[RowChange] = field(default_factory=list)
    updated: list[RowChange] = field(default_factory=list)
    unchanged: list[RowChange] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    """Yield ``items`` in lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_role(programme: Programme) -> str | None:
    """Return the role of a row that names none: only a single-kind programme implies one."""
    return {("followup",): "stakeholder", ("tracking",): "participant"}.get(programme.kinds)


def _checked_rows(table: Table, plan: ImportPlan, progress: Progress) -> list[PersonRow]:
    columns, plan.ignored_columns = map_columns(table.header)
    first_line: dict[str, int] = {}
    good = []
    for count, row in enumerate(table.rows, 1):
        parsed = parse_row(row, columns, len(table.header.cells))
        problems = list(parsed.problems)
        for address in parsed.addresses:
            first = first_line.setdefault(address, parsed.line)
            if first != parsed.line:
                problems.append(f"duplicate email {address} (first on line {first})")
        if problems:
            plan.bad.append(BadRow(parsed.line, "; ".join(problems)))
        else:
            good.append(parsed)
        if count % CHUNK == 0:
            progress(CHUNK)
    progress(len(table.rows) % CHUNK)
    return good


def _owners(addresses: list[str]) -> dict[str, int]:
    """Return the person id each known address (email or alias) belongs to."""
    owners: dict[str, int] = {}
    for batch in chunks(addresses):
        owners.update(
            Person.select(Person.email, Person.id).where(Person.email.in_(batch)).tuples()
        )
        owners.update(
            EmailAlias.select(EmailAlias.email, EmailAlias.person)
            .where(EmailAlias.email.in_(batch))
            .tuples()
        )
    return owners


def _match(rows: list[PersonRow], plan: ImportPlan) -> list[RowChange]:
    owners = _owners([a for row in rows for a in row.addresses])
    line_of: dict[int, int] = {}
    matched = []
    for row in rows:
        person_id = owners.get(row.email)
        taken = [a for a in row.aliases if owners.get(a, person_id) != person_id]
        if taken:
            plan.bad.append(BadRow(row.line, f"alias {taken[0]} is another person's address"))
        elif person_id is not None and person_id in line_of:
            first = line_of[person_id]
            plan.bad.append(BadRow(row.line, f"{row.email} is the same person as line {first}"))
        else:
            if person_id is not None:
                line_of[person_id] = row.line
            aliases = tuple(a for a in row.aliases if a not in owners)
            matched.append(RowChange(row=row, person_id=person_id, aliases=aliases))
    return matched


@dataclass
class _State:
    """What Tandem has now for the people a file names, in this programme."""

    people: dict[int, dict] = field(default_factory=dict)
    roles: dict[int, set[str]] = field(default_factory=dict)
    profiles: dict[int, dict] = field(default_factory=dict)


def _load_state(programme: Programme, person_ids: list[int]) -> _State:
    state = _State()
    for batch in chunks(person_ids):
        for person in Person.select().where(Person.id.in_(batch)).dicts():
            state.people[person["id"]] = person
    for person_id, role in (
        Membership.select(Membership.person, Membership.role)
        .where(Membership.programme == programme)
        .tuples()
    ):
        state.roles.setdefault(person_id, set()).add(role)
    profiles = MentorProfile.select().where(MentorProfile.programme == programme)
    for profile in profiles.order_by(MentorProfile.id).dicts():
        state.profiles.setdefault(profile["person"], profile)
    return state


def _diff_person(change: RowChange, person: dict) -> None:
    row = change.row
    for column in PERSON_FIELDS:
        new = getattr(row, column)
        if new and new != person[column]:
            change.fields[column] = (person[column], new)
    if row.active is not None and row.active != (person["deactivated_at"] is None):
        change.fields["deactivated_at"] = (
            person["deactivated_at"],
            None if row.active else clock.now(),
        )


def _diff_profile(change: RowChange, roles: set[str], profile: dict | None) -> None:
    if not roles & set(PROFILE_ROLES):
        return
    if profile is None:
        defaults = {} if "mentor" in roles else MENTEE_PROFILE
        change.new_profile = {**defaults, **change.row.profile}
        return
    change.profile_id = profile["id"]
    values = change.row.profile.items()
    change.profile = {k: (profile[k], v) for k, v in values if profile[k] != v}


def _sort(change: RowChange, state: _State, role: str | None, plan: ImportPlan) -> None:
    """Work out what one matched row changes and file it as created, updated or unchanged."""
    row = change.row
    held = state.roles.get(change.person_id, set())
    wanted = row.roles or (() if held or role is None else (role,))
    if not wanted and not held:
        plan.bad.append(BadRow(row.line, f"the role is missing (one of {', '.join(MEMBER_ROLES)})"))
        return
    change.roles = tuple(r for r in wanted if r not in held)
    _diff_profile(change, held | set(wanted), state.profiles.get(change.person_id))
    if change.person_id is None:
        if row.name:
            plan.created.append(change)
        else:
            plan.bad.append(BadRow(row.line, "the name is missing (needed for a new person)"))
        return
    _diff_person(change, state.people[change.person_id])
    (plan.updated if change.changes_anything else plan.unchanged).append(change)


def no_progress(count: int) -> None:
    """Move no progress bar (the default ``Progress``)."""


def plan_import(
    source: bytes | Table, programme: Programme, progress: Progress = no_progress
) -> ImportPlan:
    """Read a people file and plan its import into ``programme``; write nothing."""
    table = source if isinstance(source, Table) else read_table(source)
    plan = ImportPlan(
        programme=programme,
        rows=len(table.rows),
        encoding=table.encoding,
        delimiter=table.delimiter,
    )
    changes = _match(_checked_rows(table, plan, progress), plan)
    state = _load_state(programme, [c.person_id for c in changes if c.person_id is not None])
    role = default_role(programme)
    for change in changes:
        _sort(change, state, role, plan)
    plan.bad.sort(key=lambda bad: bad.line)
    return plan
