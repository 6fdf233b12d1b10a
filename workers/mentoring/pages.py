"""What the pair and group pages show, and the few changes a coordinator makes there.

A group (a pair is a group of one mentee) is always looked up inside its programme, so
another programme's ids find nothing.
"""

from __future__ import annotations

from models import (
    GroupMember,
    GroupMentor,
    Membership,
    MentoringGroup,
    Occurrence,
    OccurrenceRsvp,
    PairSettings,
    Person,
    Programme,
    RelayMessage,
    Rsvp,
    SessionFeedback,
    SessionSeries,
    clock,
    db,
)
from workers.mentoring.errors import SessionError
from workers.mentoring.goals import goals_ctx
from workers.mentoring.invitations import attendees
from workers.mentoring.plan import plan_ctx


def group_in(programme: Programme, group_id: int) -> MentoringGroup | None:
    """Return the programme's group with this id, or None."""
    return MentoringGroup.get_or_none(
        (MentoringGroup.id == group_id) & (MentoringGroup.programme == programme)
    )


def occurrence_in(group: MentoringGroup, occurrence_id: int) -> Occurrence | None:
    """Return one of the group's occurrences, or None."""
    return (
        Occurrence.select()
        .join(SessionSeries)
        .where((Occurrence.id == occurrence_id) & (SessionSeries.group == group))
        .first()
    )


def groups_of(programme: Programme) -> list[dict]:
    """Return every pair and group of the programme with its people and next session."""
    rows = []
    query = MentoringGroup.select().where(MentoringGroup.programme == programme)
    for group in query.order_by(MentoringGroup.theme, MentoringGroup.id):
        people = attendees(group)
        upcoming = (
            Occurrence.select()
            .join(SessionSeries)
            .where(
                (SessionSeries.group == group)
                & (Occurrence.status == "scheduled")
                & (Occurrence.starts_at > clock.now())
            )
            .order_by(Occurrence.starts_at)
            .first()
        )
        rows.append(
            {
                "group": group,
                "mentors": [a.person for a in people if a.role == "mentor"],
                "mentees": [a.person for a in people if a.role == "mentee"],
                "next": upcoming,
            }
        )
    return rows


def _answers(occurrence: Occurrence, people: list, series_answers: dict) -> list[dict]:
    rows = {r.person_id: r for r in OccurrenceRsvp.select().where(
        OccurrenceRsvp.occurrence == occurrence)}  # fmt: skip
    return [
        {
            "person": a.person,
            "role": a.role,
            "partstat": (rows[a.person.id].partstat if a.person.id in rows else "")
            or series_answers.get(a.person.id, "NEEDS-ACTION"),
            "attended": rows[a.person.id].attended if a.person.id in rows else None,
        }
        for a in people
    ]


def group_page(group: MentoringGroup) -> dict:
    """Return what a pair's or group's page shows: sessions with each person's answer and
    attendance, feedback, goals and the action plan."""
    people = attendees(group)
    sessions = []
    series_rows = list(group.series.order_by(SessionSeries.id))
    for series in series_rows:
        answers = {r.person_id: r.partstat for r in Rsvp.select().where(
            Rsvp.session == series.session_id)}  # fmt: skip
        for occurrence in series.occurrences.order_by(Occurrence.starts_at):
            feedback = list(
                SessionFeedback.select(SessionFeedback, Person)
                .join(Person)
                .where(SessionFeedback.occurrence == occurrence)
            )
            sessions.append(
                {
                    "occurrence": occurrence,
                    "series": series,
                    "answers": _answers(occurrence, people, answers),
                    "feedback": feedback,
                    "past": occurrence.ends_at <= clock.now(),
                }
            )
    return {
        "people": people,
        "series": series_rows,
        "sessions": sessions,
        "plan": plan_ctx(group),
        "goals": {
            a.person.id: goals_ctx(group.programme_id, a.person.id)
            for a in people
            if a.role == "mentee"
        },
        "relayed": RelayMessage.select().where(RelayMessage.group == group).count(),
    }


def set_attendance(occurrence: Occurrence, marks: dict[int, bool], by: str) -> int:
    """Record who attended one session (person id -> came); return how many changed."""
    people = {a.person.id for a in attendees(occurrence.series.group)}
    changed = 0
    with db.atomic():
        for person_id, came in marks.items():
            if person_id not in people:
                continue
            where = (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == person_id)
            row = OccurrenceRsvp.get_or_none(where)
            if row is None:
                OccurrenceRsvp.create(occurrence=occurrence, person=person_id, attended=came,
                                      attended_by=by)  # fmt: skip
            elif row.attended != came:
                OccurrenceRsvp.update(attended=came, attended_by=by).where(where).execute()
            else:
                continue
            changed += 1
    return changed


def create_group(
    programme: Programme, theme: str, mentors: list[Person], mentees: list[Person], rhythm: str
) -> MentoringGroup:
    """Create a thematic group or panel: its mentors (the first leads) and its mentees."""
    theme = " ".join(theme.split())[:200]
    if not theme:
        raise SessionError("a group needs a theme")
    if not mentors or not mentees:
        raise SessionError("a group needs at least one mentor and one mentee")
    with db.atomic():
        group = MentoringGroup.create(programme=programme, mentor=mentors[0], theme=theme,
                                      rhythm=rhythm)  # fmt: skip
        for mentor in mentors[1:]:
            GroupMentor.create(group=group, person=mentor)
        for mentee in mentees:
            GroupMember.create(group=group, person=mentee)
    return group


def save_settings(programme: Programme, rhythm: str, hide_addresses: bool) -> None:
    """Save how the programme runs its pairs: the default rhythm, whether addresses are hidden."""
    if rhythm not in ("biweekly", "monthly"):
        raise SessionError("the rhythm is biweekly or monthly")
    values = {"rhythm": rhythm, "hide_addresses": hide_addresses, "updated_at": clock.now()}
    where = PairSettings.programme == programme
    if not PairSettings.update(values).where(where).execute():
        PairSettings.create(programme=programme, **values)


def members(programme: Programme) -> dict[str, list[Person]]:
    """Return the programme's mentors and mentees by name, for the group form."""
    found: dict[str, list[Person]] = {"mentor": [], "mentee": []}
    query = (
        Membership.select(Membership, Person)
        .join(Person)
        .where((Membership.programme == programme) & Membership.role.in_(list(found)))
        .order_by(Person.name, Person.id)
    )
    for member in query:
        found[member.role].append(member.person)
    return found


def settings_of(programme: Programme) -> PairSettings:
    """Return the programme's pair settings (the defaults when none are saved)."""
    return PairSettings.get_or_none(PairSettings.programme == programme) or PairSettings()
