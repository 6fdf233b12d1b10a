"""Proposals from the database: the roster, a dry run, locks, swaps, re-runs, exclusions."""

from __future__ import annotations

import pytest

from models import (
    GroupMember,
    MatchProposal,
    MentoringGroup,
    Person,
    ProposedPair,
    clock,
)
from tests.mentoring.mentoring_data import make_programme
from workers.mentoring import proposals, rules
from workers.mentoring.errors import ProposalError
from workers.mentoring.inputs import load_roster


@pytest.fixture
def world(db):
    return make_programme()


def pairs(result) -> dict[str, str]:
    return {pair.mentee: pair.mentor for pair in result.pairs}


def stored(proposal) -> dict[str, str]:
    return {p.mentee.email: p.mentor.email for p in proposals.pairs_of(proposal)}


def test_it_reads_profiles_from_the_database(world):
    roster = load_roster(world["programme"])
    ada = next(m for m in roster.mentees if m.email == "ada@example.org")
    assert ada.goals == ("public speaking", "budgets")
    assert ada.timezone == "Europe/London" and ada.department == "History"
    assert ada.format == "one-to-one" and len(ada.availability) == 1
    noah = next(m for m in roster.mentors if m.email == "noah@example.org")
    assert noah.languages == ("en", "fr") and noah.capacity == 1 and noah.orientation_done


def test_a_dry_run_writes_nothing_and_explains_the_unmatched(world):
    computed = proposals.compute(world["programme"])
    assert pairs(computed.result) == {
        "ada@example.org": "maya@example.org",
        "ben@example.org": "noah@example.org",
    }
    reasons = {u.mentee: u.reason for u in computed.result.unmatched}
    assert reasons["dee@example.org"] == "no availability given"
    assert "orientation" in reasons["cal@example.org"]
    assert MatchProposal.select().count() == 0
    assert rules.settings_row(world["programme"]) is None


def test_an_override_lets_a_mentor_without_orientation_be_matched(world):
    programme = world["programme"]
    rules.set_override(programme, world["people"]["olga@example.org"], True, "test")
    assert pairs(proposals.compute(programme).result)["cal@example.org"] == "olga@example.org"
    rules.set_override(programme, world["people"]["olga@example.org"], False, "test")
    assert "cal@example.org" not in pairs(proposals.compute(programme).result)


def test_exclusions_are_kept(world):
    programme, people = world["programme"], world["people"]
    for mentor in ("maya@example.org", "noah@example.org"):
        rules.add_exclusion(programme, people["ada@example.org"], people[mentor], "t")
    result = proposals.compute(programme).result
    assert "ada@example.org" not in pairs(result)
    reason = next(u.reason for u in result.unmatched if u.mentee == "ada@example.org")
    assert "excluded" in reason


def test_same_department_can_be_excluded(world):
    programme = world["programme"]
    assert pairs(proposals.compute(programme).result)["ben@example.org"] == "noah@example.org"
    rules.save_rules(programme, rules.Rules(exclude_same_department=True))
    # Ben and Noah are both in Science: Ben goes to Maya, who has room for two.
    assert pairs(proposals.compute(programme).result)["ben@example.org"] == "maya@example.org"


def test_a_longer_session_needs_a_longer_shared_stretch(world):
    programme = world["programme"]
    rules.save_rules(programme, rules.Rules(session_minutes=120))
    result = proposals.compute(programme).result
    # Ada and Maya share Mon 16:00-18:00, two hours; Ben shares 90 minutes at most.
    assert pairs(result) == {"ada@example.org": "maya@example.org"}


def test_propose_stores_score_parts_and_replaces_an_older_draft(world):
    programme = world["programme"]
    first = proposals.propose(programme, "test")
    second = proposals.propose(programme, "test")
    assert MatchProposal.get_by_id(first.id).status == "superseded"
    assert proposals.latest(programme).id == second.id
    assert stored(second) == {
        "ada@example.org": "maya@example.org",
        "ben@example.org": "noah@example.org",
    }
    ada = next(p for p in proposals.pairs_of(second) if p.mentee.email == "ada@example.org")
    assert set(ada.parts) == {"goals", "time", "format", "language"}
    assert ada.parts["goals"] == pytest.approx(40.0) and ada.shared_hours == pytest.approx(2.0)
    assert ada.score == pytest.approx(sum(ada.parts.values()))
    assert {u["mentee"] for u in second.unmatched} == {"cal@example.org", "dee@example.org"}


def test_swapping_keeps_the_rules_and_locks_both_pairs(world):
    programme = world["programme"]
    proposal = proposals.propose(programme, "test")
    ada, ben = sorted(proposals.pairs_of(proposal), key=lambda p: p.mentee.email)
    # Ada (London, Mon 16-18) and Noah (New York, Mon 11-13 = 16-18 London) share time too.
    proposals.swap(proposal, ada.id, ben.id)
    assert stored(proposal) == {
        "ada@example.org": "noah@example.org",
        "ben@example.org": "maya@example.org",
    }
    assert all(p.locked for p in proposals.pairs_of(proposal))
    swapped = ProposedPair.get_by_id(ada.id)
    assert swapped.parts["goals"] == pytest.approx(0.0)  # Noah's skills cover none of Ada's goals
    total = sum(p.score for p in proposals.pairs_of(proposal))
    assert MatchProposal.get_by_id(proposal.id).total_score == pytest.approx(total)


def test_a_swap_that_breaks_a_rule_is_refused(world):
    programme, people = world["programme"], world["people"]
    proposal = proposals.propose(programme, "test")
    ada, ben = sorted(proposals.pairs_of(proposal), key=lambda p: p.mentee.email)
    rules.add_exclusion(programme, people["ada@example.org"], people["noah@example.org"], "t")
    with pytest.raises(ProposalError, match="excluded"):
        proposals.swap(proposal, ada.id, ben.id)
    assert stored(proposal)["ada@example.org"] == "maya@example.org"


def test_a_rerun_keeps_locked_pairs(world):
    programme = world["programme"]
    proposal = proposals.propose(programme, "test")
    ada, ben = sorted(proposals.pairs_of(proposal), key=lambda p: p.mentee.email)
    proposals.swap(proposal, ada.id, ben.id)
    proposals.set_locked(proposal, ada.id, False)
    proposals.set_locked(proposal, ben.id, True)
    rerun = proposals.rerun(proposal, "test")
    # Ben keeps Maya (locked); Ada can only have Maya's second place, not Noah (now free).
    result = stored(rerun)
    assert result["ben@example.org"] == "maya@example.org"
    assert result["ada@example.org"] in ("maya@example.org", "noah@example.org")
    assert [p.locked for p in proposals.pairs_of(rerun) if p.mentee.email == "ben@example.org"] == [
        True
    ]


def test_only_a_draft_changes(world):
    proposal = proposals.propose(world["programme"], "test")
    MatchProposal.update(status="approved").where(MatchProposal.id == proposal.id).execute()
    pair = proposals.pairs_of(proposal)[0]
    with pytest.raises(ProposalError, match="approved"):
        proposals.set_locked(proposal, pair.id, True)


def test_paired_mentees_are_not_matched_again_and_fill_capacity(world):
    programme, people = world["programme"], world["people"]
    group = MentoringGroup.create(programme=programme, mentor=people["noah@example.org"])
    GroupMember.create(group=group, person=people["ada@example.org"])
    roster = load_roster(programme)
    assert "ada@example.org" not in [m.email for m in roster.mentees]
    noah = next(m for m in roster.mentors if m.email == "noah@example.org")
    assert noah.capacity == 0
    result = proposals.compute(programme).result
    assert pairs(result) == {"ben@example.org": "maya@example.org"}


def test_deactivated_people_are_left_out(world):
    maya = world["people"]["maya@example.org"]
    Person.update(deactivated_at=clock.now()).where(Person.id == maya.id).execute()
    roster = load_roster(world["programme"])
    assert "maya@example.org" not in [m.email for m in roster.mentors]
