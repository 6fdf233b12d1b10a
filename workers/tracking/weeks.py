"""The tables kept beside the events: what each event adds, and recounting from scratch.

``PersonWeek`` holds one participant's week, for figures over some participants;
``ProgrammeWeek`` holds the whole programme's week in ``WEEK_SHARDS`` rows, so figures over
everyone read a few dozen rows however many people take part; ``Attendance`` holds each
participant's sessions so far.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from peewee import Case, fn

from models import Attendance, Event, PersonWeek, ProgrammeWeek, db
from models.tracking import ENGAGEMENT_KINDS, RATING_KINDS, WEEK_COUNTS, WEEK_SHARDS
from workers.runtime.plainsql import add_counts
from workers.tracking.scope import count_if

#: Rows per INSERT.
BATCH = 1000

#: The column each kind adds one to (engagement kinds also add one to ``events``).
WEEK_COLUMNS = {
    "reply": "replies",
    "relay": "replies",
    "submission": "submissions",
    "attendance": "attended",
    "absence": "absent",
    "peer": "peer",
}

#: Every kind that shows in the weekly tables.
WEEK_KINDS = tuple(sorted({*ENGAGEMENT_KINDS, *WEEK_COLUMNS, *RATING_KINDS}))


def week_delta(kind: str, value: float | None) -> dict[str, float]:
    """Return what one event adds to its week (nothing for kinds the weeks do not count)."""
    delta: dict[str, float] = {}
    if kind in ENGAGEMENT_KINDS:
        delta["events"] = 1
    if kind in WEEK_COLUMNS:
        delta[WEEK_COLUMNS[kind]] = 1
    if kind in RATING_KINDS and value is not None:
        delta[f"{kind}_sum"], delta[f"{kind}_n"] = value, 1
    return delta


def add_to_weeks(rows: list[dict], sign: int = 1) -> None:
    """Add recorded events (dicts with programme and person ids, week, kind, value) to weeks;
    with ``sign=-1`` take back events that were deleted."""
    people: dict[tuple, Counter] = defaultdict(Counter)
    for row in rows:
        delta = week_delta(row["kind"], row["value"])
        if delta:
            people[(row["programme"], row["person"], row["week"])].update(
                {column: sign * n for column, n in delta.items()}
            )
    if not people:
        return
    keys = [{"programme": p, "person": n, "week": w} for p, n, w in people]
    _upsert(PersonWeek, keys, people, WEEK_COUNTS)
    programme: dict[tuple, Counter] = defaultdict(Counter)
    crossed = _crossed_zero(people, sign)
    for (p, person, week), tally in people.items():
        shard = programme[(p, week, person % WEEK_SHARDS)]
        shard.update(tally)
        shard["active"] += sign * ((p, person, week) in crossed)
    keys = [{"programme": p, "week": w, "shard": s} for p, w, s in programme]
    _upsert(ProgrammeWeek, keys, programme, (*WEEK_COUNTS, "active"))
    _count_attendance(people)


def _count_attendance(people: dict[tuple, Counter]) -> None:
    """Add the sessions attended and missed to each participant's Attendance row."""
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for (p, person, _), tally in people.items():
        if tally["attended"] or tally["absent"]:
            totals[(p, person)].update(attended=tally["attended"], absent=tally["absent"])
    if totals:
        keys = [{"programme": p, "person": n} for p, n in totals]
        _upsert(Attendance, keys, totals, ("attended", "absent"))


def _crossed_zero(people: dict[tuple, Counter], sign: int) -> set[tuple]:
    """Return the person-weeks whose engagement this call started, or with ``sign=-1`` ended
    (read after the upsert).

    A person-week whose count now equals what was just added had none before; one whose
    count is now 0 after a removal has none left. The upsert holds the row until commit, so
    of two writers racing on one row only one sees that.
    """
    by_week: dict[tuple, list[int]] = defaultdict(list)
    for p, person, week in people:
        if people[(p, person, week)]["events"]:
            by_week[(p, week)].append(person)
    started = set()
    for (p, week), persons in by_week.items():
        for start in range(0, len(persons), BATCH):
            query = PersonWeek.select(PersonWeek.person, PersonWeek.events).where(
                (PersonWeek.programme == p)
                & (PersonWeek.week == week)
                & PersonWeek.person.in_(persons[start : start + BATCH])
            )
            for row in query.tuples():
                if row[1] == (people[(p, row[0], week)]["events"] if sign > 0 else 0):
                    started.add((p, row[0], week))
    return started


def _upsert(model, keys: list[dict], tallies: dict, columns: tuple[str, ...]) -> None:
    """Add the tallies to the rows of ``model`` with these keys, creating rows where needed."""
    rows = [{**key, **{c: tallies[tuple(key.values())][c] for c in columns}} for key in keys]
    # One order for every writer, so two transactions never wait on each other's rows.
    rows.sort(key=lambda r: tuple(r[name] for name in keys[0]))
    add_counts(model, list(keys[0]), rows)


def rebuild_weeks(programme_id: int) -> int:
    """Recount a programme's weekly tables and attendance from its events; return its
    PersonWeek rows."""
    columns = {"events": count_if(Event.kind.in_(ENGAGEMENT_KINDS))}
    for column in set(WEEK_COLUMNS.values()):
        columns[column] = count_if(
            Event.kind.in_([k for k, c in WEEK_COLUMNS.items() if c == column])
        )
    for kind in RATING_KINDS:
        rated = (Event.kind == kind) & Event.value.is_null(False)
        columns[f"{kind}_sum"] = fn.SUM(Case(None, [(rated, Event.value)], 0))
        columns[f"{kind}_n"] = count_if(rated)
    people = (
        Event.select(Event.programme, Event.week, Event.person, *(columns[c] for c in WEEK_COUNTS))
        .where((Event.programme == programme_id) & Event.kind.in_(WEEK_KINDS))
        .group_by(Event.programme, Event.week, Event.person)
    )
    # Integer division in both databases; a "%" would be LIKE to peewee and a
    # placeholder to psycopg2.
    shard = PersonWeek.person - (PersonWeek.person / WEEK_SHARDS) * WEEK_SHARDS
    programme = (
        PersonWeek.select(
            PersonWeek.programme,
            PersonWeek.week,
            shard,
            count_if(PersonWeek.events > 0),
            *(fn.SUM(getattr(PersonWeek, c)) for c in WEEK_COUNTS),
        )
        .where(PersonWeek.programme == programme_id)
        .group_by(PersonWeek.programme, PersonWeek.week, shard)
    )
    sessions = (
        PersonWeek.select(
            PersonWeek.programme,
            PersonWeek.person,
            fn.SUM(PersonWeek.attended),
            fn.SUM(PersonWeek.absent),
        )
        .where(PersonWeek.programme == programme_id)
        .group_by(PersonWeek.programme, PersonWeek.person)
        .having((fn.SUM(PersonWeek.attended) > 0) | (fn.SUM(PersonWeek.absent) > 0))
    )
    counts = [getattr(PersonWeek, c) for c in WEEK_COUNTS]
    with db.atomic():
        for model in (PersonWeek, ProgrammeWeek, Attendance):
            model.delete().where(model.programme == programme_id).execute()
        PersonWeek.insert_from(
            people, [PersonWeek.programme, PersonWeek.week, PersonWeek.person, *counts]
        ).execute()
        fields = [
            ProgrammeWeek.programme,
            ProgrammeWeek.week,
            ProgrammeWeek.shard,
            ProgrammeWeek.active,
        ]
        fields += [getattr(ProgrammeWeek, c) for c in WEEK_COUNTS]
        ProgrammeWeek.insert_from(programme, fields).execute()
        fields = [Attendance.programme, Attendance.person, Attendance.attended, Attendance.absent]
        Attendance.insert_from(sessions, fields).execute()
    return PersonWeek.select().where(PersonWeek.programme == programme_id).count()
