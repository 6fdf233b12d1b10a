"""The cycle page counts what was done in the cycle's window; a cancelled cycle ends none."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from models import ActionItem, Cycle, clock
from tests.followup_data import make_programme
from web.auth import create_user
from workers.followup.items import apply_update
from workers.followup.setup import cancel_cycle, clone_cycle
from workers.followup.trigger import trigger

PASSWORD = "a long enough password"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNTS_RE = re.compile(r"(\d+) done · (\d+) open · (\d+) blocked")


@pytest.fixture
def coordinator(client):
    # An administrator: the programme, made by each test, is not one she coordinates.
    create_user("cora@example.org", "Cora", PASSWORD, role="admin")
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": "cora@example.org", "password": PASSWORD}
    client.post("/auth/login", data={**data, "csrf_token": TOKEN_RE.search(page).group(1)})
    return client


def counts(client, cycle: Cycle) -> tuple[int, int, int]:
    """Return the (done, open, blocked) counts the cycle page's summary bar shows."""
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    return tuple(int(n) for n in COUNTS_RE.search(page).groups())


def test_a_cancelled_later_cycle_does_not_end_the_window(coordinator):
    # Given cycle 1 triggered, and cycle 2 drafted after it, triggered, then cancelled
    world = make_programme()
    first = world["cycle"]
    trigger(first.id)
    clock.freeze(dt.datetime(2026, 11, 4, 9, 0))
    second = clone_cycle(first, dt.timedelta(weeks=4))
    trigger(second.id)
    cancel_cycle(Cycle.get_by_id(second.id))
    # When replies to cycle 1 close all three items the day after
    clock.freeze(dt.datetime(2026, 11, 5, 9, 0))
    for item in world["items"]:
        apply_update(item, status="done", by=item.owner, source="email")
    # Then cycle 1's page counts the three as done in it
    assert counts(coordinator, first) == (3, 0, 0)


def test_the_window_ends_at_the_next_cycle_that_was_not_cancelled(coordinator):
    # Given cycle 1, a cancelled cycle 2, and cycle 3 drafted from cycle 2 and triggered
    world = make_programme()
    first = world["cycle"]
    trigger(first.id)
    clock.freeze(dt.datetime(2026, 11, 4, 9, 0))
    second = clone_cycle(first, dt.timedelta(weeks=4))
    cancel_cycle(second)
    clock.freeze(dt.datetime(2026, 11, 5, 9, 0))
    script, pilot, pay = world["items"]
    apply_update(script, status="done", by=script.owner, source="email")
    clock.freeze(dt.datetime(2026, 11, 20, 9, 0))
    third = clone_cycle(Cycle.get_by_id(second.id), dt.timedelta(weeks=2))
    trigger(third.id)
    # When an item is closed after cycle 3 began
    clock.freeze(dt.datetime(2026, 11, 21, 9, 0))
    apply_update(pilot, status="done", by=pilot.owner, source="email")
    # Then cycle 1 counts only the item closed in its own window, cycle 3 the later one
    assert counts(coordinator, first) == (1, 1, 0)
    assert counts(coordinator, third) == (1, 1, 0)
    assert ActionItem.get_by_id(pay.id).status == "open"
