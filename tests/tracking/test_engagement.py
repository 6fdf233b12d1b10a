"""Replies, calendar answers and bounces count as participants' engagement, once each."""

from __future__ import annotations

from models import ActionItemUpdate, Event, Membership, OutboundEmail, Programme
from tests import mailfactory as mf
from tests.inbound.test_pipeline import _sent_to, _session, run
from workers import settings as settings_mod
from workers.followup import replies  # noqa: F401 (registers the item applier)
from workers.outbound.tokens import make_bounce_address
from workers.tracking import engagement


def _kinds(person) -> list[tuple[str, str]]:
    events = Event.select().where(Event.person == person).order_by(Event.id)
    return [(e.kind, e.ref) for e in events]


def test_a_participants_reply_about_an_item_counts_once(db):
    ada = mf.make_person()
    item = mf.make_item(ada)
    Membership.create(programme=item.programme, person=ada, role="mentee")
    row = run(mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id), "Done"))
    assert row.status == "applied", row.detail
    assert ActionItemUpdate.select().count() == 1
    assert _kinds(ada) == [("reply", f"inbound:{row.id}")]
    # Applying the same message again (a retried job) does not count it twice.
    assert not engagement.note(item.programme_id, ada.id, "reply", f"inbound:{row.id}")
    assert Event.select().count() == 1


def test_a_reply_from_someone_not_tracked_records_nothing(db):
    ada = mf.make_person()
    item = mf.make_item(ada)
    row = run(mf.reply("ada@example.org", mf.reply_address(ada, "item", item.id), "Done"))
    assert row.status == "applied", row.detail
    assert Event.select().count() == 0


def test_calendar_answers_record_accepts_and_declines(db):
    ada = mf.make_person()
    session = _session()
    Membership.create(programme=session.programme, person=ada, role="mentee")
    run(mf.calendar_reply("ada@example.org", session.uid, partstat="ACCEPTED", sequence=1))
    run(mf.calendar_reply("ada@example.org", session.uid, partstat="DECLINED", sequence=2))
    ref = f"session:{session.id}"
    assert _kinds(ada) == [("rsvp_accept", ref), ("rsvp_decline", ref)]


def test_a_bounce_is_recorded_in_each_programme_of_the_person(db):
    ada = mf.make_person()
    item = mf.make_item(ada)
    other = Programme.create(name="Second programme", kind="tracking")
    for programme in (item.programme, other):
        Membership.create(programme=programme, person=ada, role="mentee")
    sent = _sent_to(ada)
    settings = settings_mod.get()
    verp = make_bounce_address(settings.secret_key, settings.reply_domain, sent.id)
    row = run(mf.dsn("ada@example.org", "<unknown@elsewhere>", to=verp), [verp])
    assert row.status == "bounce"
    assert OutboundEmail.get_by_id(sent.id).status == "bounced"
    found = Event.select().where(Event.kind == "bounce")
    assert sorted(e.programme_id for e in found) == sorted([item.programme_id, other.id])
