"""The at-risk signals read from counts and dates: one GROUP BY query each per programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from peewee import JOIN, Case, ModelSelect, fn

from models import Assignee, Event, Membership, Person
from models.tracking import ACTIVE_KINDS, PARTICIPANT_ROLE
from workers.tracking.scope import count_if, count_rows

#: Event kinds that mean an invitation went without a yes.
INVITATION_MISSES = ("rsvp_decline", "invitation_unanswered")


@dataclass
class Signal:
    """One reason a participant may be at risk, in plain words with the data behind it."""

    name: str
    area: str  # activity, work, sessions, ratings, goals or reach: an area counts once
    words: str
    data: dict = field(default_factory=dict)
    strong: bool = False

    def as_reason(self) -> dict:
        """Return the signal as a JSON-ready reason."""
        return {
            "signal": self.name,
            "area": self.area,
            "words": self.words,
            "data": self.data,
            "strong": self.strong,
        }


@dataclass
class Context:
    """What every signal query needs: the programme, the time, thresholds and participants."""

    programme_id: int
    now: dt.datetime
    th: dict
    people: ModelSelect

    def ago(self, key: str) -> dt.datetime:
        """Return ``now`` less the number of days the threshold ``key`` names."""
        return self.now - dt.timedelta(days=self.th[key])


def as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    """Return an aggregate's time as a datetime (SQLite hands back text)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def day(value: dt.datetime | None) -> str:
    """Return the date part of a time, as the reasons show it."""
    return value.date().isoformat() if value else ""


def plural(n: int, noun: str) -> str:
    """Return "1 goal" or "2 goals"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def overdue_where(ctx: Context):
    """Return the condition for the assignments due in the window and overdue at ``ctx.now``."""
    # Older missing work shows in the completion figures; a risk is what has gone wrong lately.
    return (
        (Assignee.programme == ctx.programme_id)
        & (Assignee.due_at < ctx.ago("overdue_grace_days"))
        & (Assignee.due_at >= ctx.ago("window_days"))
        & (Assignee.submitted_at.is_null() | (Assignee.submitted_at > ctx.now))
        & Assignee.person.in_(ctx.people)
    )


def overdue(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants with overdue assignments (titles are added for flagged people)."""
    count = count_rows()
    query = (
        Assignee.select(Assignee.person, count.alias("n"), fn.MIN(Assignee.due_at).alias("oldest"))
        .where(overdue_where(ctx))
        .group_by(Assignee.person)
        .having(count >= ctx.th["overdue_count"])
    )
    for row in query.dicts():
        n, oldest = row["n"], as_datetime(row["oldest"])
        words = f"{plural(n, 'assignment')} overdue in the last {ctx.th['window_days']} days"
        strong = n >= ctx.th["overdue_strong"]
        yield (
            row["person"],
            Signal("overdue", "work", words, {"count": n, "oldest_due": day(oldest)}, strong),
        )


def silence(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants Tandem has heard nothing from for ``silence_days``."""
    last = fn.MAX(Event.at)
    heard = (
        (Event.programme == Membership.programme)
        & (Event.person == Membership.person)
        & Event.kind.in_(ACTIVE_KINDS)
        & (Event.at <= ctx.now)
    )
    query = (
        Membership.select(
            Membership.person, Membership.created_at.alias("joined"), last.alias("last")
        )
        .join(Event, JOIN.LEFT_OUTER, on=heard)
        .where(
            (Membership.programme == ctx.programme_id)
            & (Membership.role == PARTICIPANT_ROLE)
            & Membership.person.in_(ctx.people)
            & (Membership.created_at <= ctx.now)
        )
        .group_by(Membership.person, Membership.created_at)
        .having(fn.COALESCE(last, Membership.created_at) < ctx.ago("silence_days"))
    )
    for row in query.dicts():
        last_at, joined = as_datetime(row["last"]), as_datetime(row["joined"])
        days = (ctx.now - (last_at or joined)).days
        if last_at:
            words = f"no reply for {days} days (last on {day(last_at)})"
        else:
            words = f"nothing heard since joining on {day(joined)} ({days} days)"
        data = {"days": days, "last": day(last_at), "joined": day(joined)}
        strong = days >= ctx.th["silence_strong_days"]
        yield row["person"], Signal("silence", "activity", words, data, strong)


def _window(ctx: Context, kinds: tuple[str, ...]):
    return (
        (Event.programme == ctx.programme_id)
        & Event.kind.in_(kinds)
        & (Event.at > ctx.ago("window_days"))
        & (Event.at <= ctx.now)
        & Event.person.in_(ctx.people)
    )


def invitations(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants who declined or left unanswered several recent invitations."""
    count = count_rows()
    declined = count_if(Event.kind == "rsvp_decline")
    query = (
        Event.select(Event.person, count.alias("n"), declined.alias("declined"))
        .where(_window(ctx, INVITATION_MISSES))
        .group_by(Event.person)
        .having(count >= ctx.th["invitations_count"])
    )
    for row in query.dicts():
        n, declined_n = row["n"], int(row["declined"])
        words = (
            f"{n} invitations declined or unanswered in the last {ctx.th['window_days']} days "
            f"({declined_n} declined, {n - declined_n} unanswered)"
        )
        data = {"count": n, "declined": declined_n, "unanswered": n - declined_n}
        yield row["person"], Signal("invitations", "sessions", words, data)


def missed_sessions(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants who missed several recent sessions."""
    missed = count_if(Event.kind == "absence")
    last_missed = fn.MAX(Case(None, [(Event.kind == "absence", Event.at)]))
    query = (
        Event.select(
            Event.person,
            missed.alias("missed"),
            count_rows().alias("sessions"),
            last_missed.alias("last"),
        )
        .where(_window(ctx, ("attendance", "absence")))
        .group_by(Event.person)
        .having(missed >= ctx.th["missed_count"])
    )
    for row in query.dicts():
        n, of, last = int(row["missed"]), row["sessions"], as_datetime(row["last"])
        words = (
            f"missed {n} of {of} sessions in the last {ctx.th['window_days']} days "
            f"(last on {day(last)})"
        )
        data = {"missed": n, "sessions": of, "last": day(last)}
        strong = n >= ctx.th["missed_strong"]
        yield row["person"], Signal("missed_sessions", "sessions", words, data, strong)


def bounces(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants whose mail bounces (a hard bounce flags on its own)."""
    count = fn.COUNT(Event.at)  # only the bounces the LEFT JOIN found
    bounced = (
        (Event.programme == Membership.programme)
        & (Event.person == Membership.person)
        & (Event.kind == "bounce")
        & (Event.at > ctx.ago("window_days"))
        & (Event.at <= ctx.now)
    )
    query = (
        Membership.select(Membership.person, Person.bounce_state, count.alias("n"))
        .join(Person, on=(Person.id == Membership.person))
        .join(Event, JOIN.LEFT_OUTER, on=bounced)
        .where(
            (Membership.programme == ctx.programme_id)
            & (Membership.role == PARTICIPANT_ROLE)
            & Membership.person.in_(ctx.people)
        )
        .group_by(Membership.person, Person.bounce_state)
        .having((count >= ctx.th["bounce_count"]) | (Person.bounce_state == "hard"))
    )
    for row in query.dicts():
        hard = row["bounce_state"] == "hard"
        words = "email to them bounces for good" if hard else f"{plural(row['n'], 'email')} bounced"
        data = {"bounces": row["n"], "state": row["bounce_state"]}
        yield row["person"], Signal("bounce", "reach", words, data, hard)
