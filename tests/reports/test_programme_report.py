"""The programme report: correlations on hand-checked data, the activities with little
effect, and the PDF opened again."""

from __future__ import annotations

import pytest

from models import Goal, Membership
from tests.reports.report_data import HOSTILE, pdf_text
from tests.tracking.builders import day, events, participant, programme
from workers.reports import programme as programme_report
from workers.reports import programme_pdf, stats
from workers.tracking.scope import Scope


def test_it_correlates_paired_values_as_computed_by_hand():
    # Given x 1..5 and y 2,4,5,4,5: r = 6 / sqrt(10 * 6); ranks of y 1,2.5,4.5,2.5,4.5 give
    # rho = 7 / sqrt(10 * 9)
    found = stats.correlate([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])
    assert found["n"] == 5
    assert found["pearson"] == pytest.approx(0.7746, abs=1e-4)
    assert found["spearman"] == pytest.approx(0.7379, abs=1e-4)
    assert found["note"] in ("strong positive relation", "little or no relation")


@pytest.mark.parametrize(
    ("xs", "ys", "note"),
    [
        ([1, 2, 3], [1, 2, 3], "too few people (3; 5 needed)"),
        ([1, 1, 1, 1, 1], [1, 2, 3, 4, 5], "no variation: everyone has the same value"),
    ],
)
def test_it_says_why_a_correlation_is_missing(xs, ys, note):
    found = stats.correlate(xs, ys)
    assert found["spearman"] is None and found["note"] == note
    assert stats.little_effect(found)


@pytest.fixture
def cohort(db):
    """Six participants: person i attends i sessions and has goal progress 20 * i; their
    replies (2, 0, 1, 1, 0, 2) have rank correlation 0 with progress; satisfaction 3 + i/2
    from the four who answered (i = 2..5)."""
    prog = programme("Leaders")
    people = [participant(prog, f"P{i}") for i in range(6)]
    people[0].name = HOSTILE
    people[0].save()
    for i, person in enumerate(people):
        events(prog, person, "attendance", [1 + n for n in range(i)])
        events(prog, person, "reply", [10 + n for n in range((2, 0, 1, 1, 0, 2)[i])])
        if i >= 2:
            events(prog, person, "satisfaction", [12], 3 + i / 2)
        Goal.create(programme=prog, person=person, text="Goal", progress=20 * i)
    return prog


def test_it_finds_which_activities_go_with_goals(cohort):
    # When the relations are computed
    found = programme_report.relations(Scope(cohort.id))
    by_kind = {a["kind"]: a for a in found["activities"]}
    # Then attending goes perfectly with progress, replying not at all
    assert by_kind["attendance"]["spearman"] == 1.0 and by_kind["attendance"]["n"] == 6
    assert not by_kind["attendance"]["little_effect"]
    assert by_kind["reply"]["spearman"] == 0.0 and by_kind["reply"]["little_effect"]
    # And activities nobody did show little effect, with the reason
    assert by_kind["peer"]["note"] == "no variation: everyone has the same value"
    # And engagement is weighed against goals for all six, and satisfaction for the four
    assert found["engagement_goals"]["n"] == 6
    assert found["engagement_satisfaction"]["n"] == 4
    assert found["engagement_satisfaction"]["note"] == "too few people (4; 5 needed)"


def test_the_relations_cover_the_dashboard_s_scope(cohort):
    # Given the last three participants in one department
    members = Membership.select().where(Membership.programme == cohort).order_by(Membership.id)
    for member in list(members)[3:]:
        member.department = "Sixth Form"
        member.save()
    # When the relations are computed for that department, and for days 10 on
    department = programme_report.relations(Scope(cohort.id, department="Sixth Form"))
    later = programme_report.relations(Scope(cohort.id, start=day(10)))
    # Then only those three stand behind the figures
    assert department["engagement_goals"]["n"] == 3
    by_kind = {a["kind"]: a for a in department["activities"]}
    assert by_kind["attendance"]["people"] == 3 and by_kind["reply"]["people"] == 2
    # And from day 10 nobody attended (sessions were days 1 to 5); four replied
    by_kind = {a["kind"]: a for a in later["activities"]}
    assert by_kind["attendance"]["people"] == 0 and by_kind["reply"]["people"] == 4


def test_the_pdf_opens_again_with_rates_and_correlations(cohort):
    # When the report is built and drawn
    steps = []
    report = programme_report.build(Scope(cohort.id), day(20), steps.append)
    text = pdf_text(programme_pdf.render_pdf(report))
    # Then it names the programme, its rates and the relations with their n
    assert steps == ["headline figures", "correlations"]
    assert "Programme report: Leaders" in text and "Participants 6" in text
    assert "Covering: every participant, all weeks" in text
    assert "Engagement and goal achievement" in text and "Attending sessions 1 1 6 <0.001" in text
    assert "Little effect shown:" in text and "Replying by email" in text
    assert "Engagement events per week" in text
