"""The mentoring cycle end to end by email, on real Redis and SMTP, with the movable clock.

Maya mentors from London, Ben is mentored from New York; the spring clock changes fall
between their sessions (New York on 14 March 2027, London on 28 March).
"""

from __future__ import annotations

import datetime as dt
import io

import pypdf

from models import (
    Event,
    Goal,
    Occurrence,
    OccurrenceRsvp,
    PlanItem,
    Rsvp,
    SessionFeedback,
    SessionSeries,
    clock,
)
from tests.followup.test_followup_e2e import calendar_accept, drain, gmail_reply, outlook_reply
from tests.mentoring import client_replies as clients
from tests.mentoring.pair_data import make_pair
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.mentoring import goals, proposals
from workers.mentoring.pairing import approve
from workers.runtime import scheduler


def receive(raw: bytes, worker) -> str:
    row, _ = inbound_store.store_raw(raw, "smtp")
    status = inbound_worker.process(row.id)
    drain(worker)
    return status


def tick(worker) -> None:
    scheduler.tick()
    drain(worker)


def mails(sink, to: str, subject: str) -> list:
    return [m for m in sink.parsed() if to in str(m["To"]) and subject in str(m["Subject"])]


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_pair_runs_its_whole_cycle_by_email(smtp_sink, redis_broker, redis_worker):
    # Given Maya and Ben matched and approved: both are introduced and invited to one series
    world = make_pair(
        mentor_hours="Mon 16:00-18:00; Tue 16:00-18:00",
        mentee_hours="Mon 11:00-13:00; Tue 11:00-13:00",
        paired=False,
    )
    ben = world["ben"]
    [group_id] = approve(proposals.propose(world["programme"], "test").id, "user:1")
    drain(redis_worker)
    series = SessionSeries.get(SessionSeries.group == group_id)
    rows = list(series.occurrences.order_by(Occurrence.starts_at))
    assert len(rows) == 6 and series.notes == []  # a slot inside both, through both changes
    invite_ben = mails(smtp_sink, "ben@example.org", "Invitation")[0]
    assert "America/New_York" in text(invite_ben)
    assert len(mails(smtp_sink, "maya@example.org", "Invitation")) == 1
    goal = goals.add_goal(world["programme"], ben, "Speak at assembly", "talks given", 3,
                          dt.date(2027, 6, 1))  # fmt: skip

    # When Ben accepts the series in Google Calendar
    assert receive(calendar_accept(invite_ben, "ben@example.org"), redis_worker) == "applied"
    assert Rsvp.get(Rsvp.person == ben).partstat == "ACCEPTED"

    # And Maya declines the second session from Outlook (a Windows zone, no ORGANIZER)
    second = rows[1]
    ics = clients.outlook(series.session.uid, second.recurrence_id, second.starts_at,
                          second.ends_at, "maya@example.org", "DECLINED")  # fmt: skip
    assert receive(clients.mail("maya@example.org", ics), redis_worker) == "applied"
    offer = mails(smtp_sink, "ben@example.org", "another time")[0]
    assert "Maya Mentor cannot make the session" in text(offer)

    # And Ben takes the first time offered: that session alone moves, for both
    assert receive(gmail_reply(offer, "ben@example.org", "1"), redis_worker) == "applied"
    moved = Occurrence.get_by_id(second.id)
    assert moved.moved and moved.starts_at != second.starts_at
    assert len(mails(smtp_sink, "maya@example.org", "Moved")) == 1

    # When the first session has ended, both are asked about it
    clock.freeze(rows[0].ends_at + dt.timedelta(minutes=5))
    tick(redis_worker)
    ask_maya = mails(smtp_sink, "maya@example.org", "how did the session")[0]
    ask_ben = mails(smtp_sink, "ben@example.org", "your reflection")[0]

    # And Maya answers from Outlook, Ben from Gmail
    answer = ("Rating: 4\nAttended: yes\nBen spoke clearly.\n"
              "Action: draft the assembly speech @Ben by 20 March 2027")  # fmt: skip
    assert receive(outlook_reply(ask_maya, "maya@example.org", answer), redis_worker) == "applied"
    answer = "Satisfaction: 5\nGoal 1: 3\nI felt confident."
    assert receive(gmail_reply(ask_ben, "ben@example.org", answer), redis_worker) == "applied"

    # Then both answers attach to the pair, the plan has its item, and the goal is reached
    assert {f.role: f.rating for f in SessionFeedback.select()} == {"mentor": 4, "mentee": 5}
    assert PlanItem.get().owner_id == ben.id
    assert OccurrenceRsvp.get(OccurrenceRsvp.person == ben).attended is True
    assert Goal.get_by_id(goal.id).status == "achieved"
    recognition = mails(smtp_sink, "ben@example.org", "reached your goal")[0]
    pdf = next(p for p in recognition.iter_attachments() if p.get_filename().endswith(".pdf"))
    page = pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Ben Pupil" in page and "Speak at assembly" in page

    # When the moved session is two days off, the reminder revisits the plan
    clock.freeze(moved.starts_at - dt.timedelta(days=2))
    tick(redis_worker)
    reminder = text(mails(smtp_sink, "ben@example.org", "your session of")[0])
    assert "1. draft the assembly speech (Ben Pupil, by 2027-03-20)" in reminder

    # And Ben writes to Maya through the relay: it reaches her, and counts as engagement
    relay = reminder.split("between sessions, use ", 1)[1].split(";", 1)[0].strip()
    ask = mails(smtp_sink, "ben@example.org", "your session of")[0]
    del ask["Reply-To"]
    ask["Reply-To"] = relay
    raw = gmail_reply(ask, "ben@example.org", "Here is my outline for the speech.")
    assert receive(raw, redis_worker) == "applied"
    passed = mails(smtp_sink, "maya@example.org", "Ben Pupil via Tandem")[0]
    assert "Here is my outline for the speech." in text(passed)
    kinds = {e.kind for e in Event.select().where(Event.person == ben)}
    assert kinds == {
        "rsvp_accept", "attendance", "mentor_rating", "satisfaction", "goal_checkin", "relay"
    }  # fmt: skip
