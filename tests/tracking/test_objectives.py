"""Programme objectives: metrics computed as of a time, weekly snapshots with the movable clock,
custom figures by hand and by CSV, and the page's chart of value against target."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Job, Objective, ObjectiveValue, clock
from tests.tracking.builders import assignment, day, events, participant, programme
from tests.web.pages import log_in, make_login, text, token
from workers.runtime import jobs
from workers.tracking import objective_values, objectives
from workers.tracking.events import record_submission
from workers.tracking.objectives import ObjectiveError


def fields(**changes) -> dict:
    form = {
        "name": "Work handed in",
        "metric": "completion_rate",
        "target": "90",
        "target_date": "2027-03-31",
        "baseline": "",
    }
    return objectives.read_objective(form | changes)


@pytest.fixture
def workshop(db):
    """Four participants; a1 due on day 6, a2 on day 13 (Sundays)."""
    clock.freeze(day(0))
    prog = programme()
    people = [participant(prog, name) for name in ("A", "B", "C", "D")]
    a1 = assignment(prog, "a1", day(6), people)
    a2 = assignment(prog, "a2", day(13), people)
    return {"prog": prog, "people": people, "a1": a1, "a2": a2}


def test_objectives_are_tracked_week_by_week(workshop):
    prog, (a, b, c, d) = workshop["prog"], workshop["people"]
    # Given an objective of 90% completion, made on day 0: nothing due yet, so no value
    objective = objectives.create_objective(prog, fields())
    assert ObjectiveValue.select().count() == 0
    job = Job.get(Job.kind == objective_values.SNAPSHOT_JOB)
    assert job.run_at == dt.datetime(2026, 11, 9, 6, 0)  # next Monday 06:00
    # When three of four hand in a1 (due day 6) and the week's snapshot runs on day 7
    for person, when in ((a, 5), (b, 6), (c, 6)):
        record_submission(workshop["a1"], person.id, day(when))
    clock.freeze(job.run_at)
    assert jobs.run(job.id) == "done"
    # Then it keeps 3 of 4 = 75%, and the next week's snapshot is scheduled
    assert objectives.history(objective) == [(dt.date(2026, 11, 9), 75.0, "snapshot")]
    following = Job.get((Job.kind == objective_values.SNAPSHOT_JOB) & (Job.status == "pending"))
    assert following.run_at == dt.datetime(2026, 11, 16, 6, 0)
    # When everyone hands in a2 and D hands in a1 late, the next week reads 8 of 8
    for person in (a, b, c, d):
        record_submission(workshop["a2"], person.id, day(12))
    record_submission(workshop["a1"], d.id, day(13))
    clock.freeze(following.run_at)
    jobs.run(following.id)
    assert [v for _, v, _ in objectives.history(objective)] == [75.0, 100.0]
    # And the value as of day 8 is still what it was then
    assert objective_values.value_at(objective, day(8)) == 75.0


def test_each_metric_reads_the_programme_as_of_a_time(workshop):
    prog, (a, b, c, _) = workshop["prog"], workshop["people"]
    record_submission(workshop["a1"], a.id, day(5))  # on time
    record_submission(workshop["a1"], b.id, day(8))  # late
    events(prog, a, "satisfaction", [3], 4)
    events(prog, b, "satisfaction", [10], 2)
    events(prog, a, "reply", [1, 8])  # weeks of day 0 and day 7
    events(prog, c, "reply", [2])
    at = day(15)  # Tuesday of the third week
    made = {
        m: Objective.create(programme=prog, name=m, metric=m, target=1, target_date=day(60))
        for m in ("completion_rate", "on_time_rate", "satisfaction", "engagement")
    }
    # a1: 2 of 4 submitted, 1 of them on time; a2 (due day 13): none of 4
    assert objective_values.value_at(made["completion_rate"], at) == 25.0
    assert objective_values.value_at(made["on_time_rate"], at) == 50.0
    assert objective_values.value_at(made["satisfaction"], at) == 3.0  # (4 + 2) / 2
    # Of the last four complete weeks, the week of day 0 had A (reply, a1) and C (reply)
    # active, the week of day 7 A (reply) and B (a1, late): 4 of 4 people x 4 weeks = 25%
    assert objective_values.value_at(made["engagement"], at) == 25.0
    # Before the second week's events the satisfaction mean was 4
    assert objective_values.value_at(made["satisfaction"], day(6)) == 4.0


def test_custom_figures_come_by_hand_and_by_csv(workshop):
    prog = workshop["prog"]
    clock.freeze(day(30))
    turnover = objectives.create_objective(
        prog,
        fields(
            name="Staff turnover",
            metric="custom",
            unit="%",
            target="8",
            baseline="14",
            direction="down",
        ),
    )
    objectives.enter_value(turnover, dt.date(2026, 11, 1), 13.5)
    count = objectives.import_values(
        prog,
        "objective,date,value\nStaff turnover,2026-11-15,12\nstaff turnover,2026-11-29,11.2%\n",
    )
    assert count == 2
    assert [v for _, v, _ in objectives.history(turnover)] == [13.5, 12.0, 11.2]
    assert objective_values.value_at(turnover, day(20)) == 12.0
    # A bad line stops the whole file, naming the line; nothing of it is kept
    with pytest.raises(ObjectiveError, match="line 3: 'soon' is not a number"):
        objectives.import_values(
            prog, "Staff turnover,2026-11-30,10\n\nStaff turnover,2026-12-01,soon\n"
        )
    with pytest.raises(ObjectiveError, match="line 1: no custom objective 'Work handed in'"):
        objectives.import_values(prog, "Work handed in,2026-11-30,10\n")
    with pytest.raises(ObjectiveError, match="future"):
        objectives.enter_value(turnover, dt.date(2027, 1, 1), 9)
    assert len(objectives.history(turnover)) == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"metric": "happiness"}, "metric"),
        ({"target": "lots"}, "target"),
        ({"target": "nan"}, "target"),
        ({"target_date": "31/03/2027"}, "target_date"),
        ({"baseline": "1e99"}, "baseline"),
    ],
)
def test_it_rejects_bad_objectives(db, changes, field):
    with pytest.raises(ObjectiveError) as caught:
        fields(**changes)
    assert caught.value.field == field


def test_the_page_charts_each_objective_against_its_target(client, workshop):
    prog = workshop["prog"]
    make_login("cora@example.org", "Cora", programme=prog)
    log_in(client, "cora@example.org")
    base = f"/programmes/{prog.id}/objectives"
    form = {
        "name": "Satisfied participants",
        "metric": "satisfaction",
        "target": "4.5",
        "target_date": "2027-03-31",
        "csrf_token": token(client, base),
    }
    events(prog, workshop["people"][0], "satisfaction", [-3], 4)
    assert client.post(base, data=form).status_code == 302
    page = text(client.get(base))
    assert "Satisfied participants" in page and "Now: <strong>4</strong>" in page
    assert page.count('<svg class="chart"') == 1
    assert "0.5 to go" in page
    again = client.post(base, data=form)
    assert again.status_code == 400 and "has an objective of that name" in text(again)
