"""Metrics and action items on the page: define, record, correct, assign, close; all audited."""

from __future__ import annotations

import datetime as dt

import pytest

from models import ActionItem, Cycle, Membership, Metric, OutboundEmail, Person, Programme, clock
from tests.web.pages import log_in, make_login, post, text


@pytest.fixture
def world(client, db):
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))
    programme = Programme.create(name="Retention review", timezone="Europe/London")
    people = {}
    for key, name in (("john", "John Smith"), ("maria", "Maria Lopez")):
        people[key] = Person.create(name=name, email=f"{key}@example.org")
        Membership.create(programme=programme, person=people[key], role="stakeholder")
    make_login("cora@example.org", "Cora", programme=programme)
    log_in(client, "cora@example.org")
    return client, programme, people


def test_it_defines_a_metric_with_errors_beside_fields(world):
    client, programme, people = world
    url = f"/programmes/{programme.id}/metrics"
    response = post(client, url, {"name": "", "baseline": "lots", "direction": "up"})
    assert response.status_code == 400
    page = text(response)
    assert 'id="name-error"' in page and 'id="baseline-error"' in page
    form = {"name": "Retention rate", "unit": "%", "baseline": "70", "target": "85"}
    response = post(client, url, {**form, "direction": "up", "owner": str(people["john"].id)})
    assert response.status_code == 302
    metric = Metric.get()
    assert (metric.owner_id, metric.baseline, metric.target) == (people["john"].id, 70.0, 85.0)
    assert "Retention rate" in text(client.get(url))


def test_it_records_and_corrects_a_value_shown_on_the_cycle_page(world):
    client, programme, _ = world
    metric = Metric.create(programme=programme, name="Time to hire", direction="down")
    cycle = Cycle.create(programme=programme, title="Review 1", status="triggered")
    url = f"/programmes/{programme.id}/metrics/{metric.id}"
    post(client, f"{url}/values", {"cycle": str(cycle.id), "value": "45"})
    response = post(client, f"{url}/values", {"cycle": str(cycle.id), "value": "41,5"})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "corrected a metric value" in page and "45 → 41.5" in page
    assert "41.5" in text(client.get(f"/cycles/{cycle.id}")).split('id="metric-')[1]
    bad = post(client, f"{url}/values", {"cycle": str(cycle.id), "value": "many"})
    assert bad.status_code == 400 and 'id="value-error"' in text(bad)


def test_it_adds_updates_reassigns_and_closes_an_item_with_its_history(world):
    client, programme, people = world
    url = f"/programmes/{programme.id}/items"
    # Adding without an owner or with a bad date says so beside the fields
    page = text(post(client, url, {"title": "Survey", "owner": "", "due_date": "2026-11-20"}))
    assert 'id="owner-error"' in page
    form = {"title": "Staff survey", "owner": str(people["john"].id), "due_date": "2026-11-20"}
    assert post(client, url, form).status_code == 302
    item = ActionItem.get()
    assert [e.kind for e in OutboundEmail.select()] == ["item-assigned"]
    item_url = f"{url}/{item.id}"
    post(
        client,
        f"{item_url}/progress",
        {"status": "blocked", "percent": "30", "reason": "no budget"},
    )
    post(client, f"{item_url}/reassign", {"owner": str(people["maria"].id)})
    post(client, f"{item_url}/edit", {"title": "Staff survey 2026", "due_date": "2026-11-27"})
    post(client, f"{item_url}/close", {"status": "done"})
    item = ActionItem.get_by_id(item.id)
    assert (item.status, item.owner_id, item.title) == (
        "done",
        people["maria"].id,
        "Staff survey 2026",
    )
    assert item.due_date == dt.date(2026, 11, 27)
    history = text(client.get(item_url))
    for said in (
        "added an action item",
        "updated an action item&#39;s progress",
        "reassigned an action item",
        "edited an action item",
        "closed an action item",
    ):
        assert said in history, said
    assert history.count("<td>Cora</td>") == 5
    # And the closed list has it
    assert "Staff survey 2026" in text(client.get(f"{url}?show=closed"))
    assert (
        "Staff survey 2026"
        not in text(client.get(url)).split('id="items"')[-1].split("</table>")[0]
    )


def test_it_refuses_an_owner_from_outside_the_programme(world):
    client, programme, _ = world
    stranger = Person.create(name="Stranger", email="stranger@example.org")
    form = {"title": "Survey", "owner": str(stranger.id), "due_date": ""}
    response = post(client, f"/programmes/{programme.id}/items", form)
    assert response.status_code == 400 and ActionItem.select().count() == 0


def test_a_bad_percentage_is_shown_beside_its_field(world):
    client, programme, people = world
    item = ActionItem.create(programme=programme, title="Survey", owner=people["john"])
    response = post(
        client,
        f"/programmes/{programme.id}/items/{item.id}/progress",
        {"status": "open", "percent": "150"},
    )
    assert response.status_code == 400 and 'id="percent-error"' in text(response)
