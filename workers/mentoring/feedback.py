"""Around every session: a reminder before it with the action plan to revisit, and after it
the mentor's feedback on progress and the mentee's reflection, both by reply.

The mentor answers with a rating of the mentee's progress and notes (and, for a group, who
attended); the mentee with a satisfaction rating and a reflection. Both attach to the
pair's record (``SessionFeedback``), update the plan and the goals, and count as tracking
events (mentor_rating, satisfaction, attendance).
"""

from __future__ import annotations

from peewee import IntegrityError

from models import Occurrence, OccurrenceRsvp, SessionFeedback, SessionSeries, clock, db
from workers.grammar.dates import local_today
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.mentoring.desk import HELP, apply_work, confirm
from workers.mentoring.goals import goals_ctx
from workers.mentoring.invitations import attendees, base_ctx
from workers.mentoring.occurrences import BEFORE_JOB, END_JOB
from workers.mentoring.pair_grammar import read_pair_reply
from workers.mentoring.plan import plan_ctx
from workers.mentoring.resources import suggest
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs
from workers.runtime.plainsql import row_by_id
from workers.tracking import engagement
from workers.tracking.events import SESSION_KINDS


def _live(occurrence_id: int) -> Occurrence | None:
    occurrence = Occurrence.get_or_none(Occurrence.id == occurrence_id)
    if occurrence is None or occurrence.status == "cancelled":
        return None
    return occurrence if occurrence.series.status == "active" else None


def _ctx(occurrence: Occurrence, me, people) -> dict:
    series = occurrence.series
    mentees = [a.person for a in people if a.role == "mentee"]
    return base_ctx(series, me, people) | {
        "when": describe_time(occurrence.starts_at, occurrence.ends_at, me.person.timezone),
        "plan": plan_ctx(series.group),
        "goals": goals_ctx(series.programme_id, me.person.id) if me.role == "mentee" else [],
        "mentees": [{"number": n, "name": p.name} for n, p in enumerate(mentees, 1)],
        "group": series.kind != "pair" and len(mentees) > 1,
    }


def ask_feedback(occurrence_id: int) -> int:
    """Ask the mentors for feedback and the mentees for a reflection, once; return how many."""
    occurrence = _live(occurrence_id)
    if occurrence is None:
        return 0
    with outbox.transaction():
        claimed = (
            Occurrence.update(feedback_asked_at=clock.now(), status="held")
            .where((Occurrence.id == occurrence.id) & Occurrence.feedback_asked_at.is_null())
            .execute()
        )
        if not claimed:
            return 0
        people = attendees(occurrence.series.group)
        drafts = [
            Draft(
                f"mentoring-feedback-{me.role}",
                me.person,
                _ctx(occurrence, me, people),
                f"mentoring-occurrence:{occurrence.id}:feedback:{me.person.id}",
                ("occurrence", occurrence.id),
            )
            for me in people
            if me.person.can_receive_email
        ]
        return len(queue_many(drafts))


def remind(occurrence_id: int) -> int:
    """Send everyone the session's reminder: the time, the plan to revisit, goals, resources."""
    occurrence = _live(occurrence_id)
    if occurrence is None or occurrence.starts_at <= clock.now():
        return 0
    group = occurrence.series.group
    people = attendees(group)
    found = suggest(group)
    drafts = []
    for me in people:
        if me.person.can_receive_email:
            ctx = _ctx(occurrence, me, people) | {"resources": found}
            key = (
                f"mentoring-occurrence:{occurrence.id}:before:{me.person.id}:{occurrence.starts_at}"
            )
            drafts.append(Draft("mentoring-next-session", me.person, ctx, key, ("pair", group.id)))
    with outbox.transaction():
        return len(queue_many(drafts))


@jobs.handler(END_JOB)
def run_ask_feedback(payload: dict) -> None:
    """Ask for feedback once a session has ended."""
    ask_feedback(payload["occurrence_id"])


@jobs.handler(BEFORE_JOB)
def run_remind(payload: dict) -> None:
    """Remind everyone of a coming session."""
    remind(payload["occurrence_id"])


def read_feedback(ctx: ReplyContext) -> None:
    """Read the feedback ahead of the write transaction."""
    occurrence = row_by_id(Occurrence, ctx.object_id)
    size = 0
    if occurrence is not None:
        series = SessionSeries.get_by_id(occurrence.series_id)
        mentees = [a for a in attendees(series.group) if a.role == "mentee"]
        size = len(mentees) if series.kind != "pair" and len(mentees) > 1 else 0
    tz = ctx.person.timezone
    ctx.read = read_pair_reply(ctx.reply_text, timezone=tz, today=local_today(tz), group_size=size)


@applier("occurrence", read=read_feedback)
def apply_feedback(ctx: ReplyContext) -> str:
    """Attach a mentor's feedback or a mentee's reflection to the session and the pair."""
    occurrence = row_by_id(Occurrence, ctx.object_id)
    group = occurrence.series.group if occurrence else None
    people = attendees(group) if group else []
    role = next((a.role for a in people if a.person.id == ctx.person.id), None)
    if role is None:
        raise UnknownObjectError(f"session {ctx.object_id} does not exist")
    if ctx.read is None:
        read_feedback(ctx)
    reply = ctx.read
    if reply.rating is None and reply.option is not None and reply.option <= 5:
        reply.rating, reply.option = reply.option, None  # a bare "4" rates the session
    if not reply.says_something:
        raise AmbiguousReplyError("the reply says nothing to record", not_understood=[HELP])
    recorded = [_save(occurrence, ctx, role, reply.rating, reply.text)]
    recorded += _attendance(occurrence, ctx.person, role, people, reply.attended)
    done, problems = apply_work(group, ctx.person, role, reply, occurrence, ctx.message)
    confirm(ctx, recorded + done, problems)
    return "; ".join(recorded + done)[:1000]


def _save(occurrence: Occurrence, ctx: ReplyContext, role: str, rating, text: str) -> str:
    """Keep the feedback (a later reply replaces the earlier one); count the rating."""
    values = {"role": role, "rating": rating, "text": text, "inbound": ctx.message.id,
              "updated_at": clock.now()}  # fmt: skip
    where = (SessionFeedback.occurrence == occurrence) & (SessionFeedback.person == ctx.person)
    if not SessionFeedback.update(values).where(where).execute():
        try:
            with db.atomic():
                SessionFeedback.create(occurrence=occurrence, group=occurrence.series.group_id,
                                       person=ctx.person, **values)  # fmt: skip
        except IntegrityError:
            SessionFeedback.update(values).where(where).execute()
    programme = occurrence.series.programme_id
    if rating is not None:
        # Counted once per session and mentee: a later reply corrects the feedback above and
        # its rating replaces the first, it is not a second rating.
        mentees = [a.person.id for a in attendees(occurrence.series.group) if a.role == "mentee"]
        kind = "mentor_rating" if role == "mentor" else "satisfaction"
        for person_id in mentees if role == "mentor" else [ctx.person.id]:
            engagement.correct(programme, person_id, kind, f"occurrence:{occurrence.id}",
                               (kind,), value=rating)  # fmt: skip
    word = "progress" if role == "mentor" else "satisfaction"
    rated = f"{word} {rating}/5" if rating is not None else f"no {word} rating"
    return f"Your {'feedback' if role == 'mentor' else 'reflection'} on the session ({rated})"


def _attendance(occurrence, person, role: str, people, said) -> list[str]:
    """Record who attended: the mentor says for the mentees; a mentee's reflection says they
    came, unless the mentor said otherwise."""
    mentees = [a.person for a in people if a.role == "mentee"]
    marks: dict = {}
    if role == "mentee":
        said_before = OccurrenceRsvp.get_or_none(
            (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == person)
        )
        marks = {} if said_before and said_before.attended is not None else {person.id: True}
    elif isinstance(said, bool) and len(mentees) == 1:
        marks = {mentees[0].id: said}
    elif isinstance(said, set):
        marks = {p.id: n in said for n, p in enumerate(mentees, 1)}
    recorded = []
    for mentee in mentees:
        if mentee.id in marks:
            recorded += _mark(occurrence, mentee, marks[mentee.id], f"person:{person.id}")
    return recorded if role == "mentor" else []


def _mark(occurrence: Occurrence, mentee, came: bool, by: str) -> list[str]:
    where = (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == mentee)
    row = OccurrenceRsvp.get_or_none(where)
    if row is not None and row.attended == came:
        return []
    if row is None:
        OccurrenceRsvp.create(occurrence=occurrence, person=mentee, attended=came, attended_by=by)
    else:
        OccurrenceRsvp.update(attended=came, attended_by=by).where(where).execute()
    kind, ref = "attendance" if came else "absence", f"occurrence:{occurrence.id}"
    engagement.correct(occurrence.series.programme_id, mentee.id, kind, ref, SESSION_KINDS)
    return [f"{mentee.name}: {'attended' if came else 'did not attend'}"]
