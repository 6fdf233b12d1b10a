"""Recognition: badges at milestones, completion certificates, shout-outs for the next session.

Each badge is one INSERT ... SELECT over the programme (who newly qualifies, found by a
GROUP BY), ignoring people who have it already, so awarding is safe to run any number of
times and costs the same for ten participants or ten thousand.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from peewee import ModelSelect, Value, fn

from models import (
    Assignee,
    Attendance,
    Badge,
    Cohort,
    CohortMember,
    Goal,
    Membership,
    Person,
    Programme,
    Session,
)
from models.tracking import PARTICIPANT_ROLE
from workers.mentoring.certificates import Certificate, render_certificate
from workers.outbound import outbox
from workers.outbound.attachments import File, attach_once
from workers.tracking.completion import COMPLETION_ATTENDANCE
from workers.tracking.scope import count_if, count_rows

#: Sessions attended for the "regular attender" badge.
SESSIONS_FOR_BADGE = 5

#: Assignments due (all on time) for the "always on time" badge.
ON_TIME_FOR_BADGE = 3

#: Longest goal text a badge's detail keeps.
MAX_DETAIL = 200

#: How far back shout-outs look when the programme has had no session yet.
SHOUT_OUT_DAYS = 14


def _first_submission(programme_id: int, now: dt.datetime):
    return (
        Assignee.select(Assignee.person, Value("first submission").alias("detail"))
        .where((Assignee.programme == programme_id) & (Assignee.submitted_at <= now))
        .group_by(Assignee.person)
    )


def _all_on_time(programme_id: int, now: dt.datetime):
    return (
        Assignee.select(Assignee.person, Value(f"{ON_TIME_FOR_BADGE}+ assignments on time"))
        .where((Assignee.programme == programme_id) & (Assignee.due_at < now))
        .group_by(Assignee.person)
        .having(
            (count_rows() >= ON_TIME_FOR_BADGE)
            & (count_if(Assignee.submitted_at <= Assignee.due_at) == count_rows())
        )
    )


def _goal_reached(programme_id: int, now: dt.datetime):
    return (
        Goal.select(Goal.person, fn.SUBSTR(fn.MIN(Goal.text), 1, MAX_DETAIL))
        .where((Goal.programme == programme_id) & (Goal.status == "achieved"))
        .group_by(Goal.person)
    )


def _sessions_attended(programme_id: int, now: dt.datetime):
    return Attendance.select(
        Attendance.person, Value(f"{SESSIONS_FOR_BADGE}+ sessions attended")
    ).where((Attendance.programme == programme_id) & (Attendance.attended >= SESSIONS_FOR_BADGE))


def completers(programme_id: int, now: dt.datetime, cohort_ended: bool = True) -> ModelSelect:
    """Return a query of participants who completed the programme (all work due submitted,
    at least COMPLETION_ATTENDANCE of their sessions attended) and whose cohort has ended,
    or, with ``cohort_ended=False``, whether it has or not."""
    missing = Assignee.select(Assignee.person).where(
        (Assignee.programme == programme_id)
        & (Assignee.due_at < now)
        & Assignee.submitted_at.is_null()
    )
    sessions = Attendance.attended + Attendance.absent
    poor = Attendance.select(Attendance.person).where(
        (Attendance.programme == programme_id)
        & (Attendance.absent > sessions * (1 - COMPLETION_ATTENDANCE))
    )
    ended = (
        CohortMember.select(CohortMember.person)
        .join(Cohort)
        .where((CohortMember.programme == programme_id) & (Cohort.ends_on < now.date()))
    )
    where = (
        (Membership.programme == programme_id)
        & (Membership.role == PARTICIPANT_ROLE)
        & Membership.person.not_in(missing)
        & Membership.person.not_in(poor)
    )
    if cohort_ended:
        where &= Membership.person.in_(ended)
    return Membership.select(Membership.person, Value("programme completed")).where(where)


#: Each badge kind and the query of who qualifies, as (person, detail) rows.
QUALIFIERS = {
    "first_submission": _first_submission,
    "all_on_time": _all_on_time,
    "goal_reached": _goal_reached,
    "sessions_attended": _sessions_attended,
    "completed": completers,
}


def award(programme_id: int, now: dt.datetime) -> dict[str, list[int]]:
    """Award every badge newly earned in a programme; return the people awarded, by kind."""
    for kind, qualifies in QUALIFIERS.items():
        _insert(programme_id, kind, qualifies(programme_id, now), now)
    return _awarded(programme_id, now)


def recognise(programme_id: int, now: dt.datetime) -> dict[str, list[int]]:
    """Award the badges newly earned and send the completion certificates they bring."""
    with outbox.transaction():
        awarded = award(programme_id, now)
        certify(programme_id, awarded["completed"], now)
    return awarded


def close_programme(programme_id: int, now: dt.datetime) -> list[int]:
    """Recognise everyone who completed the programme as it closes, whether or not their
    cohort has an end date; send their certificates and return who they are."""
    mine = (Badge.programme == programme_id) & (Badge.kind == "completed")
    with outbox.transaction():
        before = {row.person_id for row in Badge.select(Badge.person).where(mine)}
        _insert(programme_id, "completed", completers(programme_id, now, False), now)
        after = Badge.select(Badge.person).where(mine).order_by(Badge.person)
        people = [row.person_id for row in after if row.person_id not in before]
        certify(programme_id, people, now)
    return people


def _insert(programme_id: int, kind: str, source, now: dt.datetime) -> None:
    """Insert a badge for each (person, detail) row of ``source`` who has none of ``kind``."""
    rows = source.select_extend(
        Value(programme_id), Value(kind), Value(now, converter=Badge.awarded_at.db_value)
    )  # (person, detail, programme, kind, awarded_at)
    fields = [Badge.person, Badge.detail, Badge.programme, Badge.kind, Badge.awarded_at]
    Badge.insert_from(rows, fields).on_conflict_ignore().execute()


def _awarded(programme_id: int, now: dt.datetime) -> dict[str, list[int]]:
    fresh = Badge.select(Badge.kind, Badge.person).where(
        (Badge.programme == programme_id) & (Badge.awarded_at == now)
    )
    awarded: dict[str, list[int]] = {kind: [] for kind in QUALIFIERS}
    for row in fresh.order_by(Badge.person):
        awarded[row.kind].append(row.person_id)
    return awarded


def session_window(programme_id: int, now: dt.datetime) -> tuple[dt.datetime, dict | None]:
    """Return when the last live session ended (or SHOUT_OUT_DAYS ago) and the next one."""
    live = (Session.programme == programme_id) & (Session.status != "cancelled")
    last = Session.select(fn.MAX(Session.ends_at)).where(live & (Session.ends_at <= now)).scalar()
    upcoming = (
        Session.select(Session.title, Session.starts_at)
        .where(live & (Session.starts_at > now))
        .order_by(Session.starts_at)
        .first()
    )
    since = last or now - dt.timedelta(days=SHOUT_OUT_DAYS)
    after = {"title": upcoming.title, "starts_at": upcoming.starts_at} if upcoming else None
    return since, after


def shout_outs(programme_id: int, now: dt.datetime, limit: int = 500) -> dict:
    """Return the badges earned since the last live session, to read out at the next one."""
    since, upcoming = session_window(programme_id, now)
    query = (
        Badge.select(Badge.kind, Badge.detail, Badge.awarded_at, Person.name, Membership.department)
        .join(Person, on=(Person.id == Badge.person))
        .join(
            Membership,
            on=(
                (Membership.person == Badge.person)
                & (Membership.programme == Badge.programme)
                & (Membership.role == PARTICIPANT_ROLE)
            ),
        )
        .where(
            (Badge.programme == programme_id)
            & (Badge.awarded_at > since)
            & (Badge.awarded_at <= now)
        )
        .order_by(Badge.awarded_at.desc(), Person.name)
        .limit(limit)
    )  # fmt: skip
    return {"since": since, "next_session": upcoming, "people": list(query.dicts())}


def _certificate_file(cert: Certificate) -> list[File]:
    return [("certificate-completed.pdf", "application/pdf", render_certificate(cert))]


def certify(programme_id: int, person_ids: list[int], now: dt.datetime) -> int:
    """Send each person a completion certificate (once per programme); return how many."""
    if not person_ids:
        return 0
    programme = Programme.get_by_id(programme_id)
    sent = 0
    for person in Person.select().where(Person.id.in_(person_ids)).order_by(Person.id):
        if not person.can_receive_email:
            continue
        ctx = {"programme": programme.name, "attached_files": ["certificate-completed.pdf"]}
        key = f"programme:{programme_id}:completed:{person.id}"
        row = outbox.queue_email("recognition-completed", person, ctx, key=key)
        cert = Certificate(programme.name, person.name, programme.name, "completed", "",
                           now.date())  # fmt: skip
        sent += attach_once(row, partial(_certificate_file, cert))
    return sent
