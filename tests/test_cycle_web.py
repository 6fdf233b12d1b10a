"""The cycle pages: set up, validate, trigger, reschedule, cancel, notes, status."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from models import (
    ActionItem,
    Cycle,
    InboundMessage,
    MetricValue,
    OutboundEmail,
    Participant,
    Session,
    clock,
)
from tests.followup_data import make_programme
from web.auth import create_user

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client, path: str) -> str:
    return TOKEN_RE.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def world(db):
    return make_programme()


@pytest.fixture
def coordinator(client, world):
    create_user("cora@example.org", "Cora", "a long enough password")
    path = "/auth/login"
    client.post(
        path,
        data={
            "email": "cora@example.org",
            "password": "a long enough password",
            "csrf_token": token(client, path),
        },
    )
    return client


def form(client, programme_id: int, **changes) -> dict:
    data = {
        "csrf_token": token(client, f"/cycles/new?programme={programme_id}"),
        "title": "Retention follow-up #2",
        "objectives": "Check the pilots.",
        "starts_at": "2026-12-08T14:00",
        "ends_at": "2026-12-08T15:30",
        "timezone": "Europe/London",
        "location": "Room 4",
        "new_people": "Zoe Quinn <zoe@example.org>, Legal, Europe/Berlin",
        "metrics": "Engagement | % | zoe@example.org | 50 | 80 | up",
    }
    data.update(changes)
    return data


def test_it_requires_a_login(client, world):
    response = client.get(f"/cycles/{world['cycle'].id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_it_creates_a_cycle_from_the_form(coordinator, world):
    programme = world["programme"]
    data = form(coordinator, programme.id, member=[str(world["people"]["john"].id)])
    data[f"department_{world['people']['john'].id}"] = "HR"
    response = coordinator.post(f"/cycles/new?programme={programme.id}", data=data)
    assert response.status_code == 302
    cycle = Cycle.get(Cycle.title == "Retention follow-up #2")
    session = Session.get(Session.cycle == cycle)
    assert (session.starts_at, session.ends_at) == (
        dt.datetime(2026, 12, 8, 14, 0),
        dt.datetime(2026, 12, 8, 15, 30),
    )
    assert cycle.reply_deadline == dt.datetime(2026, 12, 6, 14, 0)
    people = {
        p.person.email: p.department for p in Participant.select().where(Participant.cycle == cycle)
    }
    assert people == {"john@example.org": "HR", "zoe@example.org": "Legal"}
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zoe Quinn" in page and "Engagement" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": "next tuesday"}, "Start is not a date and time"),
        ({"ends_at": "2026-12-08T13:00"}, "must end after it starts"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"new_people": "Zoe <not-an-address>"}, "Cannot read"),
        (
            {"metrics": "Engagement | % | | 50 | lots | up"},
            "Target of &#39;Engagement&#39; must be a number",
        ),
        ({"metrics": "Engagement | % | | 50 | 80 | sideways"}, "direction must be up or down"),
        ({"title": "  "}, "Title is required"),
        ({"new_people": ""}, "at least one stakeholder"),
    ],
)
def test_it_says_what_is_wrong_with_the_form(coordinator, world, changes, message):
    programme = world["programme"]
    data = form(coordinator, programme.id, **changes)
    response = coordinator.post(f"/cycles/new?programme={programme.id}", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert Cycle.select().count() == 1


def test_it_triggers_from_the_button_and_the_command(coordinator, world, runner):
    cycle = world["cycle"]
    path = f"/cycles/{cycle.id}"
    response = coordinator.post(f"{path}/trigger", data={"csrf_token": token(coordinator, path)})
    assert response.status_code == 302
    assert OutboundEmail.select().count() == 6
    result = runner.invoke(args=["cycle", "trigger", str(cycle.id)])
    assert result.exit_code != 0 and "not a draft" in result.output


def test_it_triggers_from_the_command_line(world, runner):
    result = runner.invoke(args=["cycle", "trigger", str(world["cycle"].id)])
    assert result.exit_code == 0, result.output
    assert "6 emails queued" in result.output
    assert runner.invoke(args=["cycle", "trigger", "999"]).exit_code != 0


def test_it_reschedules_and_cancels(coordinator, world):
    from workers.followup.trigger import trigger

    cycle = world["cycle"]
    trigger(cycle.id)
    path = f"/cycles/{cycle.id}/session"
    data = {
        "csrf_token": token(coordinator, path),
        "starts_at": "2026-11-12T10:00",
        "ends_at": "2026-11-12T09:00",
        "timezone": "Europe/London",
        "location": "Room 9",
    }
    assert "must end after it starts" in coordinator.post(path, data=data).get_data(as_text=True)
    data["ends_at"] = "2026-11-12T11:00"
    assert coordinator.post(path, data=data).status_code == 302
    assert Session.get(Session.cycle == cycle).sequence == 1
    assert OutboundEmail.select().where(OutboundEmail.kind == "invite").count() == 6
    show = f"/cycles/{cycle.id}"
    coordinator.post(f"{show}/cancel", data={"csrf_token": token(coordinator, show)})
    assert Cycle.get_by_id(cycle.id).status == "cancelled"
    assert OutboundEmail.select().where(OutboundEmail.calendar_method == "CANCEL").count() == 3


def test_it_records_notes_from_the_page(coordinator, world):
    from workers.followup.trigger import trigger

    cycle = world["cycle"]
    trigger(cycle.id)
    show = f"/cycles/{cycle.id}"
    notes = "- Publish the dashboard @Ken by 2026-11-30\n- Call the union @Nobody by 2026-11-30"
    response = coordinator.post(
        f"{show}/notes", data={"csrf_token": token(coordinator, show), "notes": notes}
    )
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 action items created" in page and "Nobody" in page
    assert ActionItem.get(ActionItem.cycle == cycle).owner.name == "Ken Ito"


def test_it_shows_answers_rsvps_chart_and_summary(coordinator, world):
    from workers.followup.summary import send_summary
    from workers.followup.trigger import trigger

    cycle = world["cycle"]
    trigger(cycle.id)
    john = world["people"]["john"]
    Participant.update(responded_at=clock.now()).where(Participant.person == john).execute()
    metric = john.metrics.get()
    MetricValue.create(metric=metric, cycle=cycle, value=77)
    clock.freeze(dt.datetime(2026, 11, 11, 15, 0))
    send_summary(cycle.id)
    page = coordinator.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "answered" in page and "no answer" in page
    assert "<svg" in page and "Retention follow-up #1: 77" in page
    assert 'id="summary"' in page and "The session notes" in page
    assert "Nothing in quarantine" in page
    InboundMessage.create(
        raw=b"2 maybe",
        sha256="q1",
        sender="ken@example.org",
        subject="Re: Progress update",
        status="quarantined",
        object_type="cycle",
        object_id=cycle.id,
        reason="AmbiguousReplyError",
    )
    page = coordinator.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "AmbiguousReplyError" in page and "ken@example.org" in page


def test_it_clones_the_last_cycle(coordinator, world):
    programme = world["programme"]
    path = f"/programmes/{programme.id}"
    assert "Clone the last cycle" in coordinator.get(path).get_data(as_text=True)
    response = coordinator.post(
        f"/cycles/clone?programme={programme.id}", data={"csrf_token": token(coordinator, path)}
    )
    assert response.status_code == 302
    clone = Cycle.select().order_by(Cycle.id.desc()).first()
    assert clone.previous_id == world["cycle"].id
    assert Session.get(Session.cycle == clone).starts_at == dt.datetime(2026, 12, 8, 14, 0)


def test_it_sets_a_cycle_to_trigger_itself(coordinator, world):
    from models import Job

    programme = world["programme"]
    data = form(coordinator, programme.id, auto_trigger_at="2026-12-01T09:00")
    coordinator.post(f"/cycles/new?programme={programme.id}", data=data)
    cycle = Cycle.get(Cycle.title == "Retention follow-up #2")
    assert Job.get(Job.key == f"cycle:{cycle.id}:auto-trigger").run_at == dt.datetime(
        2026, 12, 1, 9
    )
    data = form(coordinator, programme.id, auto_trigger_at="2026-12-07T09:00")
    page = coordinator.post(f"/cycles/new?programme={programme.id}", data=data)
    assert "must be in the future and before the deadline" in page.get_data(as_text=True)
