"""A small workshop for the assignment tests, and helpers to read its mail and reply to it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from email.utils import parseaddr

from models import Cohort, CohortMember, Membership, OutboundEmail, Person, Programme, clock
from tests.mailfactory import reply
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build

#: Monday 2 November 2026, 09:00 UTC: when every test starts.
START = dt.datetime(2026, 11, 2, 9, 0)

#: A tiny valid PDF, as a PDF writer starts one.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

#: A Windows program's first bytes, sent under a harmless name.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def make_workshop() -> dict:
    """Create a workshop: a facilitator, a coordinator, two cohorts of participants."""
    clock.freeze(START)
    programme = Programme.create(name="Prefects' workshop", kind="tracking", timezone="UTC")
    people = {}
    for key, name, role in (
        ("fay", "Fay Facilitator", "facilitator"),
        ("cora", "Cora Coordinator", "coordinator"),
        ("ana", "Ana Prefect", "mentee"),
        ("ben", "Ben Prefect", "mentee"),
        ("cleo", "Cleo Prefect", "mentee"),
    ):
        people[key] = Person.create(name=name, email=f"{key}@example.org", timezone="UTC")
        Membership.create(programme=programme, person=people[key], role=role)
    blue = Cohort.create(programme=programme, name="Blue")
    red = Cohort.create(programme=programme, name="Red")
    for key, cohort in (("ana", blue), ("ben", blue), ("cleo", red)):
        CohortMember.create(cohort=cohort, programme=programme, person=people[key])
    return {"programme": programme, "people": people, "blue": blue, "red": red}


def values(**changes) -> dict:
    """Return the new-assignment form's values, due a week after START, changed as given."""
    return {
        "title": "Case study: the late bus",
        "kind": "case-study",
        "due": "2026-11-09 17:00",
        "instructions": "Read the case and say what you would do.",
        "answer_key": "",
        "reminder_days": "3,1",
        **changes,
    }


def emails(kind: str, person: Person | None = None) -> list[OutboundEmail]:
    """Return the outbox rows of ``kind`` (to ``person``), oldest first."""
    query = OutboundEmail.select().where(OutboundEmail.kind == kind)
    if person is not None:
        query = query.where(OutboundEmail.person == person)
    return list(query.order_by(OutboundEmail.id))


def built(row: OutboundEmail) -> EmailMessage:
    """Return the email an outbox row sends, parsed back as a mail client reads it."""
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def answer(row: OutboundEmail, body: str, files=(), sender: str = "") -> str:
    """Reply to an email as its recipient (with ``files`` as (name, type, bytes)); process it."""
    sent = built(row)
    to = parseaddr(str(sent["Reply-To"]))[1]
    raw = reply(
        sender or row.to_addr, to, body, subject="Re: " + str(sent["Subject"]),
        in_reply_to=str(sent["Message-ID"]),
    )  # fmt: skip
    if files:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for name, content_type, data in files:
            maintype, subtype = content_type.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        raw = msg.as_bytes(policy=email.policy.SMTP)
    stored, _ = inbound_store.store_raw(raw, "smtp")
    return inbound_worker.process(stored.id)
