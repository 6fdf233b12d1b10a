"""At-risk detection: combine the signals into flags with reasons, and keep RiskFlag rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from models import Assignee, Assignment, Goal, RiskFlag, RiskRule, clock, db
from models.risk import OUTCOMES
from workers.tracking.atrisk_signals import (
    Context,
    Signal,
    as_datetime,
    bounces,
    day,
    invitations,
    missed_sessions,
    overdue,
    overdue_where,
    plural,
    silence,
)
from workers.tracking.atrisk_trends import engagement, ratings, stalled_goals, stalled_query
from workers.tracking.errors import UnknownOutcome
from workers.tracking.events import sync_assignees
from workers.tracking.scope import Scope, participants

#: The signal queries, in the order a flag lists its reasons.
SIGNALS = (
    silence,
    engagement,
    overdue,
    missed_sessions,
    invitations,
    ratings,
    stalled_goals,
    bounces,
)

#: How many titles a reason names before it says "and N more".
TITLES_SHOWN = 3

#: People per ``IN (...)`` list, well under every database's limit on parameters.
CHUNK = 500


@dataclass
class Flag:
    """A participant at risk: the signals behind it, in plain words, and a score to sort by."""

    person_id: int
    signals: list[Signal]
    score: float = 0.0

    @property
    def strong(self) -> bool:
        """Tell whether one of the signals is enough to flag on its own."""
        return any(s.strong for s in self.signals)

    @property
    def reasons(self) -> list[dict]:
        """Return the reasons as JSON-ready dicts, as a RiskFlag keeps them."""
        return [s.as_reason() for s in self.signals]


def evaluate(programme_id: int, now: dt.datetime | None = None) -> list[Flag]:
    """Return the programme's participants at risk at ``now``, highest score first."""
    now = now or clock.now()
    th = RiskRule.thresholds_for(programme_id)
    ctx = Context(programme_id, now, th, participants(Scope(programme_id)))
    found: dict[int, list[Signal]] = defaultdict(list)
    for signal in SIGNALS:
        for person_id, found_signal in signal(ctx):
            found[person_id].append(found_signal)
    flags = [Flag(person_id, signals, weigh(signals, th)) for person_id, signals in found.items()]
    flags = [f for f in flags if f.strong or f.score >= th["flag_score"]]
    _name_overdue(ctx, flags)
    _name_stalled(ctx, flags)
    return sorted(flags, key=lambda f: (-f.score, f.person_id))


def weigh(signals: list[Signal], th: dict) -> float:
    """Return the score of some signals: each area's weight once, and two per strong signal."""
    areas = {s.area for s in signals}
    return float(sum(th[f"weight_{area}"] for area in areas) + 2 * sum(s.strong for s in signals))


def refresh_flags(programme_id: int, now: dt.datetime | None = None) -> list[RiskFlag]:
    """Raise, update and clear the programme's RiskFlag rows; return the newly raised ones."""
    now = now or clock.now()
    sync_assignees(programme_id)
    flags = {f.person_id: f for f in evaluate(programme_id, now)}
    is_open = (RiskFlag.programme == programme_id) & RiskFlag.cleared_at.is_null()
    with db.atomic():
        open_rows = {row.person_id: row for row in RiskFlag.select().where(is_open)}
        _clear([row.id for person, row in open_rows.items() if person not in flags], now)
        _update([(row, flags[person]) for person, row in open_rows.items() if person in flags], now)
        new = [flag for person, flag in flags.items() if person not in open_rows]
        _raise(programme_id, new, now)
    raised = []
    for ids in _chunks([flag.person_id for flag in new]):
        raised.extend(RiskFlag.select().where(is_open & RiskFlag.person.in_(ids)))
    return sorted(raised, key=lambda row: (-row.score, row.person_id))


def _clear(ids: list[int], now: dt.datetime) -> None:
    """Clear the flags whose reasons are gone."""
    for chunk in _chunks(ids):
        RiskFlag.update(cleared_at=now, updated_at=now).where(RiskFlag.id.in_(chunk)).execute()


def _update(pairs: list[tuple[RiskFlag, Flag]], now: dt.datetime) -> None:
    """Bring open flags' reasons and scores up to date (the days and counts move on)."""
    changed = []
    for row, flag in pairs:
        if row.reasons != flag.reasons or row.score != flag.score:
            row.reasons, row.score, row.updated_at = flag.reasons, flag.score, now
            changed.append(row)
    if changed:
        RiskFlag.bulk_update(changed, [RiskFlag.reasons, RiskFlag.score, RiskFlag.updated_at], 100)


def _raise(programme_id: int, flags: list[Flag], now: dt.datetime) -> None:
    """Insert a RiskFlag row for each new flag."""
    rows = [
        {
            "programme": programme_id,
            "person": flag.person_id,
            "reasons": flag.reasons,
            "score": flag.score,
            "raised_at": now,
            "updated_at": now,
        }
        for flag in flags
    ]
    for start in range(0, len(rows), CHUNK):
        RiskFlag.insert_many(rows[start : start + CHUNK]).execute()


def claim_intervention(
    flag_id: int, by_person_id: int | None, now: dt.datetime | None = None
) -> bool:
    """Mark a flag's intervention as sent; False when it already was (safe to run twice)."""
    now = now or clock.now()
    updated = (
        RiskFlag.update(intervention_sent_at=now, intervention_by=by_person_id, updated_at=now)
        .where((RiskFlag.id == flag_id) & RiskFlag.intervention_sent_at.is_null())
        .execute()
    )
    return updated == 1


def record_outcome(flag_id: int, outcome: str, note: str = "") -> None:
    """Record what came of a flag's intervention (one of ``OUTCOMES``)."""
    if outcome not in OUTCOMES:
        raise UnknownOutcome(f"unknown outcome {outcome!r}")
    RiskFlag.update(outcome=outcome, outcome_note=note, updated_at=clock.now()).where(
        RiskFlag.id == flag_id
    ).execute()


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _with_signal(flags: list[Flag], name: str) -> dict[int, Signal]:
    return {f.person_id: s for f in flags for s in f.signals if s.name == name}


def _listed(words: str, items: list[str]) -> str:
    more = len(items) - TITLES_SHOWN
    shown = ", ".join(items[:TITLES_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return f"{words}: {shown}"


def _name_overdue(ctx: Context, flags: list[Flag]) -> None:
    """Name the overdue assignments in the reasons of flagged people (one query per chunk)."""
    signals = _with_signal(flags, "overdue")
    found: dict[int, list[dict]] = defaultdict(list)
    for ids in _chunks(list(signals)):
        query = (
            Assignee.select(Assignee.person, Assignee.due_at, Assignment.title)
            .join(Assignment)
            .where(overdue_where(ctx) & Assignee.person.in_(ids))
            .order_by(Assignee.person, Assignee.due_at, Assignment.id)
        )
        for row in query.dicts():
            found[row["person"]].append({"title": row["title"], "due": day(row["due_at"])})
    for person_id, signal in signals.items():
        items = found[person_id]
        signal.data["assignments"] = items
        head = f"{plural(signal.data['count'], 'assignment')} overdue"
        signal.words = _listed(head, [f"{i['title']} (due {i['due']})" for i in items])


def _name_stalled(ctx: Context, flags: list[Flag]) -> None:
    """Name the stalled goals in the reasons of flagged people (one query per chunk)."""
    signals = _with_signal(flags, "stalled_goal")
    found: dict[int, list[dict]] = defaultdict(list)
    for ids in _chunks(list(signals)):
        query, since, best = stalled_query(ctx)
        query = query.select(
            Goal.person, Goal.id, Goal.text, since.alias("since"), best.alias("best")
        )
        for row in query.where(Goal.person.in_(ids)).order_by(Goal.person, since).dicts():
            goal = {"goal": row["id"], "text": row["text"], "progress": round(row["best"])}
            found[row["person"]].append({**goal, "since": day(as_datetime(row["since"]))})
    for person_id, signal in signals.items():
        goals = found[person_id]
        signal.data["goals"] = goals
        texts = [f'"{g["text"]}" at {g["progress"]}% since {g["since"]}' for g in goals]
        signal.words = _listed(f"{plural(len(goals), 'goal')} stalled", texts)
