"""Build a small follow-up programme for the follow-up cycle tests."""

from __future__ import annotations

import datetime as dt

from models import ActionItem, Membership, Person, Programme, clock

#: When the tests start: a Monday morning, UTC.
START = dt.datetime(2026, 11, 2, 9, 0)


def make_programme() -> dict:
    """Create a programme with a coordinator, a facilitator, three stakeholders and items."""
    from workers.followup.setup import CycleSpec, MetricSpec, StakeholderSpec, create_cycle

    clock.freeze(START)
    programme = Programme.create(name="Retention review", timezone="Europe/London")
    people = {
        "coord": Person.create(name="Cora Coordinator", email="cora@example.org"),
        "fac": Person.create(name="Fay Facilitator", email="fay@example.org"),
        "john": Person.create(
            name="John Smith", email="john@example.org", timezone="America/New_York"
        ),
        "maria": Person.create(
            name="Maria Lopez", email="maria@example.org", timezone="Europe/Madrid"
        ),
        "ken": Person.create(name="Ken Ito", email="ken@example.org", timezone="Asia/Tokyo"),
    }
    Membership.create(programme=programme, person=people["coord"], role="coordinator")
    Membership.create(programme=programme, person=people["fac"], role="facilitator")
    items = [
        ActionItem.create(
            programme=programme,
            title="Exit interview script",
            owner=people["john"],
            due_date=dt.date(2026, 11, 20),
        ),
        ActionItem.create(
            programme=programme,
            title="Mentor pairing pilot",
            owner=people["john"],
            due_date=dt.date(2026, 12, 5),
        ),
        ActionItem.create(
            programme=programme,
            title="Pay band review",
            owner=people["maria"],
            due_date=dt.date(2026, 12, 10),
        ),
    ]
    spec = CycleSpec(
        title="Retention follow-up #1",
        objectives="Review the retention action plan.",
        starts_at=dt.datetime(2026, 11, 10, 14, 0),
        ends_at=dt.datetime(2026, 11, 10, 15, 0),
        timezone="Europe/London",
        location="Room 4 / https://meet.example.org/abc",
        stakeholders=[
            StakeholderSpec(department="HR", person_id=people["john"].id),
            StakeholderSpec(department="Finance", person_id=people["maria"].id),
            StakeholderSpec(department="Ops", person_id=people["ken"].id),
        ],
        metrics=[
            MetricSpec(
                name="Retention rate",
                unit="%",
                owner_id=people["john"].id,
                baseline=70,
                target=85,
                direction="up",
            ),
            MetricSpec(
                name="Time to hire",
                unit="days",
                owner_id=people["maria"].id,
                baseline=60,
                target=30,
                direction="down",
            ),
        ],
    )
    cycle = create_cycle(programme, spec)
    return {"programme": programme, "people": people, "items": items, "cycle": cycle}
