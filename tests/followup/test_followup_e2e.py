"""The whole follow-up cycle end to end: real Redis, real SMTP, replies through the pipeline."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from icalendar import Calendar, Event, vCalAddress

from models import ActionItem, Cycle, InboundMessage, MetricValue, Participant, Rsvp, clock
from tests.followup_data import make_programme
from workers.followup import trigger
from workers.followup.items import create_item
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.runtime import scheduler

#: The quoted header line Gmail writes above the message it answers.
GMAIL_ATTRIBUTION = "On {date}, Tandem <{addr}> wrote:"


def _quoted(original: EmailMessage) -> tuple[str, str]:
    body = original.get_body(("plain",)).get_content()
    text = "\n".join("> " + line for line in body.splitlines())
    html = original.get_body(("html",)).get_content()
    return text, html


def gmail_reply(original: EmailMessage, sender: str, answer: str) -> bytes:
    """Return a reply composed the way Gmail composes one: text and HTML, history quoted below."""
    reply_to = parseaddr(str(original["Reply-To"]))[1]
    text, html = _quoted(original)
    attribution = GMAIL_ATTRIBUTION.format(date="Mon, 2 Nov 2026 at 09:00", addr=reply_to)
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, reply_to
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Date"] = format_datetime(clock.now().replace(tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="mail.gmail.com")
    msg["In-Reply-To"] = msg["References"] = str(original["Message-ID"])
    msg.set_content(f"{answer}\n\n{attribution}\n\n{text}\n")
    answer_html = "".join(f"<div>{line}</div>" for line in answer.splitlines())
    msg.add_alternative(
        f'<div dir="ltr">{answer_html}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{attribution}<br></div>'
        f'<blockquote class="gmail_quote">{html}</blockquote></div>',
        subtype="html",
    )
    return msg.as_bytes(policy=email.policy.SMTP)


def outlook_reply(original: EmailMessage, sender: str, answer: str) -> bytes:
    """Return a reply composed the way Outlook composes one: a From/Sent block, then history."""
    reply_to = parseaddr(str(original["Reply-To"]))[1]
    text, html = _quoted(original)
    block = (
        f"________________________________\nFrom: Tandem <{reply_to}>\n"
        f"Sent: Monday, November 2, 2026 9:00 AM\nTo: {sender}\n"
        f"Subject: {original['Subject']}\n"
    )
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, reply_to
    msg["Subject"] = "RE: " + str(original["Subject"])
    msg["Date"] = format_datetime(clock.now().replace(tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="EUR01.prod.outlook.com")
    msg["In-Reply-To"] = msg["References"] = str(original["Message-ID"])
    msg["Thread-Index"] = "AQHZ1234567890abcdef=="
    msg.set_content(f"{answer}\n\n{block}\n{text.replace('> ', '')}\n")
    answer_html = "".join(f'<p class="MsoNormal">{line}</p>' for line in answer.splitlines())
    msg.add_alternative(
        f'<html><body><div class="WordSection1">{answer_html}</div>'
        f'<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
        f"<b>From:</b> Tandem &lt;{reply_to}&gt;<br><b>Sent:</b> Monday, November 2, 2026"
        f"</div>{html}</body></html>",
        subtype="html",
    )
    return msg.as_bytes(policy=email.policy.SMTP)


def calendar_accept(invite: EmailMessage, sender: str) -> bytes:
    """Return a calendar client's REPLY accepting the invitation."""
    part = next(p for p in invite.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    cal = Calendar()
    cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
    cal.add("version", "2.0")
    cal.add("method", "REPLY")
    answer = Event()
    for key in ("UID", "SEQUENCE", "DTSTART", "DTEND", "ORGANIZER"):
        answer[key] = event[key]
    answer.add("dtstamp", clock.now().replace(tzinfo=dt.UTC))
    attendee = vCalAddress(f"mailto:{sender}")
    attendee.params["PARTSTAT"] = "ACCEPTED"
    answer.add("attendee", attendee)
    cal.add_component(answer)
    organizer = str(event["ORGANIZER"]).split(":", 1)[1]
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, organizer
    msg["Subject"] = "Accepted: " + str(event["SUMMARY"])
    msg["Message-ID"] = make_msgid(domain="google.com")
    msg.set_content("Ken Ito has accepted this invitation.")
    msg.add_alternative(cal.to_ical().decode(), subtype="calendar", params={"method": "REPLY"})
    return msg.as_bytes(policy=email.policy.SMTP)


def drain(worker) -> None:
    """Wait until the broker's queues are empty and the worker is idle."""
    for queue in ("jobs", "mail", "jobs", "mail"):
        worker.broker.join(queue, timeout=30_000)
    worker.join()


def receive(raw: bytes, worker) -> str:
    """Store a message as the mail-in listener would, process it, and let the worker deliver."""
    row, _ = inbound_store.store_raw(raw, "smtp")
    status = inbound_worker.process(row.id)
    drain(worker)
    return status


def sent_to(sink, address: str, subject_part: str) -> list[EmailMessage]:
    return [
        m for m in sink.parsed() if address in str(m["To"]) and subject_part in str(m["Subject"])
    ]


def tick(worker) -> None:
    scheduler.tick()
    drain(worker)


def test_it_runs_a_whole_cycle_by_email(smtp_sink, redis_broker, redis_worker):
    # Given a drafted cycle with three stakeholders, triggered
    world = make_programme()
    cycle, people = world["cycle"], world["people"]
    trigger.trigger(cycle.id)
    drain(redis_worker)
    assert len(smtp_sink.messages) == 6

    # When John answers from Gmail, Maria from Outlook, and Ken accepts in his calendar
    clock.travel(dt.timedelta(hours=3))
    john_request = sent_to(smtp_sink, "john@example.org", "Progress update")[0]
    answer = "1 done\n2 60%\nRetention rate: 78\nBarriers: no data owner yet"
    assert receive(gmail_reply(john_request, "john@example.org", answer), redis_worker) == "applied"
    maria_request = sent_to(smtp_sink, "maria@example.org", "Progress update")[0]
    answer = "1 blocked: waiting for legal\nTime to hire: 45"
    assert receive(outlook_reply(maria_request, "maria@example.org", answer), redis_worker) == (
        "applied"
    )
    ken_invite = sent_to(smtp_sink, "ken@example.org", "Invitation")[0]
    assert receive(calendar_accept(ken_invite, "ken@example.org"), redis_worker) == "applied"

    # Then items, metrics and the RSVP are recorded, and each sender got a confirmation
    assert ActionItem.get_by_id(world["items"][0].id).status == "done"
    assert ActionItem.get_by_id(world["items"][1].id).percent == 60
    assert ActionItem.get_by_id(world["items"][2].id).status == "blocked"
    assert sorted(v.value for v in MetricValue.select()) == [45.0, 78.0]
    assert Rsvp.get(Rsvp.person == people["ken"]).partstat == "ACCEPTED"
    confirmation = sent_to(smtp_sink, "john@example.org", "Recorded")[0]
    assert "Exit interview script: done" in confirmation.get_body(("plain",)).get_content()
    assert len(sent_to(smtp_sink, "maria@example.org", "Recorded")) == 1

    # When the reminders fall due, only Ken (who only RSVPed) is chased
    clock.freeze(dt.datetime(2026, 11, 7, 14, 1))
    tick(redis_worker)
    assert [str(m["To"]) for m in sent_to(smtp_sink, "", "Reminder")] == [
        "Ken Ito <ken@example.org>"
    ]

    # And the brief goes to everyone two hours before the session
    clock.freeze(dt.datetime(2026, 11, 10, 12, 0))
    tick(redis_worker)
    brief = sent_to(smtp_sink, "maria@example.org", "Brief")[0].get_body(("plain",)).get_content()
    assert "Retention rate: 78" in brief and "NOT YET REPORTED: Ken Ito" in brief

    # When the session ends, the facilitator is asked for notes and answers from Gmail
    clock.freeze(dt.datetime(2026, 11, 10, 15, 0))
    tick(redis_worker)
    request = sent_to(smtp_sink, "fay@example.org", "Notes")[0]
    clock.freeze(dt.datetime(2026, 11, 10, 17, 30))
    notes = (
        "Decision: keep the weekly review call\n"
        "- Refine retention messaging @john@example.org by 2026-12-01\n"
        "- Draft the onboarding survey @Maria by 2026-12-15"
    )
    assert receive(gmail_reply(request, "fay@example.org", notes), redis_worker) == "applied"
    new_items = ActionItem.select().where(ActionItem.cycle == cycle)
    assert sorted(i.owner.name for i in new_items) == ["John Smith", "Maria Lopez"]
    assert len(sent_to(smtp_sink, "john@example.org", "New action item")) == 1

    # Then, with Ken's report missing, the summary waits for its deadline and says so
    assert Cycle.get_by_id(cycle.id).summary_sent_at is None
    clock.freeze(dt.datetime(2026, 11, 11, 15, 0))
    tick(redis_worker)
    fresh = Cycle.get_by_id(cycle.id)
    assert fresh.status == "summarised"
    assert fresh.summary_sent_at - dt.datetime(2026, 11, 10, 15, 0) <= dt.timedelta(hours=24)
    summary = sent_to(smtp_sink, "ken@example.org", "Summary")[0].get_body(("plain",)).get_content()
    assert "Refine retention messaging — John Smith, due 2026-12-01" in summary
    assert "No progress report from: Ken Ito." in summary
    # And the key points hold the decisions, not the new items listed below them again
    key_points = summary.split("KEY POINTS AND DECISIONS", 1)[1].split("\r\n\r\n", 1)[0]
    assert "keep the weekly review call" in key_points
    assert "Refine retention messaging" not in key_points
    assert Participant.select().where(Participant.responded_at.is_null(False)).count() == 2
    assert InboundMessage.select().where(InboundMessage.status == "quarantined").count() == 0


def test_it_applies_an_outlook_answer_to_an_item_reminder(smtp_sink, redis_broker, redis_worker):
    # Given an item assigned to Maria and its reminder three days before it is due
    world = make_programme()
    item = create_item(
        world["programme"].id, "Draft the survey", world["people"]["maria"], dt.date(2026, 11, 20)
    )
    clock.freeze(dt.datetime(2026, 11, 17, 8, 0))  # 09:00 in Madrid
    tick(redis_worker)
    reminder = sent_to(smtp_sink, "maria@example.org", "Due in 3 days")[0]
    # When she answers it from Outlook
    raw = outlook_reply(reminder, "maria@example.org", "blocked: waiting for legal\nby 2026-12-04")
    assert receive(raw, redis_worker) == "applied"
    # Then the item is blocked with the reason, due later, and she has a confirmation
    fresh = ActionItem.get_by_id(item.id)
    assert (fresh.status, fresh.blocked_reason) == ("blocked", "waiting for legal")
    assert str(fresh.due_date) == "2026-12-04"
    assert len(sent_to(smtp_sink, "maria@example.org", "Recorded")) == 1
