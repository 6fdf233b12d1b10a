"""One realistic example of every email Tandem sends, for checks that look at all of them.

The follow-up cycle's emails come from running a cycle the way its tests do, replies and
rejections through the inbound pipeline; the few sent elsewhere get a context written here,
with the long names, titles and links real ones carry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from models import ActionItem, Cycle, Job, OutboundEmail, clock
from tests import mailfactory as mf
from tests.followup.test_followup_cycle import reply, run_due
from tests.followup_data import make_programme
from tests.outbound.tracking_samples import TRACKING
from workers import settings as settings_mod
from workers.followup import trigger
from workers.followup.common import session_of
from workers.followup.items import schedule_item
from workers.followup.setup import cancel_cycle, clone_cycle, update_session
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import context_of
from workers.outbound.render import TEMPLATE_DIR, render

#: The server Tandem trusts to say a sender passed DMARC, in these examples.
TRUSTED_SERVER = "mx.tandem.test"

#: A long address of the kind that overflows a narrow screen when nothing wraps it.
LINK = "https://tandem.example.org/auth/reset/" + "IjEyMyI.ZxYwVg.k3y-" * 4

#: Emails sent outside the follow-up cycle, with the context their senders give.
WRITTEN = {
    "ping": {
        "recipient_name": "Maria Lopez",
        "subject": "Checking the mail relay",
        "body": "This is a test email from Tandem.",
    },
    "password-reset": {
        "recipient_name": "Cora Coordinator",
        "login_email": "cora.coordinator@leadership.example-university.org",
        "link": LINK,
        "minutes": 60,
    },
    "password-changed": {
        "recipient_name": "Cora Coordinator",
        "login_email": "cora.coordinator@leadership.example-university.org",
        "changed_at": "Mon 2 Nov 2026, 09:00 (Europe/London)",
        "forgot_url": "https://tandem.example.org/auth/forgot",
    },
    "coordinator-added": {
        "recipient_name": "Fay Facilitator",
        "inviter_name": "Cora Coordinator",
        "programme_name": "Prefect Leadership 2026-27: departmental follow-up reviews",
        "login_url": "https://tandem.example.org/auth/login",
    },
    "coordinator-invite": {
        "recipient_name": "Fay Facilitator",
        "inviter_name": "Cora Coordinator",
        "programme_name": "Prefect Leadership 2026-27: departmental follow-up reviews",
        "link": LINK,
        "expires": "Mon 9 Nov 2026, 09:00 (Europe/London)",
    },
    "delivery-failed": {
        "recipient_name": "Cora Coordinator",
        "programme": "Prefect Leadership 2026-27: departmental follow-up reviews",
        "emails": [
            {
                "kind": "update-request",
                "to": "jonathan.whitfield-okonkwo@alumni.example-university.org",
                "about": "Retention follow-up #1",
                "reason": "550 5.1.1 <jonathan.whitfield-okonkwo@alumni.example-university.org>:"
                " Recipient address rejected: User unknown in virtual mailbox table",
            },
        ],
        "url": "https://tandem.example.org/cycles/12",
    },
    "survey-request": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "programme": "Prefect Mentoring 2026-27",
        "title": "End-of-term check-in on the mentoring programme",
        "kind": "programme",
        "questions": [
            {
                "name": "satisfaction",
                "label": "Satisfaction",
                "text": "How satisfied are you with Prefect Mentoring 2026-27?",
                "low": 1,
                "high": 5,
                "low_words": "very dissatisfied",
                "high_words": "very satisfied",
            },
            {
                "name": "nps",
                "label": "Recommend",
                "text": "How likely are you to recommend Prefect Mentoring 2026-27 to a colleague?",
                "low": 0,
                "high": 10,
                "low_words": "not at all likely",
                "high_words": "extremely likely",
            },
        ],
        "example": ["Satisfaction: 4", "Recommend: 9"],
        "comment_prompt": "Anything you would like to tell us?",
        "form_url": "https://tandem.example.org/survey/" + "eyJyIjoxMiwicCI6MzR9.ZxYwVg.k3y-" * 3,
        "days": 60,
    },
    "mentoring-assessment": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "questions": [
            {"label": "Goals", "hint": "what you want to get better at, separated by commas"},
            {"label": "Languages", "hint": "the languages you can be mentored in"},
            {"label": "Availability", "hint": "weekdays and hours, like Mon-Thu 16:00-18:00"},
            {"label": "Department", "hint": "where you study or work"},
        ],
        "example": [
            "Goals: public speaking, running a team meeting, giving feedback",
            "Languages: English, Tamil",
            "Availability: Mon-Thu 16:00-18:00",
            "Department: Sixth form, house Nightingale",
        ],
        "timezone": "Europe/London",
        "form_url": LINK,
        "days": 60,
    },
    "mentoring-introduction": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "role": "mentee",
        "partner": {
            "name": "Dr Jonathan Whitfield-Okonkwo",
            "role": "mentor",
            "email": "jonathan.whitfield-okonkwo@alumni.example-university.org",
            "timezone": "America/New_York",
            "department": "Alumni office, leadership and service",
            "languages": ["English", "Yoruba", "French"],
            "skills": ["public speaking", "coaching", "running a team meeting"],
            "availability": "Mon-Thu 12:00-14:00",
        },
        "shared_goals": ["public speaking", "running a team meeting"],
        "other_goals": ["giving feedback to younger students"],
        "shared_hours": 6.5,
        "first_session": "to be proposed",
        "guide": "Meet every two weeks for about an hour.\nAgree on goals in the first "
        "session, and write them down.\nReply to the feedback request after each session.",
    },
    "mentoring-series": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Mentoring: Priya Raman and Dr Jonathan Whitfield-Okonkwo",
        "cancelled": False,
        "updated": False,
        "rhythm": "every two weeks on Tuesdays, 6 sessions",
        "others": [{"name": "Dr Jonathan Whitfield-Okonkwo", "role": "mentor"}],
        "timezone": "Europe/London",
        "sessions": [
            {"date": "Tue 10 Nov 2026", "time": "17:00–18:00", "shifted": False, "outside": ""},
            {
                "date": "Tue 24 Nov 2026",
                "time": "16:00–17:00",
                "shifted": True,
                "outside": "Dr Jonathan Whitfield-Okonkwo",
            },
        ],
        "location": "https://meet.example.org/abc-defg-hij",
        "outside": True,
        "shifted": True,
        "relay": "reply+1234-m-56-1b3x-0123456789abcdef@tandem.example.org",
    },
    "mentoring-occurrence": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Mentoring: Priya Raman and Dr Jonathan Whitfield-Okonkwo",
        "cancelled": False,
        "was": "Tue 24 Nov 2026, 16:00–17:00 (Europe/London)",
        "when": "Wed 25 Nov 2026, 16:00–17:00 (Europe/London)",
        "why": "Dr Jonathan Whitfield-Okonkwo declined the session and proposed this time.",
    },
    "mentoring-orientation": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "session": {
            "title": "Mentor orientation",
            "when": "Tue 10 Nov 2026, 09:00–10:00 (America/New_York)",
            "location": "Room 4 / https://meet.example.org/abc-defg-hij",
            "timezone": "America/New_York",
        },
    },
    "mentoring-orientation-confirm": {
        "recipient_name": "Fay Facilitator",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Mentor orientation",
        "when": "Tue 10 Nov 2026, 14:00–15:00 (Europe/London)",
        "mentors": [
            {"number": 1, "name": "Dr Jonathan Whitfield-Okonkwo", "rsvp": "accepted"},
            {"number": 2, "name": "Maria Lopez", "rsvp": "needs-action"},
        ],
    },
    **{
        name: {
            "recipient_name": "Priya Raman",
            "programme": "Prefect Mentoring 2026-27",
            "title": "Mentoring: Priya Raman and Dr Jonathan Whitfield-Okonkwo",
            "kind": "pair",
            "role": "mentee" if name.endswith("mentee") else "mentor",
            "others": [{"name": "Dr Jonathan Whitfield-Okonkwo", "role": "mentor"}],
            "rhythm": "every other week",
            "location": "https://meet.example.org/abc-defg-hij",
            "timezone": "Europe/London",
            "relay": "reply+1234-m-56-1b3x-0123456789abcdef@tandem.example.org",
            "when": "Tue 24 Nov 2026, 16:00–17:00 (Europe/London)",
            "group": False,
            "mentees": [{"number": 1, "name": "Priya Raman"}],
            "plan": [
                {
                    "number": 1,
                    "title": "Draft the opening of the assembly speech about the library",
                    "owner": "Priya Raman",
                    "due": "2026-12-01",
                    "percent": 40,
                }
            ],
            "goals": [
                {
                    "number": 1,
                    "text": "Speak at three school assemblies before the spring term ends",
                    "measure": "assemblies spoken at",
                    "target": "3",
                    "due": "2027-03-31",
                    "progress": 33,
                }
            ],
            "resources": [{"title": "Speaking with confidence", "link": LINK, "tags": []}],
        }
        for name in (
            "mentoring-feedback-mentor",
            "mentoring-feedback-mentee",
            "mentoring-next-session",
        )
    },
    "mentoring-slots": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "reason": "decline",
        "asked_by": "Dr Jonathan Whitfield-Okonkwo",
        "declined": "Tue 24 Nov 2026, 16:00–17:00 (Europe/London)",
        "options": [
            {"number": 1, "when": "Wed 25 Nov 2026, 16:00–17:00 (Europe/London)"},
            {"number": 2, "when": "Thu 26 Nov 2026, 16:30–17:30 (Europe/London)"},
        ],
    },
    "mentoring-series-declined": {
        "recipient_name": "Cora Coordinator",
        "programme": "Prefect Mentoring 2026-27",
        "person": "Dr Jonathan Whitfield-Okonkwo",
        "role": "mentor",
        "answer": "declined",
        "title": "Mentoring: Priya Raman and Dr Jonathan Whitfield-Okonkwo",
        "rhythm": "every other week",
        "proposed": "Wed 25 Nov 2026, 16:00–17:00 (Europe/London)",
        "comment": "Tuesdays no longer work for me after the timetable change.",
        "url": LINK,
    },
    "mentoring-recognition": {
        "recipient_name": "Priya Raman",
        "programme": "Prefect Mentoring 2026-27",
        "goal": "Speak at three school assemblies before the spring term ends",
        "milestone": "reached",
        "measure": "assemblies spoken at: 3",
        "mentors": ["Dr Jonathan Whitfield-Okonkwo"],
        "attached_files": ["certificate-reached.pdf"],
    },
    "mentoring-relay": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "sender": "Priya Raman",
        "sender_role": "mentee",
        "sender_email": "",
        "subject": "My draft for the assembly",
        "text": "Here is my draft; could we look at the opening together?\n" + LINK,
        "attached_files": ["assembly-draft-v2-with-comments.docx"],
    },
    "report-personal": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "participant": "Priya Raman-Fitzgerald",
        "for_team": True,
        "on": "2026-11-30",
        "headline": [
            ["Assignments done", "75%", "3 of 4 due so far; 1 overdue, 2 still to come"],
            ["Attendance", "83.3%", "5 sessions attended, 1 missed"],
            [
                "Engagement",
                "14",
                "replies, submissions and sessions in the last 8 weeks (52 in all)",
            ],
        ],
        "goals": [
            {
                "text": "Speak at three school assemblies before the spring term ends",
                "progress": 60,
                "status": "active",
                "due": "2027-03-31",
            }
        ],
        "feedback": [
            {
                "title": "Case study: the lunch-queue rota",
                "score": "8.5",
                "text": "A clear plan; say who tells the kitchen. " + LINK,
            }
        ],
        "badges": ["First submission", "Goal reached"],
        "attached_files": ["progress-1042-2026-11-30.pdf"],
    },  # fmt: skip
    "report-team": {
        "recipient_name": "Fay Okafor-Lindqvist",
        "programme": "Prefect Mentoring 2026-27",
        "on": "2026-11-30",
        "count": 120,
        "rows": [
            {
                "name": "Priya Raman-Fitzgerald",
                "assignments": "3/4",
                "attendance": "83.3%",
                "engagement": 14,
                "goals": "1/2",
            }
        ],
        "more": 119,
        "url": "https://tandem.example.org/programmes/12/tracking",
    },  # fmt: skip
    "recognition-completed": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "programme": "Prefect Mentoring 2026-27",
        "attached_files": ["certificate-completed.pdf"],
    },
    **{
        name: {
            "recipient_name": "Priya Raman-Fitzgerald",
            "programme": "Prefect Mentoring 2026-27",
            "title": "Case study: the corridor argument between two Year 9 tutor groups",
            "kind": "Case study",
            "quiz": False,
            "instructions": "Read the case and say, step by step, what you would do.\n"
            "Attach a plan if you wrote one: " + LINK,
            "due": "Mon 09 Nov 2026, 17:00 (Europe/London)",
            "days": 3,
        }
        for name in ("assignment", "assignment-reminder", "assignment-overdue")
    },
    "assignment-received": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "title": "Quiz: safeguarding basics for new prefects",
        "recorded": True,
        "late": True,
        "kept": ["Action-plan-for-the-corridor-argument-final-version-2.pdf"],
        "refused": [{"name": "recording.mp3", "reason": "its content is not an accepted type"}],
        "accepted_types": "Excel workbook, GIF image, JPEG image, OpenDocument text, PDF, text",
        "score": 2,
        "out_of": 3,
        "wrong": [2],
        "missing": [],
    },
    "assignment-review-request": {
        "recipient_name": "Fay Facilitator",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Case study: the corridor argument between two Year 9 tutor groups",
        "participant": "Priya Raman-Fitzgerald",
        "late": False,
        "text": "I would separate them first and hear each side away from the corridor.\n" + LINK,
        "cut": True,
        "files": ["Action-plan-for-the-corridor-argument-final-version-2.pdf"],
        "url": "https://tandem.example.org/programmes/12/assignments/345/submissions/6789",
    },
    "assignment-feedback": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Case study: the corridor argument between two Year 9 tutor groups",
        "score": "8",
        "out_of": "10",
        "feedback": "Clear steps, and you kept both students safe. Next time, note who you told.",
        "reviewer": "Fay Facilitator",
    },
    **TRACKING,
}


def template_names() -> list[str]:
    """Return the name of every email there are templates for."""
    return sorted(
        p.name.removesuffix("-body.html")
        for p in (TEMPLATE_DIR / "email").glob("*-body.html")
        if not p.name.startswith("_")
    )


def receive(raw: bytes) -> str:
    """Store a message as a way in would and run it through the pipeline."""
    row, _ = inbound_store.store_raw(raw, "smtp")
    return inbound_worker.process(row.id)


def _rejections(world: dict, cycle: Cycle) -> None:
    """Send the replies each rejection email answers, from known people, through the pipeline."""
    john, maria = world["people"]["john"], world["people"]["maria"]
    passed = {"Authentication-Results": f"{TRUSTED_SERVER}; dmarc=pass header.from=example.org"}
    to_cycle = mf.reply_address(john, "cycle", cycle.id)
    receive(mf.reply(john.email, to_cycle, "7 done"))  # he has no item 7
    # An item's reply address (a cycle's stays open until its summary has gone out).
    expired = mf.reply_address(maria, "item", world["items"][2].id, days=-3)
    receive(mf.reply(maria.email, expired, "1 done", headers=passed))
    receive(mf.reply(maria.email, "tandem@tandem.test", "1 done", headers=passed))
    receive(mf.reply(john.email, to_cycle, "", quoted="> 1 done\n", headers=passed))


def followup_rows() -> list[OutboundEmail]:
    """Run a follow-up cycle from trigger to overdue items; return every email it queued."""
    current = settings_mod.get()
    trusted = (*current.trusted_authserv_ids, TRUSTED_SERVER)
    settings_mod.configure(dataclasses.replace(current, trusted_authserv_ids=trusted))
    world = make_programme()
    cycle, people = world["cycle"], world["people"]
    ActionItem.create(
        programme=world["programme"],
        title="Agree the exit-interview script with HR and the union representatives",
        owner=people["john"],
        due_date=dt.date(2027, 1, 15),
    )
    trigger.trigger(cycle.id)
    reply(
        people["john"],
        "cycle",
        cycle.id,
        "1 done\n2 blocked: waiting for the budget decision from the finance committee\n"
        "Retention rate: 78\nBarriers: no data owner yet for the exit interviews\n"
        "Comment: good momentum in the pastoral team, slower in the sixth form",
    )
    _rejections(world, cycle)
    for moment in ((11, 5, 14, 1), (11, 10, 12, 0), (11, 10, 15, 0)):
        clock.freeze(dt.datetime(2026, *moment))
        run_due()  # the 72-hour reminder, the brief, the notes request
    notes = (
        "Decision: keep the weekly review call with the heads of department\n"
        "- Refine the retention messaging for new staff @john@example.org by 2026-12-01\n"
        "- Draft the onboarding survey @Maria by 2026-12-15\n"
    )
    reply(people["fac"], "notes", cycle.id, notes)
    clock.freeze(dt.datetime(2026, 11, 11, 15, 0))
    run_due()  # the summary
    schedule_item(ActionItem.get_by_id(world["items"][2].id))
    for moment in ((12, 7, 14, 30), (12, 11, 14, 30)):
        clock.freeze(dt.datetime(2026, *moment))
        run_due()  # an item reminder, then the item overdue and the coordinator's note
    # A later cycle, triggered, moved a week (the request again) and cancelled
    later = clone_cycle(Cycle.get_by_id(cycle.id), dt.timedelta(weeks=8))
    trigger.trigger(later.id)
    moved = session_of(later).starts_at + dt.timedelta(days=7)
    update_session(Cycle.get_by_id(later.id), moved, moved + dt.timedelta(hours=1), "UTC", "")
    cancel_cycle(Cycle.get_by_id(later.id))
    Job.update(status="cancelled").where(Job.status == "pending").execute()
    return list(OutboundEmail.select().order_by(OutboundEmail.id))


def samples() -> list[tuple[str, str, str]]:
    """Return (name, subject, HTML with styles inlined) of every email the cycle sent and of
    each written example."""
    rendered = [(row.kind, *render(row.kind, context_of(row))) for row in followup_rows()]
    names = set(template_names())
    rendered += [(name, *render(name, ctx)) for name, ctx in WRITTEN.items() if name in names]
    return [(name, subject, html) for name, subject, _text, html in rendered]


def missing(found: list[tuple[str, str, str]]) -> list[str]:
    """Return the emails with templates but no example here (one must be added)."""
    names = {name for name, _, _ in found}
    return [name for name in template_names() if name not in names]
