"""Periodic self-assessments: a short Likert questionnaire by email, answered by reply.

A programme lists its competences; every few weeks (``DEFAULT_WEEKS`` unless the programme
chooses, ``set_period``) each participant gets the numbered list
and rates each from 1 to 5 in a reply. The ratings are kept per person and competence over
time, and their mean counts as a ``self_assessment`` event, whose fall is an at-risk signal.
A questionnaire is optional email: it takes a place in the person's weekly budget
(``workers.tracking.budget``) and waits for a week with room.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from models import Competence, Membership, Person, Programme, SelfCheck, SelfRating, clock, db
from models.tracking import PARTICIPANT_ROLE
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id
from workers.tracking import budget, events
from workers.tracking.errors import TrackingError
from workers.tracking.selfassess_grammar import read_self_assessment

#: Weeks between a participant's questionnaires, unless the programme chooses.
DEFAULT_WEEKS = 4

#: Most weeks a programme may leave between questionnaires (half a year).
MAX_WEEKS = 26

#: Most competences a questionnaire asks about (it is meant to be short).
MAX_COMPETENCES = 10

#: How to answer, as the questionnaire and the ask-back say it.
HELP = 'one rating from 1 to 5 per competence: "1) 4 2) 3 ..." or "Listening: 4"'


class CompetenceError(TrackingError, ValueError):
    """A programme's list of competences is empty, too long or repeats a name."""


def set_questionnaire(
    programme_id: int, names: list[str], weeks: int | None
) -> tuple[list[Competence], int]:
    """Set the competences and the weeks between questionnaires together (neither when one
    is wrong); return the competences and the period in force."""
    with db.atomic():
        every = set_period(programme_id, weeks)
        return set_competences(programme_id, names), every


def set_period(programme_id: int, weeks: int | None) -> int:
    """Set how many weeks apart the programme's questionnaires go out (``None``: the
    default); return the period now in force."""
    if weeks is not None and not 1 <= weeks <= MAX_WEEKS:
        raise CompetenceError(f"ask every 1 to {MAX_WEEKS} weeks")
    Programme.update(selfassess_weeks=weeks).where(Programme.id == programme_id).execute()
    return weeks or DEFAULT_WEEKS


def period_weeks(programme_id: int) -> int:
    """Return how many weeks apart the programme's questionnaires go out."""
    chosen = (
        Programme.select(Programme.selfassess_weeks).where(Programme.id == programme_id).scalar()
    )
    return chosen or DEFAULT_WEEKS


def set_competences(programme_id: int, names: list[str]) -> list[Competence]:
    """Replace the programme's questionnaire with these competences, numbered in order."""
    names = [" ".join(n.split())[:100] for n in names if n.strip()]
    if not names or len(names) > MAX_COMPETENCES:
        raise CompetenceError(f"give 1 to {MAX_COMPETENCES} competences")
    if len({n.lower() for n in names}) != len(names):
        raise CompetenceError("each competence once")
    with db.atomic():
        kept = {c.name.lower(): c for c in competences(programme_id)}
        Competence.update(position=Competence.position + 1000).where(
            Competence.programme == programme_id
        ).execute()  # out of the way of the unique positions, ratings kept
        for pos, name in enumerate(names, 1):
            old = kept.pop(name.lower(), None)
            if old is None:
                Competence.create(programme=programme_id, position=pos, name=name)
            else:
                Competence.update(position=pos, name=name).where(Competence.id == old.id).execute()
        for gone in kept.values():
            Competence.delete().where(Competence.id == gone.id).execute()
    return competences(programme_id)


def competences(programme_id: int) -> list[Competence]:
    """Return the programme's competences in questionnaire order."""
    return list(
        Competence.select()
        .where(Competence.programme == programme_id)
        .order_by(Competence.position)
    )


def due_people(programme_id: int, now: dt.datetime) -> list[Person]:
    """Return the participants not asked within the programme's period (or never), who take
    email."""
    every = dt.timedelta(weeks=period_weeks(programme_id))
    last = (
        SelfCheck.select(SelfCheck.person, fn.MAX(SelfCheck.sent_at).alias("last"))
        .where(SelfCheck.programme == programme_id)
        .group_by(SelfCheck.person)
    )
    recent = {row.person_id for row in last if row.last and _dt(row.last) > now - every}
    people = (
        Person.select()
        .join(Membership, on=(Membership.person == Person.id))
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
        .order_by(Person.id)
    )
    return [p for p in people if p.id not in recent and p.can_receive_email]


def send_due_checks(programme_id: int, now: dt.datetime | None = None) -> int:
    """Send the questionnaire to every participant due one whose budget has room; return how
    many went (the others keep their place for a later day)."""
    now = now or clock.now()
    asked = competences(programme_id)
    if not asked:
        return 0
    sent = 0
    for person in due_people(programme_id, now):
        number = (
            SelfCheck.select()
            .where((SelfCheck.programme == programme_id) & (SelfCheck.person == person.id))
            .count()
        )
        ref = f"selfcheck:{programme_id}:{number + 1}"
        if budget.schedule_optional(person, programme_id, "self_assessment", now, ref) > now:
            continue  # the person's week is full: the place taken is in a later week
        sent += _send(programme_id, person, asked, now, number + 1)
    return sent


def _send(programme_id: int, person: Person, asked: list[Competence], now, number: int) -> int:
    with outbox.transaction():
        check = SelfCheck.create(programme=programme_id, person=person, sent_at=now)
        ctx = {
            "programme": check.programme.name,
            "competences": [{"number": c.position, "name": c.name} for c in asked],
            "help": HELP,
            "first": number == 1,
        }
        outbox.queue_email(
            "self-assessment",
            person,
            ctx,
            key=f"selfcheck:{programme_id}:{person.id}:{number}",
            about=("selfcheck", check.id),
        )
    return 1


@applier("selfcheck")
def apply_self_assessment(ctx: ReplyContext) -> str:
    """Keep the ratings of a questionnaire's reply (a later reply corrects), and confirm."""
    check = row_by_id(SelfCheck, ctx.object_id)
    if check is None or check.person_id != ctx.person.id:
        raise UnknownObjectError(f"self-assessment {ctx.object_id} does not exist")
    asked = {c.position: c for c in competences(check.programme_id)}
    found = read_self_assessment(
        ctx.reply_text, {p: c.name for p, c in asked.items()}, (ctx.person.name,)
    )
    if not found.ratings:
        raise AmbiguousReplyError(
            "the reply rates no competence", not_understood=[*found.problems, HELP][:5]
        )
    now = clock.now()
    with outbox.transaction():
        first = check.answered_at is None
        for pos, value in found.ratings.items():
            keep_rating(check, asked[pos].id, value, now)
        SelfCheck.update(answered_at=now).where(SelfCheck.id == check.id).execute()
        if first:
            mean = sum(found.ratings.values()) / len(found.ratings)
            ref = f"selfcheck:{check.id}"
            events.record(check.programme_id, ctx.person.id, "self_assessment", now, mean, ref)
        recorded = [f"{asked[p].name}: {v}/5" for p, v in sorted(found.ratings.items())]
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": "your self-assessment",
                "recorded": recorded,
                "not_understood": found.problems,
                "late": False,
            },  # fmt: skip
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("selfcheck", check.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"{len(found.ratings)} of {len(asked)} competences rated"


def keep_rating(check: SelfCheck, competence_id: int, value: int, now: dt.datetime) -> None:
    """Keep one rating of a questionnaire (a later answer to the same one replaces it)."""
    where = (SelfRating.check == check.id) & (SelfRating.competence == competence_id)
    if not SelfRating.update(value=value, at=now).where(where).execute():
        SelfRating.create(
            check=check.id,
            programme=check.programme_id,
            person=check.person_id,
            competence=competence_id,
            value=value,
            at=now,
        )


def _dt(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
