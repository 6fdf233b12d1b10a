"""Metrics defined and given values on the page, every change audited."""

from __future__ import annotations

import pytest

from models import AuditEvent, Cycle, Metric, MetricValue, Person, Programme
from workers.workspace.errors import MetricError
from workers.workspace.metrics import (
    create_metric,
    edit_metric,
    field_errors,
    latest_value,
    parse_number,
    record_value,
)


@pytest.fixture
def programme(db):
    return Programme.create(name="Retention review")


def test_it_defines_a_metric_and_audits_who_did_it(programme):
    metric = create_metric(
        programme, name=" Retention  rate ", unit="%", baseline="70", target="85,5", actor="user:1"
    )
    assert (metric.name, metric.unit, metric.baseline, metric.target, metric.direction) == (
        "Retention rate",
        "%",
        70.0,
        85.5,
        "up",
    )
    event = AuditEvent.get()
    assert (event.verb, event.actor, event.object_type, event.object_id) == (
        "metric.created",
        "user:1",
        "Metric",
        metric.id,
    )


def test_it_refuses_a_second_metric_of_the_same_name_in_any_case(programme):
    create_metric(programme, name="Time to hire")
    with pytest.raises(MetricError) as caught:
        create_metric(programme, name="time to HIRE")
    assert caught.value.field == "name"
    assert Metric.select().count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"baseline": "seventy"}, "baseline"),
        ({"target": "nan"}, "target"),
        ({"direction": "sideways"}, "direction"),
        ({"unit": "x" * 41}, "unit"),
    ],
)
def test_it_names_the_field_of_each_bad_value(db, changes, field):
    assert list(field_errors(changes)) == [field]


def test_it_edits_a_metric_and_records_old_and_new(programme):
    metric = create_metric(programme, name="Time to hire", baseline=60, target=30)
    ada = Person.create(name="Ada", email="ada@example.org")
    changed = edit_metric(metric, direction="down", owner=ada, target="", actor="user:2")
    assert changed == {"direction": ["up", "down"], "owner": [None, ada.id], "target": [30.0, None]}
    metric = Metric.get_by_id(metric.id)
    assert (metric.direction, metric.owner_id, metric.target) == ("down", ada.id, None)
    assert edit_metric(metric, direction="down") == {}
    assert AuditEvent.select().where(AuditEvent.verb == "metric.edited").count() == 1


def test_it_records_then_corrects_a_value_keeping_both_in_the_trail(programme):
    metric = create_metric(programme, name="Retention rate")
    cycle = Cycle.create(programme=programme, title="Review 1")
    record_value(metric, "78", cycle=cycle, actor="user:1")
    record_value(metric, "7,8", cycle=cycle, actor="user:1")
    assert latest_value(metric, cycle).value == 7.8
    assert MetricValue.select().count() == 2
    verbs = [
        (e.verb, e.data.get("old"), e.data.get("new"))
        for e in AuditEvent.select().order_by(AuditEvent.id)
    ]
    assert verbs[1:] == [
        ("metric.value_recorded", None, 78.0),
        ("metric.value_corrected", 78.0, 7.8),
    ]


def test_it_refuses_a_value_for_another_programmes_cycle(programme):
    metric = create_metric(programme, name="Retention rate")
    other = Cycle.create(programme=Programme.create(name="Other"), title="Elsewhere")
    with pytest.raises(MetricError):
        record_value(metric, 1, cycle=other)


@pytest.mark.parametrize(
    ("text", "number"), [("12", 12.0), ("12,5", 12.5), (" 40 % ", 40.0), ("", None)]
)
def test_it_reads_numbers_as_people_type_them(text, number):
    assert parse_number(text) == number
