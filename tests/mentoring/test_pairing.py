"""Approval: pairs become mentoring groups and both people get an introduction."""

from __future__ import annotations

import re

import pytest

from models import (
    GroupMember,
    MatchProposal,
    MentoringGroup,
    MentorProfile,
    OutboundEmail,
    ProposedPair,
    SessionSeries,
)
from tests.mentoring.mentoring_data import make_programme
from workers.mentoring import guide, proposals
from workers.mentoring.errors import ProposalError, SettingsError
from workers.mentoring.pairing import FIRST_SESSION_PENDING, approve, shared_goals
from workers.outbound.delivery import build


@pytest.fixture
def world(db):
    return make_programme()


def introduction(to: str):
    row = OutboundEmail.get(
        (OutboundEmail.kind == "mentoring-introduction") & (OutboundEmail.to_addr == to)
    )
    message = build(row)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return message, text, html


def test_approval_makes_groups_and_introduces_both_people(world):
    programme = world["programme"]
    proposal = proposals.propose(programme, "test")
    groups = approve(proposal.id, "user:1")
    assert len(groups) == 2
    pairs = {
        (g.mentor.email, m.person.email)
        for g in MentoringGroup.select().where(MentoringGroup.programme == programme)
        for m in GroupMember.select().where(GroupMember.group == g)
    }
    assert pairs == {
        ("maya@example.org", "ada@example.org"),
        ("noah@example.org", "ben@example.org"),
    }
    assert {p.status for p in ProposedPair.select()} == {"approved"}
    assert all(p.group_id in groups for p in ProposedPair.select())
    fresh = MatchProposal.get_by_id(proposal.id)
    assert (fresh.status, fresh.approved_by) == ("approved", "user:1")
    sent = OutboundEmail.select().where(OutboundEmail.kind == "mentoring-introduction")
    assert sorted(e.to_addr for e in sent) == sorted(
        ["maya@example.org", "ada@example.org", "noah@example.org", "ben@example.org"]
    )


def test_the_mentee_reads_the_mentors_details_guide_goals_and_first_session(world):
    approve(proposals.propose(world["programme"], "test").id, "test")
    message, text, html = introduction("ada@example.org")
    assert message["Subject"] == "Prefect Mentoring: meet Maya Mentor, your mentor"
    assert "maya@example.org" in text and "Europe/London" in text and "Finance" in text
    assert "Skills:      public speaking, budgets" in text
    assert "Goals you share:\n  - public speaking\n  - budgets" in text
    assert "Welcome to Prefect Mentoring, Ada Pupil." in text
    assert "You are now paired with Maya Mentor, who will be your mentor." in text
    assert (
        "First session: Mon 9 Nov 2026, 16:00–17:00 (Europe/London), then every two weeks." in text
    )
    assert "<title>Prefect Mentoring: meet Maya Mentor</title>" in html
    assert 'lang="en"' in html


def test_the_mentor_reads_the_mentees_details(world):
    approve(proposals.propose(world["programme"], "test").id, "test")
    message, text, _ = introduction("noah@example.org")
    assert re.search(r"First session: Mon 9 Nov 2026, 1\d:\d\d–1\d:\d\d \(America/New_York\)", text)
    assert message["Subject"] == "Prefect Mentoring: meet Ben Pupil, your mentee"
    assert "ben@example.org" in text and "America/New_York" in text
    assert "Goals you share:\n  - delegation" in text
    assert "Skills:" not in text  # a mentee has goals, not skills
    assert "who will be your mentee" in text


def test_a_pair_without_a_slot_hears_that_one_will_be_proposed(world):
    proposal = proposals.propose(world["programme"], "test")
    # Ada's times change after matching: there is no slot left to schedule.
    MentorProfile.update(availability="Sun 03:00-04:00").where(
        MentorProfile.person == world["people"]["ada@example.org"]
    ).execute()
    approve(proposal.id, "test")
    _, text, _ = introduction("ada@example.org")
    assert f"First session: {FIRST_SESSION_PENDING}" in " ".join(text.split("\n"))
    assert SessionSeries.select().count() == 1  # Ben and Noah's


def test_the_guide_is_the_coordinators_text_and_is_escaped(world):
    programme = world["programme"]
    guide.save(programme, "Hi {{ recipient }}, meet {{partner}}.\n<script>alert(1)</script>")
    approve(proposals.propose(programme, "test").id, "test")
    _, text, html = introduction("ben@example.org")
    assert "Hi Ben Pupil, meet Noah Mentor." in text
    assert "<script>alert(1)</script>" in text  # plain text is shown as typed
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "text, error",
    [
        ("", "empty"),
        ("Hello {{ password }}", "unknown placeholder {{ password }}"),
        ("{{ recipient.__class__ }}", "unknown placeholder"),
        ("x" * 10_001, "longer than"),
    ],
)
def test_a_bad_guide_is_refused(world, text, error):
    with pytest.raises(SettingsError, match=error.replace("{", r"\{").replace("}", r"\}")):
        guide.save(world["programme"], text)


def test_a_template_expression_is_not_evaluated(world):
    rendered = guide.render_guide("{{ 7 * 7 }} {% if 1 %}x{% endif %}", {"partner": "Sam"})
    assert rendered == "{{ 7 * 7 }} {% if 1 %}x{% endif %}"


def test_approving_twice_is_refused_and_sends_nothing_more(world):
    proposal = proposals.propose(world["programme"], "test")
    approve(proposal.id, "test")
    with pytest.raises(ProposalError, match="approved"):
        approve(proposal.id, "test")
    # Two introductions and two series invitations per pair, once.
    assert OutboundEmail.select().count() == 8
    assert MentoringGroup.select().count() == 2


def test_goals_the_mentor_does_not_cover_are_listed_apart():
    assert shared_goals("Public  Speaking; hiring", "public speaking; budgets") == (
        ["Public  Speaking"],
        ["hiring"],
    )
