"""The follow-up cycle step by step: trigger, replies, chasing, brief, notes, summary."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from icalendar import Calendar

from models import (
    ActionItem,
    ActionItemUpdate,
    Cycle,
    InboundMessage,
    Job,
    MetricValue,
    OutboundEmail,
    Participant,
    Report,
    clock,
)
from tests.followup_data import make_programme
from workers.followup import brief, reminders, summary, trigger
from workers.followup.common import CycleStateError
from workers.inbound.appliers import APPLIERS, ReplyContext
from workers.inbound.errors import AmbiguousReplyError
from workers.outbound.delivery import context_of
from workers.runtime import jobs


def reply(person, object_type: str, object_id: int, text: str) -> str:
    """Run the applier for a reply, as the inbound pipeline does."""
    row = InboundMessage.create(
        raw=text.encode(),
        sha256=uuid.uuid4().hex,
        message_id=f"<{uuid.uuid4().hex}@mail.example.org>",
        sender=person.email,
        status="processing",
    )
    ctx = ReplyContext(row, person, object_type, object_id, None, text)
    return APPLIERS[object_type](ctx)


def run_due() -> list[str]:
    """Run every job that is due now, in order, and return their kinds."""
    ran = []
    due = Job.select().where((Job.status == "pending") & (Job.run_at <= clock.now()))
    for job in due.order_by(Job.run_at, Job.id):
        if jobs.run(job.id) == "done":
            ran.append(job.kind)
    return ran


def emails(kind: str, person=None) -> list[OutboundEmail]:
    query = OutboundEmail.select().where(OutboundEmail.kind == kind)
    if person is not None:
        query = query.where(OutboundEmail.person == person)
    return list(query.order_by(OutboundEmail.id))


@pytest.fixture
def world(db):
    return make_programme()


def test_it_triggers_invitations_and_update_requests(world):
    # Given a drafted cycle with three stakeholders
    cycle, john = world["cycle"], world["people"]["john"]
    # When it is triggered
    count = trigger.trigger(cycle.id)
    # Then each stakeholder gets an invitation and an update request
    assert count == 6
    assert len(emails("invite")) == 3 and len(emails("update-request")) == 3
    invite = emails("invite", john)[0]
    assert invite.calendar_method == "REQUEST"
    event = Calendar.from_ical(invite.calendar).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:john@example.org"
    assert str(event["ORGANIZER"]) == f"mailto:{invite.reply_to}"
    assert invite.ctx["session"]["when"] == "Tue 10 Nov 2026, 09:00–10:00 (America/New_York)"
    # And the request lists only John's items and metrics, numbered
    request = emails("update-request", john)[0].ctx
    assert [(i["number"], i["title"]) for i in request["items"]] == [
        (1, "Exit interview script"),
        (2, "Mentor pairing pilot"),
    ]
    assert [m["name"] for m in request["metrics"]] == ["Retention rate"]
    assert request["deadline"] == "Sun 8 Nov 2026, 09:00 (America/New_York)"
    assert emails("update-request", world["people"]["ken"])[0].ctx["items"] == []
    # And the due work is scheduled
    kinds = {j.kind for j in Job.select()}
    assert kinds == {"cycle.reminder", "cycle.brief", "cycle.notes_request", "cycle.summary"}
    # And triggering twice sends nothing more
    with pytest.raises(CycleStateError):
        trigger.trigger(cycle.id)
    assert OutboundEmail.select().count() == 6


def test_it_applies_a_progress_reply_with_history(world):
    cycle, john = world["cycle"], world["people"]["john"]
    trigger.trigger(cycle.id)
    # When John answers with item statuses, a metric, a barrier and a comment
    text = (
        "1 done\n2 blocked: waiting for the budget\nRetention rate: 78\n"
        "Barriers: no data owner yet\nComment: good momentum"
    )
    reply(john, "cycle", cycle.id, text)
    # Then the items, the metric, the report and his answer are recorded
    first, second = world["items"][0], world["items"][1]
    assert ActionItem.get_by_id(first.id).status == "done"
    assert ActionItem.get_by_id(second.id).status == "blocked"
    assert ActionItem.get_by_id(second.id).blocked_reason == "waiting for the budget"
    assert ActionItemUpdate.select().where(ActionItemUpdate.item == first.id).count() == 1
    assert [v.value for v in MetricValue.select()] == [78.0]
    report = Report.get()
    assert (report.barriers, report.comment, report.late) == (
        "no data owner yet",
        "good momentum",
        False,
    )
    assert Participant.get(Participant.person == john).responded_at is not None
    # And he gets a confirmation of what was recorded
    confirmation = emails("confirmation", john)[0].ctx
    assert "Exit interview script: done" in confirmation["recorded"]
    assert "Retention rate: 78 %" in confirmation["recorded"]
    assert confirmation["not_understood"] == []


def test_it_says_what_it_did_not_understand(world):
    cycle, john = world["cycle"], world["people"]["john"]
    trigger.trigger(cycle.id)
    reply(john, "cycle", cycle.id, "2 60%\n7 done")
    assert ActionItem.get_by_id(world["items"][1].id).percent == 60
    confirmation = emails("confirmation", john)[0].ctx
    assert confirmation["not_understood"], "item 7 does not exist and must be reported"


def test_it_quarantines_a_reply_it_cannot_read(world):
    cycle, john = world["cycle"], world["people"]["john"]
    trigger.trigger(cycle.id)
    with pytest.raises(AmbiguousReplyError):
        reply(john, "cycle", cycle.id, "5 done")
    assert Participant.get(Participant.person == john).responded_at is None


def test_it_applies_a_late_reply_and_marks_it(world):
    cycle, maria = world["cycle"], world["people"]["maria"]
    trigger.trigger(cycle.id)
    clock.travel(dt.timedelta(days=7))  # past the deadline and the session
    reply(maria, "cycle", cycle.id, "1 50%\nComment: sorry for the delay")
    assert Participant.get(Participant.person == maria).late is True
    assert Report.get().late is True
    assert ActionItemUpdate.get(ActionItemUpdate.item == world["items"][2].id).late == "late"


def test_it_reminds_only_who_has_not_answered_and_can_be_reached(world):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    reply(people["john"], "cycle", cycle.id, "1 done")
    people["ken"].bounce_state = "hard"
    people["ken"].save()
    # When the 72-hour reminder falls due
    clock.freeze(dt.datetime(2026, 11, 5, 14, 1))
    assert run_due() == ["cycle.reminder"]
    # Then only Maria is reminded; Ken's bounce is recorded for the coordinator
    assert [e.person_id for e in emails("reminder")] == [people["maria"].id]
    assert reminders.pending_people(Cycle.get_by_id(cycle.id))[1] == [people["ken"]]
    # And after Maria answers the 24-hour reminder goes to nobody
    reply(people["maria"], "cycle", cycle.id, "1 done")
    clock.freeze(dt.datetime(2026, 11, 7, 14, 1))
    assert run_due() == ["cycle.reminder"]
    assert len(emails("reminder")) == 1


def test_it_sends_the_brief_two_hours_before(world):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    reply(people["john"], "cycle", cycle.id, "2 blocked: no budget\nRetention rate: 76")
    clock.freeze(dt.datetime(2026, 11, 10, 12, 0))
    assert "cycle.brief" in run_due()
    content = context_of(emails("brief", people["ken"])[0])["brief"]
    retention = next(m for m in content["metrics"] if m["name"] == "Retention rate")
    assert (retention["value"], retention["progress"], retention["gap"]) == (76.0, 40.0, 9.0)
    assert content["not_reported"] == ["Ken Ito", "Maria Lopez"]
    assert [i["title"] for i in content["unresolved"]] == ["Mentor pairing pilot"]
    assert Cycle.get_by_id(cycle.id).summary["brief"]["reported"] == 1


def test_it_turns_notes_into_owned_items_and_asks_back(world):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    clock.freeze(dt.datetime(2026, 11, 10, 15, 0))
    run_due()
    assert len(emails("notes-request", people["fac"])) == 1
    notes = (
        "Decision: keep the weekly call\n"
        "- Refine retention messaging @john@example.org by 2026-12-01\n"
        "- Draft the survey @Maria by 2026-12-15\n"
        "- Fix payroll @Nobody by 2026-12-15\n"
    )
    reply(people["fac"], "notes", cycle.id, notes)
    created = ActionItem.select().where(ActionItem.cycle == cycle).order_by(ActionItem.id)
    assert [(i.title, i.owner.name, str(i.due_date)) for i in created] == [
        ("Refine retention messaging", "John Smith", "2026-12-01"),
        ("Draft the survey", "Maria Lopez", "2026-12-15"),
    ]
    assert len(emails("item-assigned")) == 2
    asked = emails("confirmation", people["fac"])[0].ctx["not_understood"]
    assert len(asked) == 1 and "Nobody" in asked[0]
    kinds = [j.key for j in Job.select().where(Job.kind == "item.reminder")]
    assert len(kinds) == 4  # 3 days and 1 day before each due date


def test_it_sends_the_summary_on_time_saying_what_is_missing(world, settings):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    reply(people["john"], "cycle", cycle.id, "1 done")
    clock.freeze(dt.datetime(2026, 11, 11, 15, 0))  # 24 hours after the end, no notes
    run_due()
    fresh = Cycle.get_by_id(cycle.id)
    assert fresh.status == "summarised"
    assert fresh.summary["hours_after_session"] == 24.0
    assert "The session notes" in fresh.summary["missing"][0]
    assert fresh.summary["not_reported"] == ["Ken Ito", "Maria Lopez"]
    assert len(emails("summary")) == 4  # three stakeholders and the facilitator
    # And the next follow-up is drafted four weeks later with the open items carried over
    nxt = Cycle.get(Cycle.previous == cycle)
    assert nxt.status == "draft"
    assert fresh.summary["next_followup"] == "2026-12-08 14:00 UTC"
    assert Participant.select().where(Participant.cycle == nxt).count() == 3
    assert summary.send_summary(cycle.id) == 0  # safe to run twice


def test_it_sends_the_summary_early_when_everything_is_in(world):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    for name in ("john", "maria", "ken"):
        reply(people[name], "cycle", cycle.id, "Comment: nothing new")
    clock.freeze(dt.datetime(2026, 11, 10, 15, 5))
    run_due()
    reply(people["fac"], "notes", cycle.id, "- Publish the dashboard @Ken by 2026-11-30")
    fresh = Cycle.get_by_id(cycle.id)
    assert fresh.status == "summarised"
    assert fresh.summary["missing"] == []
    assert fresh.summary["hours_after_session"] == round(5 / 60, 2)
    assert [i["title"] for i in fresh.summary["new_items"]] == ["Publish the dashboard"]


def test_it_reminds_item_owners_and_escalates_overdue_items(world):
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    item = world["items"][0]  # due 2026-11-20, owned by John
    from workers.followup.items import schedule_item

    schedule_item(ActionItem.get_by_id(item.id))
    clock.freeze(dt.datetime(2026, 11, 17, 14, 30))  # 09:00 in New York, 3 days before
    run_due()
    assert [e.ctx["days"] for e in emails("item-reminder", people["john"])] == [3]
    # When John answers the reminder with a new date, the reminders move with it
    reply(people["john"], "item", item.id, "by 2026-11-27")
    assert str(ActionItem.get_by_id(item.id).due_date) == "2026-11-27"
    clock.freeze(dt.datetime(2026, 11, 28, 14, 30))
    run_due()
    assert len(emails("item-overdue", people["john"])) == 1
    assert len(emails("coordinator-overdue", people["coord"])) == 1
    # And "done" closes the item
    reply(people["john"], "item", item.id, "done")
    assert ActionItem.get_by_id(item.id).status == "done"


def test_it_resends_and_cancels_with_the_same_uid(world):
    from workers.followup.setup import cancel_cycle, update_session

    cycle = world["cycle"]
    trigger.trigger(cycle.id)
    fresh = Cycle.get_by_id(cycle.id)
    moved = dt.datetime(2026, 11, 11, 14, 0)
    assert update_session(fresh, moved, moved + dt.timedelta(hours=1), "Europe/London", "Room 5")
    invites = emails("invite", world["people"]["john"])
    first, second = (Calendar.from_ical(e.calendar).walk("VEVENT")[0] for e in invites)
    assert str(first["UID"]) == str(second["UID"])
    assert (int(first["SEQUENCE"]), int(second["SEQUENCE"])) == (0, 1)
    assert str(first["ORGANIZER"]) == str(second["ORGANIZER"])
    assert Job.get(Job.key == f"cycle:{cycle.id}:summary").run_at == dt.datetime(2026, 11, 12, 15)
    cancel_cycle(Cycle.get_by_id(cycle.id))
    cancel = emails("invite-cancel", world["people"]["john"])[0]
    assert cancel.calendar_method == "CANCEL"
    assert int(Calendar.from_ical(cancel.calendar).walk("VEVENT")[0]["SEQUENCE"]) == 2
    assert Job.select().where(Job.status == "pending").count() == 0


def test_it_builds_a_brief_without_any_reply(world):
    content = brief.build_brief(Cycle.get_by_id(world["cycle"].id))
    assert content["reported"] == 0 and content["stakeholders"] == 3


def test_it_triggers_a_cycle_set_to_trigger_itself(world):
    from workers.followup.setup import clone_cycle

    # Given a drafted follow-up set to trigger on its own
    nxt = clone_cycle(Cycle.get_by_id(world["cycle"].id), dt.timedelta(weeks=4))
    nxt.auto_trigger_at = dt.datetime(2026, 12, 1, 9, 0)
    nxt.save()
    from workers.followup.schedule import schedule_auto_trigger

    schedule_auto_trigger(nxt)
    # When its time comes
    clock.freeze(dt.datetime(2026, 12, 1, 9, 0))
    assert "cycle.auto_trigger" in run_due()
    # Then it is triggered like a button press
    assert Cycle.get_by_id(nxt.id).status == "triggered"
    assert len(emails("update-request")) == 3


def test_it_writes_only_what_an_update_changed_and_moves_reminders_only_with_the_date(world):
    from workers.followup.items import apply_update, schedule_item

    # Given John's item with its reminders, one of them moved by hand
    item = ActionItem.get_by_id(world["items"][0].id)
    schedule_item(item)
    mine = Job.key.startswith(f"item:{item.id}:")
    moved = Job.select().where(mine & (Job.status == "pending")).order_by(Job.id).first()
    later = moved.run_at + dt.timedelta(minutes=7)
    Job.update(run_at=later).where(Job.id == moved.id).execute()
    # And the title changed by someone else since the item was loaded
    ActionItem.update(title="Renamed").where(ActionItem.id == item.id).execute()
    # When John reports progress only
    apply_update(item, percent=40, by=world["people"]["john"])
    # Then the percent is written, the other change kept, and the reminders left alone
    fresh = ActionItem.get_by_id(item.id)
    assert (fresh.title, fresh.percent, fresh.status) == ("Renamed", 40, "open")
    assert Job.get_by_id(moved.id).run_at == later
    # When he gives a new date, the reminders move to it
    apply_update(item, due=dt.date(2026, 12, 4), by=world["people"]["john"])
    pending = Job.select().where(mine & (Job.status == "pending"))
    assert pending.count() > 0 and all(j.key.endswith(":2026-12-04") for j in pending)
    assert Job.get_by_id(moved.id).status == "cancelled"
