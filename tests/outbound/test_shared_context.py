"""Context many emails carry alike (a cycle's summary to every stakeholder) is stored once,
and every email still renders from all of it."""

from __future__ import annotations

from models import OutboundEmail, Person, SharedContext
from workers.outbound import delivery, outbox


def people(count: int) -> list[Person]:
    return [
        Person.create(name=f"Person {n}", email=f"p{n}@example.org", timezone="UTC")
        for n in range(count)
    ]


def test_it_stores_the_shared_part_once_and_renders_it_in_every_email(smtp_sink):
    # Given three emails carrying one shared body; the last overrides it with its own
    shared = {"body": "Everyone's updates, once"}
    first, second, third = people(3)
    drafts = [
        outbox.Draft("ping", first, {"subject": "Summary"}, "s:1", shared=shared),
        outbox.Draft("ping", second, {"subject": "Summary"}, "s:2", shared=shared),
        outbox.Draft(
            "ping", third, {"subject": "Summary", "body": "Yours alone"}, "s:3", shared=shared
        ),
    ]

    # When they are queued and delivered
    ids = outbox.queue_many(drafts)
    assert [delivery.deliver(i) for i in ids] == ["sent"] * 3

    # Then the shared part is one row, no email's own context holds it, and each email says it
    assert SharedContext.select().count() == 1
    rows = list(OutboundEmail.select().order_by(OutboundEmail.id))
    assert {r.shared_id for r in rows} == {SharedContext.get().id}
    assert ["body" in r.ctx for r in rows] == [False, False, True]
    bodies = {
        m["To"].addresses[0].addr_spec: m.get_body(("plain",)).get_content()
        for m in smtp_sink.parsed()
    }
    assert "Everyone's updates, once" in bodies["p0@example.org"]
    assert "Everyone's updates, once" in bodies["p1@example.org"]
    assert "Yours alone" in bodies["p2@example.org"]
    assert "Everyone's updates" not in bodies["p2@example.org"]
    assert delivery.context_of(rows[0]) == {**shared, **rows[0].ctx}


def test_the_same_content_is_the_same_row_and_other_content_another(db):
    summary = {"summary": {"reported": 3, "lines": ["a", "b"]}}

    first = outbox.share(summary)
    again = outbox.share({"summary": {"lines": ["a", "b"], "reported": 3}})  # keys reordered
    other = outbox.share({"summary": {"reported": 4, "lines": ["a", "b"]}})

    assert first == again != other
    assert SharedContext.get_by_id(first).data == summary
    assert SharedContext.select().count() == 2


def test_an_email_without_shared_context_renders_from_its_own(db):
    [person] = people(1)
    row = outbox.queue_email("ping", person, {"subject": "Hi", "body": "Just this"}, key="k")

    stored = OutboundEmail.get_by_id(row.id)
    assert stored.shared_id is None
    assert delivery.context_of(stored) == stored.ctx
    assert SharedContext.select().count() == 0
