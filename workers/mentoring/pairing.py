"""Approving a proposal: each pair becomes a mentoring pair and both people are introduced."""

from __future__ import annotations

from models import (
    GroupMember,
    MatchProposal,
    MentoringGroup,
    MentorProfile,
    Person,
    Programme,
    ProposedPair,
    SessionSeries,
    clock,
)
from workers.mentoring import guide as guide_mod
from workers.mentoring import sessions
from workers.mentoring.errors import ProposalError, SessionError
from workers.mentoring.invitations import hides_addresses, relay_address
from workers.mentoring.proposals import pairs_of
from workers.mentoring.scoring import normalise_tags, split_tags
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.outbound.outbox import Draft, queue_many

#: What the introduction says about the first session when none could be scheduled.
FIRST_SESSION_PENDING = (
    "to be proposed: your availabilities share no time long enough for a session, so your "
    "coordinator will suggest one."
)

#: How each rhythm reads after the first session's time.
RHYTHMS = {"biweekly": "every two weeks", "monthly": "monthly", "once": "once"}


def _claim(proposal_id: int, by: str) -> MatchProposal:
    updated = (
        MatchProposal.update(status="approved", approved_by=by, approved_at=clock.now())
        .where((MatchProposal.id == proposal_id) & (MatchProposal.status == "draft"))
        .execute()
    )
    proposal = MatchProposal.get_by_id(proposal_id)
    if updated != 1:
        raise ProposalError(f"the proposal is {proposal.status}; only a draft can be approved")
    return proposal


def approve(proposal_id: int, by: str) -> list[int]:
    """Approve a draft proposal and introduce every pair; return the new pairs' group ids.

    1. Mark the draft approved (a second call raises ProposalError).
    2. Make each pair a MentoringGroup with the mentee as its GroupMember.
    3. Schedule each pair's recurring sessions and invite both (``sessions.schedule_pair``).
    4. Queue an introduction to the mentor and one to the mentee, naming the first session;
       all in one transaction.
    """
    with outbox.transaction():
        proposal = _claim(proposal_id, by)
        pairs = pairs_of(proposal)
        profiles = _profiles(proposal.programme_id, pairs)
        drafts, groups = [], []
        for pair in pairs:
            group = MentoringGroup.create(programme=proposal.programme_id, mentor=pair.mentor_id)
            GroupMember.create(group=group, person=pair.mentee_id)
            ProposedPair.update(status="approved", group=group).where(
                ProposedPair.id == pair.id
            ).execute()
            series = _schedule(group.id)
            drafts += introductions(proposal.programme, pair, profiles, series)
            groups.append(group.id)
        queue_many(drafts)
    return groups


def _schedule(group_id: int) -> SessionSeries | None:
    """Schedule a new pair's sessions; None when none could be (the introduction says so)."""
    try:
        return sessions.schedule_pair(group_id)
    except SessionError:  # no rule fits the slot found: the coordinator sets a time
        return None


def first_session(series: SessionSeries | None, zone: str) -> str:
    """Return the first session as read in ``zone``, and the rhythm after it."""
    if series is None:
        return FIRST_SESSION_PENDING
    session = series.session
    when = describe_time(session.starts_at, session.ends_at, zone)
    rhythm = RHYTHMS.get(series.rhythm, series.rhythm)
    return f"{when}, then {rhythm}. The calendar invitation comes in its own email."


def _profiles(programme_id: int, pairs: list[ProposedPair]) -> dict[int, MentorProfile]:
    ids = {p.mentee_id for p in pairs} | {p.mentor_id for p in pairs}
    query = MentorProfile.select().where(
        (MentorProfile.programme == programme_id) & MentorProfile.person.in_(sorted(ids))
    )
    found: dict[int, MentorProfile] = {}
    for profile in query.order_by(MentorProfile.id) if ids else []:
        found.setdefault(profile.person_id, profile)
    return found


def shared_goals(goals: str, skills: str) -> tuple[list[str], list[str]]:
    """Split the mentee's goals into those the mentor's skills cover and the others."""
    covered = normalise_tags(split_tags(skills))
    shared, other = [], []
    for goal in split_tags(goals):
        (shared if normalise_tags([goal]) <= covered else other).append(goal)
    return shared, other


def person_ctx(person: Person, profile: MentorProfile | None, role: str) -> dict:
    """Return what an introduction says about one person of a pair."""
    profile = profile or MentorProfile()
    return {
        "name": person.name,
        "email": person.email,
        "timezone": person.timezone,
        "department": person.department or "",
        "role": role,
        "languages": list(split_tags(profile.languages)),
        "availability": profile.availability,
        "skills": list(split_tags(profile.skills)) if role == "mentor" else [],
    }


def introductions(
    programme: Programme, pair: ProposedPair, profiles: dict, series: SessionSeries | None
) -> list[Draft]:
    """Return the two introduction emails of a pair: one to the mentor, one to the mentee.

    When the programme hides addresses, each reads the relay address to write to the other.
    """
    mentee, mentor = pair.mentee, pair.mentor
    group = None
    if hides_addresses(programme.id):
        group = MentoringGroup.get_by_id(ProposedPair.get_by_id(pair.id).group_id)
    about = {
        mentee.id: person_ctx(mentee, profiles.get(mentee.id), "mentee"),
        mentor.id: person_ctx(mentor, profiles.get(mentor.id), "mentor"),
    }
    goals = profiles.get(mentee.id, MentorProfile()).goals
    shared, other = shared_goals(goals, profiles.get(mentor.id, MentorProfile()).skills)
    text = guide_mod.guide_text(programme)
    drafts = []
    for reader, partner in ((mentor, mentee), (mentee, mentor)):
        me, them = about[reader.id], about[partner.id]
        if group is not None:
            them = {**them, "email": relay_address(reader, group)}
        values = {
            "programme": programme.name,
            "recipient": reader.name,
            "partner": partner.name,
            "role": me["role"],
            "partner_role": them["role"],
        }
        ctx = {
            "programme": programme.name,
            "role": me["role"],
            "partner": them,
            "guide": guide_mod.render_guide(text, values),
            "shared_goals": shared,
            "other_goals": other,
            "shared_hours": round(pair.shared_hours, 1),
            "first_session": first_session(series, reader.timezone),
        }
        key = f"mentoring:pair:{pair.id}:introduction:{reader.id}"
        drafts.append(Draft("mentoring-introduction", reader, ctx, key))
    return drafts
