"""``flask --app web mentoring ...``: the match dry run's JSON, --apply, assess, approve."""

from __future__ import annotations

import json

import pytest

from models import MatchProposal, OutboundEmail, Programme, ProposedPair
from tests.mentoring.mentoring_data import make_programme


@pytest.fixture
def world(db):
    return make_programme()


def counts() -> tuple[int, int, int]:
    return (
        MatchProposal.select().count(),
        ProposedPair.select().count(),
        OutboundEmail.select().count(),
    )


def test_match_json_prints_exactly_pairs_and_unmatched_and_changes_nothing(runner, world):
    programme = world["programme"]
    before = counts()
    result = runner.invoke(args=["mentoring", "match", str(programme.id), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert list(printed) == ["pairs", "unmatched"]
    assert [set(pair) for pair in printed["pairs"]] == [
        {"mentee", "mentor", "score", "parts", "shared_hours_per_week"}
    ] * 2
    by_mentee = {pair["mentee"]: pair for pair in printed["pairs"]}
    ada = by_mentee["ada@example.org"]
    assert ada["mentor"] == "maya@example.org"
    assert set(ada["parts"]) == {"goals", "time", "format", "language"}
    assert ada["score"] == pytest.approx(sum(ada["parts"].values()), abs=0.02)
    assert ada["shared_hours_per_week"] == 2.0
    assert by_mentee["ben@example.org"]["shared_hours_per_week"] == 1.5
    unmatched = {u["mentee"]: u["reason"] for u in printed["unmatched"]}
    assert set(unmatched) == {"cal@example.org", "dee@example.org"}
    assert all(set(u) == {"mentee", "reason"} for u in printed["unmatched"])
    assert counts() == before


def test_match_apply_keeps_the_proposal_for_review(runner, world):
    programme = world["programme"]
    result = runner.invoke(args=["mentoring", "match", str(programme.id), "--json", "--apply"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    proposal = MatchProposal.get(MatchProposal.programme == programme)
    assert proposal.status == "draft"
    kept = {p.mentee.email: p.mentor.email for p in proposal.pairs}
    assert kept == {pair["mentee"]: pair["mentor"] for pair in printed["pairs"]}
    assert proposal.unmatched == printed["unmatched"]
    assert f"/mentoring/{programme.id}/review" in result.stderr
    assert OutboundEmail.select().count() == 0  # nothing is sent before approval


def test_match_without_json_explains_each_mentee(runner, world):
    result = runner.invoke(args=["mentoring", "match", str(world["programme"].id)])
    assert result.exit_code == 0, result.output
    assert "ada@example.org -> maya@example.org: score" in result.output
    assert "dee@example.org: unmatched, no availability given" in result.output
    assert "2 paired, 2 unmatched." in result.output


def test_match_refuses_an_unknown_or_non_mentoring_programme(runner, world):
    assert "no programme with id 999" in runner.invoke(args=["mentoring", "match", "999"]).output
    other = Programme.create(name="Reviews", kind="followup")
    result = runner.invoke(args=["mentoring", "match", str(other.id), "--json"])
    assert result.exit_code != 0 and "not a mentoring programme" in result.output


def test_assess_then_approve_from_the_command_line(runner, world):
    programme = world["programme"]
    result = runner.invoke(args=["mentoring", "assess", str(programme.id)])
    assert "4 questionnaires queued." in result.output
    assert (
        "0 questionnaires queued."
        in runner.invoke(args=["mentoring", "assess", str(programme.id)]).output
    )
    assert runner.invoke(args=["mentoring", "approve", str(programme.id)]).exit_code != 0
    runner.invoke(args=["mentoring", "match", str(programme.id), "--apply"])
    result = runner.invoke(args=["mentoring", "approve", str(programme.id)])
    assert "2 pairs introduced." in result.output, result.output
    assert OutboundEmail.select().where(OutboundEmail.kind == "mentoring-introduction").count() == 4
