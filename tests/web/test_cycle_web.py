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
    Person,
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
    user = create_user("cora@example.org", "Cora", "a long enough password")
    # Cora coordinates the programme: her login stands for her person, who sees it.
    user.person = Person.get(Person.email == "cora@example.org")
    user.save()
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
    session = Session.get(Session.cycle == cycle)
    page = coordinator.get(path).get_data(as_text=True)
    assert f'name="timezone" value="{session.timezone}"' in page
    assert f'name="location" value="{session.location}"' in page
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


def test_it_charts_each_metric_across_cycles_with_progress(coordinator, world):
    from workers.followup.setup import clone_cycle

    # Given two cycles, with a retention value in each and none for time to hire
    first = world["cycle"]
    second = clone_cycle(first, dt.timedelta(weeks=4))
    retention = world["people"]["john"].metrics.get()
    retention.name = '<img src=x onerror="alert(1)">'
    retention.save()
    MetricValue.create(metric=retention, cycle=first, value=76)
    MetricValue.create(metric=retention, cycle=second, value=79)
    # When the coordinator opens the second cycle
    page = coordinator.get(f"/cycles/{second.id}").get_data(as_text=True)
    # Then the chart runs baseline, first cycle, second cycle, with the target labelled
    chart = page[page.index(f'id="metric-{retention.id}"') :]
    chart = chart[: chart.index("</figure>")]
    assert re.findall(r'<text class="value"[^>]*>([^<]+)</text>', chart) == ["70", "76", "79"]
    assert "target 85" in chart and "10 Nov" in chart and "08 Dec" in chart
    assert "60%" in chart and "6% to go" in chart and "higher is better" in chart
    assert "<img src=x" not in page and "&lt;img src=x" in page
    # And the metric without values says so, with its baseline and target
    assert "no value reported yet" in page and "baseline 60 days → target 30 days" in page
    # And the first cycle's page does not show the later value
    page = coordinator.get(f"/cycles/{first.id}").get_data(as_text=True)
    assert "Retention follow-up #1: 76" in page and ": 79<" not in page


def test_it_shows_every_item_touched_this_cycle_with_its_last_update(coordinator, world):
    from workers.followup.items import apply_update
    from workers.followup.trigger import trigger

    # Given a triggered cycle where John finishes one item by email and blocks another late
    cycle = world["cycle"]
    trigger(cycle.id)
    script, pilot, pay = world["items"]
    john = world["people"]["john"]
    clock.freeze(dt.datetime(2026, 11, 21, 9, 0))
    apply_update(script, status="done", by=john, source="email")
    apply_update(pilot, status="blocked", reason="No budget", by=john, source="email", late=True)
    apply_update(pay, percent=40, source="web")
    ActionItem.update(due_date=dt.date(2026, 11, 20)).where(ActionItem.id == pay.id).execute()
    # When the coordinator opens the cycle
    page = coordinator.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    table = page[page.index('id="items"') : page.index("</table>", page.index('id="items"'))]
    # Then the done item is still listed, with a badge and where its update came from
    rows = {title: row for row in table.split("<tr")[2:] for title in [row.split("<td>")[1]]}
    done = next(r for t, r in rows.items() if t.startswith("Exit interview script"))
    assert 'badge good">done' in done and "John Smith" in done and "by email" in done
    blocked = next(r for t, r in rows.items() if t.startswith("Mentor pairing pilot"))
    assert 'badge bad">blocked' in blocked and "No budget" in blocked and ">late<" in blocked
    overdue = next(r for t, r in rows.items() if t.startswith("Pay band review"))
    assert 'class="overdue"' in overdue and "40%" in overdue and "on the web" in overdue
    assert "1 done · 1 open · 1 blocked" in page and "1 overdue" in page


def test_it_shows_rsvp_badges_and_bounced_addresses(coordinator, world):
    from models import Person, Rsvp
    from workers.followup.trigger import trigger

    # Given answers to the invitation: accepted, a new time proposed, and a bounced address
    cycle = world["cycle"]
    trigger(cycle.id)
    session = Session.get(Session.cycle == cycle)
    people = world["people"]
    Rsvp.create(session=session, person=people["john"], partstat="ACCEPTED")
    Rsvp.create(
        session=session,
        person=people["maria"],
        partstat="TENTATIVE",
        proposed_start=dt.datetime(2026, 11, 10, 16, 0),
        comment="<b>Later?</b>",
    )
    Person.update(bounce_state="hard").where(Person.id == people["ken"].id).execute()
    Participant.update(responded_at=clock.now(), late=True).where(
        Participant.person == people["john"]
    ).execute()
    # When the coordinator opens the cycle
    page = coordinator.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    # Then each answer has its badge, time and lateness
    assert 'badge good">accepted' in page and 'badge warn">proposed new time' in page
    assert "proposes Tue 10 Nov 16:00" in page and "&lt;b&gt;Later?&lt;/b&gt;" in page
    assert 'badge warn">late' in page and "bounced: not reminded" in page
    assert "1 of 3" in page
