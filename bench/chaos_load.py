"""The chaos run's load: a follow-up cycle of N stakeholders, a mentoring programme's recurring
sessions, and the replies stakeholders send once their update request has arrived."""

from __future__ import annotations

import datetime as dt
import email.policy
import random
from email.message import EmailMessage
from email.utils import make_msgid

from bench.inbound_corpus import DSN, Target, auto_reply, gmail_reply, outlook_reply, text_reply
from models import (
    ActionItem,
    GroupMember,
    MatchSettings,
    Membership,
    MentoringGroup,
    OutboundEmail,
    Person,
    Programme,
    clock,
    db,
)
from workers import settings as settings_mod
from workers.followup.setup import CycleSpec, StakeholderSpec, create_cycle
from workers.followup.trigger import trigger
from workers.mentoring.sessions import schedule_group
from workers.outbound.tokens import make_bounce_address

#: Rows per INSERT when creating people and items.
BATCH = 500

#: Share of stakeholders who send a second, later update; whose server sends the same reply
#: twice (a retry after a lost answer, one trace field more); whose auto-reply comes first;
#: whose mailbox is full for the update request (a soft bounce to its VERP address).
SECOND, RESENT, AUTO, BOUNCED = 0.10, 0.05, 0.08, 0.04

#: Mentoring groups, each with a fortnightly series of this many sessions.
GROUPS, SESSIONS = 10, 4

#: An outgoing message: (envelope sender, envelope recipients, raw bytes, Message-ID).
Outgoing = tuple[str, list[str], bytes, str]


def make_world(n: int) -> dict:
    """Create and trigger a follow-up cycle of ``n`` stakeholders and schedule the mentoring
    groups' recurring sessions; return the cycle id and the session's end."""
    now = clock.now().replace(second=0, microsecond=0)
    with db.atomic():
        programme = Programme.create(name="Chaos follow-up", timezone="Europe/London")
        facilitator = Person.create(name="Fay Facilitator", email="fay@chaos.example.org")
        Membership.create(programme=programme, person=facilitator, role="facilitator")
        rows = [{"name": f"Stake {i}", "email": f"s{i}@chaos.example.org"} for i in range(n)]
        for start in range(0, n, BATCH):
            Person.insert_many(rows[start : start + BATCH]).execute()
        people = list(Person.select().where(Person.email.startswith("s")).order_by(Person.id))
        items = [
            {"programme": programme.id, "title": f"Action {p.name}", "owner": p.id,
             "due_date": (now + dt.timedelta(days=30)).date()}
            for p in people
        ]  # fmt: skip
        for start in range(0, n, BATCH):
            ActionItem.insert_many(items[start : start + BATCH]).execute()
    starts = now + dt.timedelta(hours=3)
    spec = CycleSpec(
        title="Chaos follow-up",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        timezone="Europe/London",
        reply_deadline=starts - dt.timedelta(hours=1),
        stakeholders=[StakeholderSpec(person_id=p.id) for p in people],
    )
    cycle = create_cycle(programme, spec)
    make_mentoring(now)
    trigger(cycle.id)
    return {"cycle_id": cycle.id, "ends_at": spec.ends_at}


def make_mentoring(now: dt.datetime) -> None:
    """Create a mentoring programme of GROUPS pairs, each with fortnightly sessions."""
    programme = Programme.create(name="Chaos mentoring", kind="mentoring", timezone="UTC")
    MatchSettings.create(programme=programme, start_date=now.date(), weeks=SESSIONS)
    for i in range(GROUPS):
        mentor = Person.create(name=f"Mentor {i}", email=f"mentor{i}@chaos.example.org")
        mentee = Person.create(name=f"Mentee {i}", email=f"mentee{i}@chaos.example.org")
        for person, role in ((mentor, "mentor"), (mentee, "mentee")):
            Membership.create(programme=programme, person=person, role=role)
        group = MentoringGroup.create(programme=programme, mentor=mentor, rhythm="biweekly")
        GroupMember.create(group=group, person=mentee)
        first = now + dt.timedelta(days=1, hours=i)
        schedule_group(group.id, first, 60, "UTC", "biweekly", SESSIONS, kind="pair")


def targets(cycle_id: int) -> dict[str, Target]:
    """Return each update request's Message-ID with what a reply to it needs."""
    settings = settings_mod.get()
    rows = (
        OutboundEmail.select(OutboundEmail, Person)
        .join(Person)
        .where(OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:update-request:"))
    )
    found = {}
    for row in rows:
        verp = make_bounce_address(settings.secret_key, settings.reply_domain, row.id)
        found[row.message_id] = Target(
            row.person.name, row.to_addr, f"Action {row.person.name}", row.reply_to,
            row.message_id, verp, "",
        )  # fmt: skip
    return found


def replies_to(target: Target, rng: random.Random) -> tuple[list[Outgoing], list[Outgoing]]:
    """Return the messages a stakeholder sends once the request arrived, and later ones."""
    now: list[Outgoing] = []
    later: list[Outgoing] = []
    if rng.random() < BOUNCED:
        now.append(soft_bounce(target))
    if rng.random() < AUTO:
        now.append(_outgoing(target, auto_reply(target, rng)))
    first = _update(target, rng, f"1 {rng.choice([40, 60, 80])}% on track")
    now.append(first)
    if rng.random() < RESENT:
        sender, rcpts, raw, message_id = first
        later.append((sender, rcpts, b"Received: from relay2.example.org; retry\r\n" + raw,
                      message_id))  # fmt: skip
    if rng.random() < SECOND:
        later.append(_update(target, rng, "1 done"))
    return now, later


def _update(target: Target, rng: random.Random, words: str) -> Outgoing:
    """An update in the client a stakeholder uses, with ``words`` as what they typed."""
    maker = rng.choice([text_reply, gmail_reply, outlook_reply])
    message = maker(target, rng)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
            part.set_content(f"{words}\n\n{text.split(chr(10), 1)[1] if chr(10) in text else ''}")
        elif part.get_content_type() == "text/html":
            part.set_content(f"<div>{words}</div>", subtype="html")
    return _outgoing(target, message)


def _outgoing(target: Target, message: EmailMessage) -> Outgoing:
    raw = message.as_bytes(policy=email.policy.SMTP)
    return target.email, [target.reply_to], raw, str(message["Message-ID"])


def soft_bounce(target: Target) -> Outgoing:
    """A delivery status notification for the update request: the mailbox is full (4.2.2)."""
    message_id = make_msgid(domain="mx.example.org")
    text = DSN.format(
        verp=target.verp, message_id=message_id, tag=random.randint(0, 10**9),
        email=target.email, status="4.2.2", code="452", original=target.message_id,
    )  # fmt: skip
    return "", [target.verp], text.replace("\n", "\r\n").encode(), message_id


def notes_reply(request: OutboundEmail, cycle_id: int) -> Outgoing:
    """The facilitator's session notes, answering the notes request."""
    message = EmailMessage()
    message["From"] = f"Fay Facilitator <{request.to_addr}>"
    message["To"] = request.reply_to
    message["Subject"] = "Re: session notes"
    message["Message-ID"] = make_msgid(domain="chaos.example.org")
    message["In-Reply-To"] = request.message_id
    message.set_content("Decision: keep the weekly review call\n")
    return (
        request.to_addr,
        [request.reply_to],
        message.as_bytes(policy=email.policy.SMTP),
        str(message["Message-ID"]),
    )
