"""Proposals: run the matcher on a programme, keep the result for review, and change it.

``compute`` writes nothing (the ``mentoring match`` dry run prints it). ``propose`` keeps a
result as the programme's draft proposal, replacing an earlier draft. While it is a draft a
coordinator locks pairs, swaps the mentors of two pairs, and re-runs the matcher for every
pair not locked; approving it is ``pairing.approve``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from models import MatchProposal, Person, Programme, ProposedPair, clock, db
from workers.mentoring import rules as rules_mod
from workers.mentoring.errors import ProposalError
from workers.mentoring.inputs import Roster, load_roster, match_options
from workers.mentoring.matching import MatchResult, PairTable, build_table, match
from workers.mentoring.rules import Rules


@dataclass
class Computed:
    """A matcher run: its result, the roster it read and the rules it used."""

    result: MatchResult
    roster: Roster
    rules: Rules


def compute(programme: Programme, locked=(), rules: Rules | None = None) -> Computed:
    """Run the matcher on the programme as the database has it now; write nothing."""
    rules = rules or rules_mod.rules_for(programme)
    rules = dataclasses.replace(rules, start_date=rules_mod.span_for(programme, rules).start)
    roster = load_roster(programme)
    options = match_options(programme, roster, rules, locked)
    return Computed(match(roster.mentees, roster.mentors, options), roster, rules)


def _store_pairs(proposal: MatchProposal, computed: Computed) -> None:
    people = computed.roster.people
    rows = [
        {
            "proposal": proposal.id,
            "mentee": people[pair.mentee].id,
            "mentor": people[pair.mentor].id,
            "score": pair.score,
            "parts": pair.parts,
            "shared_hours": pair.shared_hours_per_week,
            "locked": pair.locked,
        }
        for pair in computed.result.pairs
    ]
    if rows:
        ProposedPair.insert_many(rows).execute()
    unmatched = [{"mentee": u.mentee, "reason": u.reason} for u in computed.result.unmatched]
    MatchProposal.update(unmatched=unmatched, total_score=computed.result.total_score).where(
        MatchProposal.id == proposal.id
    ).execute()


def propose(programme: Programme, by: str, computed: Computed | None = None) -> MatchProposal:
    """Keep a matcher run (by default a new one) as the programme's draft, replacing older
    drafts."""
    computed = computed or compute(programme)
    rules = computed.rules
    with db.atomic():
        MatchProposal.update(status="superseded").where(
            (MatchProposal.programme == programme) & (MatchProposal.status == "draft")
        ).execute()
        proposal = MatchProposal.create(
            programme=programme,
            objective=rules.objective,
            session_minutes=rules.session_minutes,
            start_date=rules.start_date,
            weeks=rules.weeks,
            created_by=by,
        )
        _store_pairs(proposal, computed)
    return MatchProposal.get_by_id(proposal.id)


def latest(programme: Programme) -> MatchProposal | None:
    """Return the programme's newest proposal that is not superseded, or None."""
    return (
        MatchProposal.select()
        .where((MatchProposal.programme == programme) & (MatchProposal.status != "superseded"))
        .order_by(MatchProposal.id.desc())
        .first()
    )


def pairs_of(proposal: MatchProposal) -> list[ProposedPair]:
    """Return the proposal's pairs with both people, by mentee name."""
    Mentor = Person.alias()
    return list(
        ProposedPair.select(ProposedPair, Person, Mentor)
        .join(Person, on=(ProposedPair.mentee == Person.id))
        .switch(ProposedPair)
        .join(Mentor, on=(ProposedPair.mentor == Mentor.id))
        .where(ProposedPair.proposal == proposal)
        .order_by(Person.name, Person.id)
    )


def _draft(proposal: MatchProposal) -> MatchProposal:
    fresh = MatchProposal.get_by_id(proposal.id)
    if fresh.status != "draft":
        raise ProposalError(f"the proposal is {fresh.status}; only a draft can change")
    return fresh


def _pair(proposal: MatchProposal, pair_id: int) -> ProposedPair:
    pair = ProposedPair.get_or_none(
        (ProposedPair.id == pair_id) & (ProposedPair.proposal == proposal)
    )
    if pair is None:
        raise ProposalError("that pair is not in this proposal")
    return pair


def set_locked(proposal: MatchProposal, pair_id: int, locked: bool) -> None:
    """Lock a pair (a re-run keeps it) or unlock it."""
    _draft(proposal)
    pair = _pair(proposal, pair_id)
    ProposedPair.update(locked=locked).where(ProposedPair.id == pair.id).execute()


def proposal_rules(proposal: MatchProposal) -> Rules:
    """Return the rules a proposal was made with (exclusions as the programme has them now)."""
    rules = rules_mod.rules_for(proposal.programme)
    return dataclasses.replace(
        rules,
        objective=proposal.objective,
        session_minutes=proposal.session_minutes,
        start_date=proposal.start_date,
        weeks=proposal.weeks,
    )


def _table(proposal: MatchProposal, mentees: list[str], mentors: list[str]) -> PairTable:
    """Score the given mentees against the given mentors under the proposal's rules."""
    programme = proposal.programme
    roster = load_roster(programme)
    roster.mentees = [m for m in roster.mentees if m.email in mentees]
    roster.mentors = [m for m in roster.mentors if m.email in mentors]
    if len(roster.mentees) != len(mentees) or len(roster.mentors) != len(mentors):
        raise ProposalError("someone in these pairs is no longer a mentee or mentor here")
    roster.mentees.sort(key=lambda m: mentees.index(m.email))
    roster.mentors.sort(key=lambda m: mentors.index(m.email))
    options = match_options(programme, roster, proposal_rules(proposal))
    return build_table(roster.mentees, roster.mentors, options)


def swap(proposal: MatchProposal, first_id: int, second_id: int) -> None:
    """Give two pairs each other's mentor and lock both; refuse a pair the rules forbid."""
    proposal = _draft(proposal)
    a, b = _pair(proposal, first_id), _pair(proposal, second_id)
    if a.id == b.id or a.mentor_id == b.mentor_id:
        raise ProposalError("choose two pairs with different mentors")
    mentees, mentors = [a.mentee.email, b.mentee.email], [a.mentor.email, b.mentor.email]
    table = _table(proposal, mentees, mentors)
    _check_allowed(table, 0, 1, proposal.session_minutes)
    _check_allowed(table, 1, 0, proposal.session_minutes)
    with db.atomic():
        for i, (row, j) in enumerate(((a, 1), (b, 0))):
            pair = table.scores.pair(i, j, locked=True)
            ProposedPair.update(
                mentor=(b if row is a else a).mentor_id,
                score=pair.score,
                parts=pair.parts,
                shared_hours=pair.shared_hours_per_week,
                locked=True,
            ).where(ProposedPair.id == row.id).execute()
        _retotal(proposal)


def _check_allowed(table: PairTable, i: int, j: int, minutes: int) -> None:
    mentee, mentor = table.scores.mentees[i].email, table.scores.mentors[j].email
    if not table.permitted[i, j]:
        raise ProposalError(f"{mentee} and {mentor} are excluded from being paired")
    if not table.scores.fits[i, j]:
        raise ProposalError(f"{mentee} and {mentor} share no stretch of {minutes} minutes")


def _retotal(proposal: MatchProposal) -> None:
    total = sum(p.score for p in ProposedPair.select().where(ProposedPair.proposal == proposal))
    MatchProposal.update(total_score=total).where(MatchProposal.id == proposal.id).execute()


def rerun(proposal: MatchProposal, by: str) -> MatchProposal:
    """Match again every mentee not in a locked pair, keeping the locked pairs as they are."""
    proposal = _draft(proposal)
    locked = [(p.mentee.email, p.mentor.email) for p in pairs_of(proposal) if p.locked]
    computed = compute(proposal.programme, locked, proposal_rules(proposal))
    with db.atomic():
        ProposedPair.delete().where(ProposedPair.proposal == proposal).execute()
        _store_pairs(proposal, computed)
        MatchProposal.update(created_by=by, created_at=clock.now()).where(
            MatchProposal.id == proposal.id
        ).execute()
    return MatchProposal.get_by_id(proposal.id)
