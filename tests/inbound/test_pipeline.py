"""The inbound pipeline: guards, kinds, matching, appliers and quarantine, on a real database."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import os
import threading
from collections.abc import Callable, Iterator

import pytest

from models import (
    ActionItemUpdate,
    EmailAlias,
    InboundMessage,
    InboundRaw,
    OutboundEmail,
    Person,
    Rejection,
    Rsvp,
    Session,
    clock,
)
from tests import mailfactory as mf
from workers import settings as settings_mod
from workers.inbound import claim as inbound_claim
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.appliers import APPLIERS
from workers.inbound.errors import AmbiguousReplyError
from workers.outbound import outbox
from workers.outbound.tokens import make_bounce_address, make_reply_address


@pytest.fixture
def item_applier(monkeypatch):
    """Replies about items record a real ActionItemUpdate."""
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)


def run(raw: bytes, rcpt_to: list[str] | None = None) -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", "", rcpt_to)
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def configure(**changes) -> None:
    settings_mod.configure(dataclasses.replace(settings_mod.get(), **changes))


def test_it_applies_a_reply_to_a_signed_address(db, item_applier):
    # Given Ada's open item and a reply from her to its signed address
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw = mf.reply("Ada <ADA@example.org>", mf.reply_address(ada, "item", item.id), "Done, hired.")
    # When it is processed
    row = run(raw)
    # Then the words she wrote (not the quote) reach the applier, as her, about the item
    assert row.status == "applied", row.reason
    assert (row.person_id, row.object_type, row.object_id) == (ada.id, "item", item.id)
    [update] = ActionItemUpdate.select()
    assert update.note == "Done, hired."
    assert update.by_id == ada.id and update.inbound == row.id


def test_it_accepts_a_reply_from_an_alias(db, item_applier):
    ada = mf.make_person()
    EmailAlias.create(person=ada, email="ada@home.example.net")
    item = mf.make_item(ada)
    row = run(mf.reply("ada@home.example.net", mf.reply_address(ada, "item", item.id)))
    assert row.status == "applied"
    assert ActionItemUpdate.select().count() == 1


def _forged(ada, bob, item):
    settings = settings_mod.get()
    forged = make_reply_address("not-our-secret", settings.reply_domain, ada.id, "item", item.id, 9)
    good = mf.reply_address(ada, "item", item.id)
    local, domain = good.split("@")
    parts = local.split("-")
    parts[2] = str(int(parts[2]) + 1)  # point the token at another item
    return {
        "forged token": (mf.reply("ada@example.org", forged), "InvalidTokenError"),
        "tampered token": (
            mf.reply("ada@example.org", "-".join(parts) + "@" + domain),
            "InvalidTokenError",
        ),
        "someone else's token": (mf.reply("bob@example.org", good), "SenderMismatchError"),
        "loop": (mf.reply("tandem@tandem.test", good), "EmailLoopError"),
    }


@pytest.mark.parametrize("case", ["forged token", "tampered token", "someone else's token", "loop"])
def test_it_changes_nothing_for_forged_or_mismatched_replies(db, item_applier, case):
    # Given Ada's item and Bob, who is not its owner
    ada, bob = mf.make_person(), mf.make_person("bob@example.org", "Bob")
    item = mf.make_item(ada)
    raw, reason = _forged(ada, bob, item)[case]
    # When the message is processed
    row = run(raw)
    # Then nothing changed and the reason is kept
    assert (row.status, row.reason) == ("quarantined", reason)
    assert ActionItemUpdate.select().count() == 0
    assert OutboundEmail.select().count() == 0  # and nobody was answered


def test_it_treats_a_message_carrying_our_message_id_as_a_loop(db, item_applier):
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw = mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id))
    raw = raw.replace(b"@client.example.org>", b"@tandem.test>")
    row = run(raw)
    assert (row.status, row.reason) == ("quarantined", "EmailLoopError")
    assert ActionItemUpdate.select().count() == 0


def test_it_refuses_a_dmarc_failure_reported_by_a_trusted_server(db, item_applier):
    configure(trusted_authserv_ids=("mx.tandem.test",))
    ada = mf.make_person()
    item = mf.make_item(ada)
    verdict = (
        "mx.tandem.test; spf=pass smtp.mailfrom=example.org; dmarc=fail header.from=example.org"
    )
    raw = mf.reply(
        "ada@example.org",
        mf.reply_address(ada, "item", item.id),
        headers={"Authentication-Results": verdict},
    )
    row = run(raw)
    assert (row.status, row.reason) == ("quarantined", "DmarcFailError")
    assert ActionItemUpdate.select().count() == 0


def test_it_ignores_dmarc_verdicts_from_untrusted_servers(db, item_applier):
    configure(trusted_authserv_ids=("mx.tandem.test",))
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw = mf.reply(
        "ada@example.org",
        mf.reply_address(ada, "item", item.id),
        headers={"Authentication-Results": "evil.example; dmarc=fail header.from=example.org"},
    )
    assert run(raw).status == "applied"


def test_it_answers_an_expired_token_with_a_way_to_answer_now(db, item_applier):
    # Given a reply to an address that expired yesterday
    ada = mf.make_person()
    item = mf.make_item(ada)
    address = mf.reply_address(ada, "item", item.id, days=1)
    clock.travel(dt.timedelta(days=2))
    # When two such replies arrive the same day
    first = run(mf.reply("ada@example.org", address, "done"))
    second = run(mf.reply("ada@example.org", address, "done, really"))
    # Then nothing changed, both are kept, and Ada got one email she can answer
    assert (first.reason, second.reason) == ("ExpiredTokenError", "ExpiredTokenError")
    assert ActionItemUpdate.select().count() == 0
    [email] = OutboundEmail.select()
    assert email.kind == "rejection-expired" and email.person_id == ada.id
    assert (email.object_type, email.object_id) == ("item", item.id)
    assert email.reply_to.startswith("reply+")
    assert Rejection.select().count() == 1
    # And answering that email is applied
    row = run(mf.reply("ada@example.org", email.reply_to, "done now"))
    assert row.status == "applied"


def test_it_falls_back_to_in_reply_to_and_links_the_email(db, item_applier):
    ada = mf.make_person()
    item = mf.make_item(ada)
    with outbox.transaction():
        sent = outbox.queue_email(
            "ping", ada, {"subject": "s", "body": "b"}, key="k", about=("item", item.id)
        )
    row = run(
        mf.reply("ada@example.org", "tandem@tandem.test", "done", in_reply_to=sent.message_id)
    )
    assert row.status == "applied"
    assert row.in_reply_to_id == sent.id
    assert ActionItemUpdate.select().count() == 1


def test_it_quarantines_an_unmatched_reply_and_answers_only_an_authenticated_sender(
    db, item_applier
):
    configure(trusted_authserv_ids=("mx.tandem.test",))
    mf.make_person()
    passed = {"Authentication-Results": "mx.tandem.test; dmarc=pass header.from=example.org"}
    unproven = run(mf.reply("ada@example.org", "tandem@tandem.test", "done"))
    row = run(mf.reply("ada@example.org", "tandem@tandem.test", "done", headers=passed))
    stranger = run(mf.reply("eve@example.net", "tandem@tandem.test", "hello"))
    assert {unproven.reason, row.reason, stranger.reason} == {"UnmatchedReplyError"}
    [email] = OutboundEmail.select()  # tests/security/test_forged_mail.py has the rest
    assert (email.kind, email.to_addr) == ("rejection-unmatched", "ada@example.org")


def test_it_needs_an_applier_for_the_object(db, monkeypatch):
    monkeypatch.delitem(APPLIERS, "assignment", raising=False)
    ada = mf.make_person()
    row = run(mf.reply("ada@example.org", mf.reply_address(ada, "assignment", 7)))
    assert (row.status, row.reason) == ("quarantined", "NoApplierError")


def test_it_keeps_an_empty_reply(db, item_applier):
    ada = mf.make_person()
    item = mf.make_item(ada)
    row = run(mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id), ""))
    assert (row.status, row.reason) == ("quarantined", "EmptyReplyError")
    assert ActionItemUpdate.select().count() == 0


def test_it_answers_an_ambiguous_reply_with_what_it_understood(db, monkeypatch):
    def ambiguous(ctx):
        raise AmbiguousReplyError(
            "two statuses", understood=["1 done"], not_understood=["1 blocked"]
        )

    monkeypatch.setitem(APPLIERS, "item", ambiguous)
    ada = mf.make_person()
    item = mf.make_item(ada)
    row = run(
        mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id), "1 done 1 blocked")
    )
    assert (row.status, row.reason) == ("quarantined", "AmbiguousReplyError")
    [email] = OutboundEmail.select()
    assert email.kind == "rejection-ambiguous"
    assert (email.object_type, email.object_id) == ("item", item.id)  # answering it works
    assert email.ctx["unclear"] == 1  # how much, never the words: the sender may not be Ada


def test_it_rolls_back_an_applier_that_fails_unexpectedly(db, monkeypatch):
    def broken(ctx):
        mf.record_update(ctx)
        raise RuntimeError("bug")

    monkeypatch.setitem(APPLIERS, "item", broken)
    ada = mf.make_person()
    item = mf.make_item(ada)
    row = run(mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id)))
    assert (row.status, row.reason) == ("quarantined", "ProcessingError")
    assert ActionItemUpdate.select().count() == 0


def test_it_records_auto_replies_without_applying_them(db, item_applier):
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw = mf.reply(
        "ada@example.org",
        mf.reply_address(ada, "item", item.id),
        "I am out of the office until Monday.",
        subject="Out of Office: Your update",
        headers={"Auto-Submitted": "auto-replied"},
    )
    row = run(raw)
    assert (row.status, row.kind) == ("auto_reply", "auto_reply")
    assert ActionItemUpdate.select().count() == 0


def _sent_to(person: Person) -> OutboundEmail:
    with outbox.transaction():
        return outbox.queue_email(
            "ping", person, {"subject": "s", "body": "b"}, key=f"p{person.id}"
        )


def test_it_marks_a_hard_bounce_by_verp_return_path(db):
    ada = mf.make_person()
    sent = _sent_to(ada)
    settings = settings_mod.get()
    verp = make_bounce_address(settings.secret_key, settings.reply_domain, sent.id)
    row = run(mf.dsn("ada@example.org", "<unknown@elsewhere>", to=verp), [verp])
    assert row.status == "bounce"
    assert OutboundEmail.get_by_id(sent.id).status == "bounced"
    assert Person.get_by_id(ada.id).bounce_state == "hard"


def test_it_escalates_soft_bounces_to_hard_after_three(db):
    ada = mf.make_person()
    states = []
    for n in range(3):
        sent = (
            _sent_to(ada)
            if n == 0
            else outbox.queue_email("ping", ada, {"subject": "s", "body": "b"}, key=f"again{n}")
        )
        run(mf.dsn("ada@example.org", sent.message_id, status="4.2.2", tag=str(n)))
        states.append(Person.get_by_id(ada.id).bounce_state)
    assert states == ["soft", "soft", "hard"]


def test_it_does_not_mark_a_bounce_naming_another_recipient(db):
    ada = mf.make_person()
    sent = _sent_to(ada)
    row = run(mf.dsn("someone@else.example", sent.message_id))
    assert row.status == "bounce"
    assert OutboundEmail.get_by_id(sent.id).status == "queued"
    assert Person.get_by_id(ada.id).bounce_state == "ok"


def _session() -> Session:
    from models import Programme

    programme = Programme.create(name="Calendar programme")
    start = dt.datetime(2026, 3, 10, 9)
    return Session.create(
        programme=programme,
        title="Follow-up",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        uid="session-1@tandem.test",
        sequence=1,
    )


def test_it_updates_the_rsvp_from_a_calendar_reply(db):
    ada = mf.make_person()
    session = _session()
    row = run(mf.calendar_reply("ada@example.org", session.uid, partstat="DECLINED", sequence=1))
    assert (row.status, row.kind) == ("applied", "calendar_reply"), row.detail
    rsvp = Rsvp.get(Rsvp.session == session, Rsvp.person == ada)
    assert (rsvp.partstat, rsvp.sequence) == ("DECLINED", 1)


def test_a_first_answer_recorded_meanwhile_by_another_worker_is_updated(db, monkeypatch):
    # Given an RSVP that another worker wrote after this one looked and found none
    from workers.inbound import kinds as inbound_kinds

    ada = mf.make_person()
    session = _session()
    Rsvp.create(session=session, person=ada, partstat="TENTATIVE")
    looked = inbound_kinds.first_where

    def found_none_for_rsvps(model, *args, **kwargs):
        return None if model is Rsvp and args == (None,) else looked(model, *args, **kwargs)

    monkeypatch.setattr(inbound_kinds, "first_where", found_none_for_rsvps)
    # When the calendar reply is applied
    row = run(mf.calendar_reply("ada@example.org", session.uid, partstat="ACCEPTED", sequence=1))
    # Then the one RSVP row holds the answer
    assert row.status == "applied", row.detail
    assert [(r.partstat, r.sequence) for r in Rsvp.select()] == [("ACCEPTED", 1)]


def test_it_refuses_a_calendar_reply_sent_for_someone_else(db):
    ada = mf.make_person()
    mf.make_person("bob@example.org", "Bob")
    session = _session()
    raw = mf.calendar_reply("bob@example.org", session.uid, attendee="ada@example.org")
    row = run(raw)
    assert (row.status, row.reason) == ("quarantined", "CalendarSenderMismatchError")
    assert not Rsvp.select().where(Rsvp.person == ada).exists()


def test_it_ignores_a_calendar_reply_older_than_the_recorded_one(db):
    ada = mf.make_person()
    session = _session()
    Rsvp.create(session=session, person=ada, partstat="ACCEPTED", sequence=2)
    row = run(mf.calendar_reply("ada@example.org", session.uid, partstat="DECLINED", sequence=1))
    assert row.reason == "StaleCalendarReplyError"
    assert Rsvp.get(Rsvp.person == ada).partstat == "ACCEPTED"


def test_it_records_the_times_a_counter_proposes(db):
    ada = mf.make_person()
    session = _session()
    raw = mf.calendar_reply(
        "ada@example.org",
        session.uid,
        method="COUNTER",
        partstat="TENTATIVE",
        sequence=1,
        start="20260311T140000Z",
        end="20260311T150000Z",
    )
    row = run(raw)
    assert row.status == "applied", row.reason
    rsvp = Rsvp.get(Rsvp.person == ada)
    assert rsvp.proposed_start == dt.datetime(2026, 3, 11, 14)
    assert rsvp.proposed_end == dt.datetime(2026, 3, 11, 15)


def _stored_replies(count: int) -> list[int]:
    """Store ``count`` replies from different people about their own items; return the ids."""
    ids = []
    for i in range(count):
        person = mf.make_person(email=f"p{i}@example.org")
        item = mf.make_item(person)
        raw = mf.reply(person.email, mf.reply_address(person, "item", item.id), f"Done {i}.")
        ids.append(inbound_store.store_raw(raw, "smtp")[0].id)
    return ids


def test_it_applies_a_batch_once_and_skips_messages_another_worker_holds(db, item_applier):
    # Given three stored replies, the second held by another worker under a live lease
    ids = _stored_replies(3)
    held = clock.now() + dt.timedelta(minutes=1)
    InboundMessage.update(status="processing", lease_until=held).where(
        InboundMessage.id == ids[1]
    ).execute()
    # When one batch names them all, twice over
    first = inbound_worker.process_many([*ids, ids[0]])
    second = inbound_worker.process_many(ids)
    # Then the free ones were applied once each, and the held one was left alone
    assert first == {ids[0]: "applied", ids[2]: "applied"}
    assert second == {}
    assert ActionItemUpdate.select().count() == 2
    assert InboundMessage.get_by_id(ids[1]).status == "processing"


def test_a_claim_takes_messages_whose_lease_ran_out_and_counts_the_attempt(db, item_applier):
    # Given two stored replies, one taken by a worker whose lease ran out a minute ago
    ids = _stored_replies(2)
    lapsed = clock.now() - dt.timedelta(minutes=1)
    InboundMessage.update(status="processing", lease_until=lapsed, attempts=1).where(
        InboundMessage.id == ids[0]
    ).execute()
    # When another worker claims both
    claim = inbound_claim.Claim(ids)
    assert claim.attempt()
    # Then it takes both, each with a lease of its own and one more attempt counted
    assert claim.taken == set(ids)
    rows = {row.id: row for row in InboundMessage.select().where(InboundMessage.id.in_(ids))}
    assert {row.status for row in rows.values()} == {"processing"}
    assert all(row.lease_until > clock.now() + inbound_claim.LEASE / 2 for row in rows.values())
    assert (rows[ids[0]].attempts, rows[ids[1]].attempts) == (2, 1)
    # And a second claim, while those leases last, takes nothing
    again = inbound_claim.Claim(ids)
    assert again.attempt() and again.taken == set()


def test_it_hands_back_the_rest_of_a_batch_when_the_database_fails(db, monkeypatch):
    # Given three stored replies and an applier whose database goes away on the second
    from peewee import OperationalError

    ids = _stored_replies(3)
    calls = []

    def flaky(ctx):
        calls.append(ctx.message.id)
        if len(calls) == 2:
            raise OperationalError("database went away")
        return mf.record_update(ctx)

    monkeypatch.setitem(APPLIERS, "item", flaky)
    # When the batch runs, the error reaches the caller (so the broker retries)
    with pytest.raises(OperationalError):
        inbound_worker.process_many(ids)
    # Then nothing of the batch was kept (one transaction: fewer than WRITE_CHUNK messages)
    # and all three are free at once
    statuses = [InboundMessage.get_by_id(i).status for i in ids]
    assert statuses == ["received", "received", "received"]
    assert ActionItemUpdate.select().count() == 0
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    assert inbound_worker.process_many(ids) == {i: "applied" for i in ids}
    assert ActionItemUpdate.select().count() == 3


def test_it_hands_back_what_a_slow_batch_has_not_reached(db, monkeypatch, redis_broker):
    # Given two stored replies, so slow to read that half the lease goes by on the first
    from workers.inbound import pipeline

    ids = _stored_replies(2)
    read = pipeline.read

    def slow(row):
        clock.travel(inbound_claim.LEASE)
        return read(row)

    monkeypatch.setattr(pipeline, "read", slow)
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    # When the batch runs
    statuses = inbound_worker.process_many(ids)
    # Then the second is handed back (and enqueued again) before its lease could run out
    assert statuses == {ids[0]: "applied"}
    row = InboundMessage.get_by_id(ids[1])
    assert (row.status, row.lease_until) == ("received", None)
    assert redis_broker.client.llen(f"dramatiq:{inbound_worker.process_inbound.queue_name}") == 1


def test_a_failing_message_leaves_the_rest_of_its_batch_applied(db, monkeypatch, redis_broker):
    # Given three stored replies and an applier that writes, then fails, on the second
    ids = _stored_replies(3)

    def failing_second(ctx):
        summary = mf.record_update(ctx)
        if ctx.message.id == ids[1]:
            raise RuntimeError("applier bug")
        return summary

    monkeypatch.setitem(APPLIERS, "item", failing_second)
    # When the batch runs
    statuses = inbound_worker.process_many(ids)
    # Then the second is quarantined with none of its writes, and the others are applied
    assert statuses == {ids[0]: "applied", ids[1]: "quarantined", ids[2]: "applied"}
    assert InboundMessage.get_by_id(ids[1]).reason == "ProcessingError"
    kept = {u.inbound for u in ActionItemUpdate.select()}
    assert kept == {ids[0], ids[2]}


def test_a_message_id_no_database_can_hold_leaves_the_batch_working(db, monkeypatch):
    # Given two stored replies, one naming a Message-ID with a NUL and a non-ASCII letter
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    ids = _stored_replies(2)
    odd = InboundMessage.get_by_id(ids[0])
    header = b"\r\nIn-Reply-To: <a\x00\xc4b@example.org>\r\n\r\n"
    raw = bytes(odd.raw).replace(b"\r\n\r\n", header, 1)
    InboundRaw.update(raw=raw).where(InboundRaw.message == odd.id).execute()
    # When the batch runs, then both are applied (the odd id cannot be one of Tandem's)
    assert inbound_worker.process_many(ids) == {ids[0]: "applied", ids[1]: "applied"}


@contextlib.contextmanager
def _write_lock_taken_elsewhere() -> Iterator[Callable[[], None]]:
    """Hold SQLite's write lock from another descriptor; yield the function that frees it.

    It frees itself after 10 seconds, should the code under test wait for it instead.
    """
    from workers.runtime import sqlite_lock

    other = os.open(sqlite_lock.lock_path(), os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)
    safety = threading.Timer(10, fcntl.flock, (other, fcntl.LOCK_UN))
    safety.start()
    try:
        yield lambda: fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        safety.cancel()
        os.close(other)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # PostgreSQL writers wait on rows
def test_a_worker_reads_on_while_another_writer_holds_the_lock(db, item_applier):
    # Given more stored replies than two write chunks, claimed, and another writer holding
    # SQLite's write lock until this worker has read every one of them
    from workers.inbound import pipeline

    rows = inbound_claim.claim_many(_stored_replies(2 * pipeline.WRITE_CHUNK + 1))
    applied_while_reading = []
    read_step = pipeline._read_step
    with _write_lock_taken_elsewhere() as free, pytest.MonkeyPatch.context() as patch:

        def read_then_count(row, parsed):
            step = read_step(row, parsed)
            applied_while_reading.append(ActionItemUpdate.select().count())
            if len(applied_while_reading) == len(rows):
                free()
            return step

        patch.setattr(pipeline, "_read_step", read_then_count)
        # When the worker handles the batch
        statuses = pipeline.handle_many(rows)
    # Then it read every message while the lock was taken, and wrote them all once it freed
    assert applied_while_reading == [0] * len(rows)
    assert statuses == {row.id: "applied" for row in rows}
    assert ActionItemUpdate.select().count() == len(rows)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # PostgreSQL writers wait on rows
def test_a_worker_reads_its_batch_before_claiming_it_while_another_writer_holds_the_lock(
    db, item_applier
):
    # Given stored replies, and another writer holding SQLite's write lock until this
    # worker has parsed every one of them
    from workers.inbound import pipeline

    ids = _stored_replies(3)
    claimed_while_reading = []
    read = pipeline.read
    with _write_lock_taken_elsewhere() as free, pytest.MonkeyPatch.context() as patch:

        def read_then_look(row):
            parsed = read(row)
            claimed_while_reading.append(
                InboundMessage.select().where(InboundMessage.status != "received").count()
            )
            if len(claimed_while_reading) == len(ids):
                free()
            return parsed

        patch.setattr(pipeline, "read", read_then_look)
        # When the worker processes the batch
        statuses = inbound_worker.process_many(ids)
    # Then it read every message before its claim, and claimed and applied them all after
    assert claimed_while_reading == [0, 0, 0]
    assert statuses == {i: "applied" for i in ids}
    assert [r.attempts for r in InboundMessage.select().order_by(InboundMessage.id)] == [1] * 3


def test_a_batch_leaves_the_messages_another_worker_claimed_meanwhile(db, item_applier):
    # Given a batch loaded while the write lock was taken, and one of its messages claimed
    # by another worker before this one could claim
    from workers.inbound import pipeline

    ids = _stored_replies(3)
    claim = inbound_claim.Claim(ids)
    rows = inbound_claim.load(ids)
    other = inbound_claim.claim_many([ids[1]])
    # When this worker handles the batch, claiming as it goes
    statuses = pipeline.handle_many(rows, claim=claim)
    # Then it applied only the two it claimed; the other worker's is left to it
    assert statuses == {ids[0]: "applied", ids[2]: "applied"}
    assert [r.id for r in other] == [ids[1]]
    assert InboundMessage.get_by_id(ids[1]).status == "processing"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # PostgreSQL writers wait on rows
def test_while_the_claim_waits_a_worker_does_not_read_messages_already_done(db, item_applier):
    # Given a batch naming a message applied before and a new one, and the write lock taken
    from workers.inbound import pipeline

    done, fresh = _stored_replies(2)
    assert inbound_worker.process_many([done]) == {done: "applied"}
    read_ids = []
    read = pipeline.read
    with _write_lock_taken_elsewhere() as free, pytest.MonkeyPatch.context() as patch:

        def read_and_free(row):
            read_ids.append(row.id)
            free()
            return read(row)

        patch.setattr(pipeline, "read", read_and_free)
        # When a worker processes the batch
        statuses = inbound_worker.process_many([done, fresh])
    # Then it read only the new one, and applied it
    assert read_ids == [fresh]
    assert statuses == {fresh: "applied"}
