"""Delivery keeps trying while an email still matters (an invitation until its session, any
other email for days, as an MTA does), then fails it where coordinators see it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from models import Job, OutboundEmail, Person, clock
from tests.followup_data import make_programme
from tests.services import free_port
from web.auth import create_user
from workers import settings as settings_mod
from workers.followup.common import session_of
from workers.followup.trigger import trigger
from workers.outbound import delivery, lifetime, outbox, smtp
from workers.runtime import jobs

#: More attempts than delivery used to make before giving up (about 8 hours).
OLD_LIMIT = 12


@pytest.fixture
def relay_down(db):
    """Point delivery at a port where nothing listens: every attempt fails for now."""
    before = settings_mod.get()
    settings_mod.configure(dataclasses.replace(before, smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    smtp.discard()
    yield
    settings_mod.configure(before)


def attempt_until(row_id: int, outcome: str, limit: int = 400) -> int:
    """Try a row at each of its next attempt times until it ends with ``outcome``; return how
    many attempts that took."""
    for count in range(1, limit + 1):
        clock.freeze(max(clock.now(), OutboundEmail.get_by_id(row_id).next_attempt_at))
        result = delivery.deliver(row_id)
        if result == outcome:
            return count
        assert result == "deferred"
    raise AssertionError(f"still {result} after {limit} attempts")


def invitation(world) -> OutboundEmail:
    trigger(world["cycle"].id)
    return OutboundEmail.get(OutboundEmail.kind == "invite")


def test_it_tries_an_invitation_until_its_session_starts(relay_down):
    # Given an invitation for a session eight days away, and a relay that takes nothing
    world = make_programme()
    row = invitation(world)
    starts = session_of(world["cycle"]).starts_at
    # When delivery keeps failing
    attempts = attempt_until(row.id, "failed")
    # Then it was tried far more often than before, until the session started
    assert attempts > OLD_LIMIT
    assert clock.now() >= starts > row.created_at + lifetime.LIFETIME
    failed = OutboundEmail.get_by_id(row.id)
    assert failed.status == "failed" and "gave up" in failed.last_error
    assert "refused" in failed.last_error.lower()


def test_it_tries_more_often_as_the_session_nears(relay_down):
    # Given an invitation queued two hours before its session, and a relay that takes nothing
    world = make_programme()
    starts = session_of(world["cycle"]).starts_at
    clock.freeze(starts - dt.timedelta(hours=2))
    row = invitation(world)
    # When delivery keeps failing, each try at the time the row was given
    tries = []
    while delivery.deliver(row.id) == "deferred":
        tries.append(clock.now())
        clock.freeze(OutboundEmail.get_by_id(row.id).next_attempt_at)
    # Then it was tried many times before the session (21; backoff alone made 6), never
    # waiting long as it neared, and once more as it started
    assert len(tries) >= 15 and tries[-1] < starts
    for before, after in zip(tries, tries[1:], strict=False):
        assert after - before <= max(lifetime.BACKOFF[0], (starts - before) / 4)
    assert clock.now() == starts
    assert OutboundEmail.get_by_id(row.id).status == "failed"


def test_it_tries_any_other_email_for_days(relay_down):
    # Given an email tied to no session
    person = Person.create(name="Ada", email="ada@example.org")
    row = outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key="ping:1")
    # When delivery keeps failing
    attempt_until(row.id, "failed")
    # Then it was given up only once its lifetime was over
    assert clock.now() >= row.created_at + lifetime.LIFETIME
    assert clock.now() < row.created_at + lifetime.LIFETIME + lifetime.BACKOFF[-1]


def test_it_tells_the_coordinators_which_emails_failed(relay_down):
    # Given invitations Tandem gave up on
    world = make_programme()
    row = invitation(world)
    attempt_until(row.id, "failed")
    # When the notice job of that window runs
    job = Job.get(Job.kind == lifetime.NOTICE_JOB)
    clock.freeze(job.run_at)
    assert jobs.run(job.id) == "done"
    # Then the programme's coordinator is told which email failed, to whom, and why
    notice = OutboundEmail.get(OutboundEmail.kind == lifetime.NOTICE_KIND)
    assert notice.to_addr == world["people"]["coord"].email
    listed = notice.ctx["emails"]
    assert row.to_addr in {e["to"] for e in listed}
    assert all("gave up" in e["reason"] for e in listed)
    assert notice.ctx["programme"] == world["programme"].name
    # And the notice itself renders
    subject = delivery.build(notice)["Subject"]
    assert re.match(r"\d+ emails? could not be delivered in ", str(subject))
    # And a second run sends nothing more
    Job.update(status="pending").where(Job.id == job.id).execute()
    jobs.run(job.id)
    assert OutboundEmail.select().where(OutboundEmail.kind == lifetime.NOTICE_KIND).count() == 1


def test_the_cycle_page_lists_the_emails_not_delivered(relay_down, client):
    # Given an invitation Tandem gave up on
    world = make_programme()
    row = invitation(world)
    attempt_until(row.id, "failed")
    # When the coordinator opens the cycle page
    create_user("cora@example.org", "Cora", "a long enough password", role="admin")
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login",
        data={
            "email": "cora@example.org",
            "password": "a long enough password",
            "csrf_token": csrf,
        },
    )
    page = client.get(f"/cycles/{world['cycle'].id}").get_data(as_text=True)
    # Then the email is listed with why it failed
    assert "Emails not delivered" in page
    assert row.to_addr in page and "gave up" in page
