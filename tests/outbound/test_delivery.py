"""Outbound email: outbox rows delivered over real SMTP, with real failures from the relay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import socket
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from dramatiq.brokers.redis import RedisBroker
from peewee import IntegrityError, Value

from models import AuditEvent, OutboundEmail, Person, clock
from tests import services
from tests.conftest import SmtpSink
from workers import settings as settings_mod
from workers.outbound import delivery, lifetime, outbox, sentmarks, smtp
from workers.runtime import scheduler

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tandem//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:s-1@tandem.test\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260102T100000Z\r\nSUMMARY:Follow-up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class ScriptedSink(SmtpSink):
    """The SMTP sink, answering RCPT and DATA with whatever reply a test sets."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpt_reply = ""
        self.data_reply = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def configure(db):
    """Change Tandem's settings for one test, restoring them afterwards."""
    before = settings_mod.get()

    def change(**changes):
        smtp.discard()
        return settings_mod.configure(dataclasses.replace(settings_mod.get(), **changes))

    yield change
    smtp.discard()
    settings_mod.configure(
        dataclasses.replace(before, database_url=settings_mod.get().database_url)
    )


@pytest.fixture
def sink(configure):
    """A scripted SMTP sink that Tandem's SMTP_URL points at."""
    server = ScriptedSink()
    server.controller.start()
    configure(smtp_url=server.url)
    yield server
    server.controller.stop()


def make_person(email="ada@example.org", name="Ada Lovelace", tz="Europe/London"):
    return Person.create(name=name, email=email, timezone=tz)


def queue(person, key="ping:1", **kwargs):
    return outbox.queue_email(
        "ping", person, {"subject": "Hello", "body": "First ping"}, key=key, **kwargs
    )


def test_it_delivers_a_queued_email_through_the_worker(smtp_sink, redis_broker, redis_worker):
    # Given a person and an email written in a transaction
    person = make_person()
    with outbox.transaction():
        row = queue(person, about=("cycle", 1))
    # When the worker has drained the queue
    redis_broker.join("mail", timeout=10_000)
    redis_worker.join()
    # Then the sink has it, with a signed reply address, and the row is sent
    [msg] = smtp_sink.parsed()
    assert msg["Message-ID"] == row.message_id
    assert msg["Subject"] == "Hello"
    assert "reply+" in msg["Reply-To"]
    assert "First ping" in msg.get_body(("plain",)).get_content()
    assert OutboundEmail.get_by_id(row.id).status == "sent"
    assert OutboundEmail.get_by_id(row.id).subject == "Hello"
    raw = smtp_sink.messages[0]["data"]
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_it_sends_text_and_inlined_html_with_a_calendar_part(sink):
    row = queue(make_person(), calendar=ICS, calendar_method="REQUEST")

    assert delivery.deliver(row.id) == "sent"

    [msg] = sink.parsed()
    assert "First ping" in msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "<style" not in html and 'style="' in html
    [calendar] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    assert "UID:s-1@tandem.test" in calendar.get_content()
    assert b"\n" not in sink.messages[0]["data"].replace(b"\r\n", b"")
    row = OutboundEmail.get_by_id(row.id)
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_it_sends_once_when_delivered_twice(sink):
    row = queue(make_person())

    assert delivery.deliver(row.id) == "sent"
    assert delivery.deliver(row.id) == "skipped"

    assert [m["Message-ID"] for m in sink.parsed()] == [row.message_id]


def test_it_does_not_claim_a_row_another_worker_holds(sink):
    row = queue(make_person())
    assert delivery.claim(row.id) is not None

    assert delivery.deliver(row.id) == "skipped"
    assert sink.messages == []


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_it_defers_a_4xx_and_the_scheduler_picks_it_up_again(sink, redis_broker, stage):
    # Given a relay that answers 451 for now
    setattr(sink, f"{stage}_reply", "451 4.3.0 Try again later")
    row = queue(make_person())
    # When the delivery is tried
    assert delivery.deliver(row.id) == "deferred"
    # Then the row waits for its backoff, with the reason
    row = OutboundEmail.get_by_id(row.id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451" in row.last_error
    assert row.next_attempt_at >= clock.now() + delivery.BACKOFF[0] - dt.timedelta(seconds=1)
    assert scheduler.tick()["emails"] == 0
    assert delivery.deliver(row.id) == "skipped"
    # And once the backoff has passed and the relay is well, the scheduler sends it on
    setattr(sink, f"{stage}_reply", "")
    clock.travel(delivery.BACKOFF[0])
    assert scheduler.tick()["emails"] == 1
    assert delivery.deliver(row.id) == "sent"
    assert [m["Message-ID"] for m in sink.parsed()] == [row.message_id]
    assert OutboundEmail.get_by_id(row.id).attempts == 2


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_it_fails_a_5xx_and_stops_mailing_that_person(sink, stage):
    # Given a relay that refuses the address for good
    setattr(sink, f"{stage}_reply", "550 5.1.1 No such user")
    person = make_person()
    first = queue(person, key="ping:1")
    # When it is delivered
    assert delivery.deliver(first.id) == "failed"
    # Then the row failed with the reason and the person is hard-bounced
    first = OutboundEmail.get_by_id(first.id)
    assert first.status == "failed" and "550" in first.last_error
    assert Person.get_by_id(person.id).bounce_state == "hard"
    assert AuditEvent.select().count() == 1
    # And a later email to that person is not sent at all
    setattr(sink, f"{stage}_reply", "")
    later = queue(person, key="ping:2")
    assert delivery.deliver(later.id) == "failed"
    later = OutboundEmail.get_by_id(later.id)
    assert later.status == "failed" and "hard-bounced" in later.last_error
    assert sink.messages == []


def test_it_defers_when_the_connection_is_refused(configure):
    configure(smtp_url=f"smtp://127.0.0.1:{services.free_port()}")
    row = queue(make_person())

    assert delivery.deliver(row.id) == "deferred"

    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "queued" and "refused" in row.last_error.lower()


def test_it_defers_when_the_relay_never_answers(configure, monkeypatch):
    # Given a port that accepts connections but never greets
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    monkeypatch.setattr(smtp, "SMTP_TIMEOUT", 0.5)
    configure(smtp_url=f"smtp://127.0.0.1:{silent.getsockname()[1]}")
    row = queue(make_person())
    try:
        assert delivery.deliver(row.id) == "deferred"
    finally:
        silent.close()
    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "queued" and "timed out" in row.last_error


def test_it_gives_up_once_the_email_stops_mattering(configure):
    configure(smtp_url=f"smtp://127.0.0.1:{services.free_port()}")
    row = queue(make_person())
    clock.travel(lifetime.LIFETIME)

    assert delivery.deliver(row.id) == "failed"

    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "failed" and "refused" in row.last_error.lower()
    assert "gave up" in row.last_error
    assert Person.get_by_id(row.person_id).bounce_state == "ok"


def test_it_gives_up_on_an_email_whose_workers_keep_dying(configure):
    configure(smtp_url=f"smtp://127.0.0.1:{services.free_port()}")
    row = queue(make_person())
    OutboundEmail.update(orphaned=delivery.MAX_ORPHANED).execute()

    assert delivery.deliver(row.id) == "failed"

    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "failed" and "workers died" in row.last_error


def test_it_resends_a_row_whose_worker_died_after_its_lease(sink, redis_broker):
    # Given a row claimed by a worker that then died
    row = queue(make_person())
    assert delivery.claim(row.id) is not None
    assert scheduler.tick()["emails"] == 0
    # When its lease has run out
    clock.travel(delivery.lease() + dt.timedelta(seconds=1))
    # Then the scheduler hands it to another worker, which sends it
    assert scheduler.tick()["emails"] == 1
    assert delivery.deliver(row.id) == "sent"
    assert len(sink.messages) == 1


def test_it_records_without_resending_a_row_whose_worker_died_after_the_relay_said_yes(
    sink, redis_broker
):
    # Given a worker that got the relay's 250 and marked it, then died before the row said so
    row = queue(make_person())
    claimed = delivery.claim(row.id)
    delivery.transmit(claimed, delivery.build(claimed))
    sentmarks.mark(claimed.message_id)
    assert OutboundEmail.get_by_id(row.id).status == "sending"
    # When its lease has run out and another worker takes the row over
    clock.travel(delivery.lease() + dt.timedelta(seconds=1))
    assert delivery.deliver(row.id) == "sent"
    # Then the row is sent and the relay has the email once
    assert OutboundEmail.get_by_id(row.id).status == "sent"
    assert len(sink.messages) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", "", "")),
        ("smtps://u:p@mail.example.org", ("mail.example.org", 465, "ssl", "u", "p")),
        (
            "smtp+starttls://me%40example.org:p%3Aw@mx:2587",
            ("mx", 2587, "starttls", "me@example.org", "p:w"),
        ),
    ],
)
def test_it_parses_smtp_urls(url, expected):
    target = smtp.parse_smtp_url(url)
    assert (target.host, target.port, target.mode, target.username, target.password) == expected


def test_it_rejects_an_unknown_smtp_scheme():
    with pytest.raises(ValueError, match="SMTP_URL"):
        smtp.parse_smtp_url("http://mail.example.org")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


class Authenticator:
    """Accepts one user and password, and remembers the mechanisms clients used."""

    def __init__(self) -> None:
        self.mechanisms: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.mechanisms.append(mechanism)
        ok = (auth_data.login, auth_data.password) == (b"tandem", b"s3cret:pw")
        return AuthResult(success=ok, handled=False)


def start_tls_sink(certificate, mode, mechanism):
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    sink = SmtpSink()
    authenticator = Authenticator()
    others = [m for m in ("LOGIN", "PLAIN", "CRAM-MD5") if m != mechanism]
    options = dict(authenticator=authenticator, auth_exclude_mechanism=others)
    if mode == "starttls":
        options.update(tls_context=server_ctx, require_starttls=True, auth_required=True)
    else:
        # aiosmtpd does not know the whole connection is TLS, so it must not insist on STARTTLS.
        options.update(ssl_context=server_ctx, auth_require_tls=False)
    sink.controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    sink.controller.start()
    return sink, authenticator


@pytest.mark.parametrize(
    ("mode", "scheme", "mechanism"),
    [
        ("starttls", "smtp+starttls", "LOGIN"),
        ("starttls", "smtp+starttls", "PLAIN"),
        ("ssl", "smtps", "PLAIN"),
    ],
)
def test_it_sends_over_tls_with_auth(configure, certificate, mode, scheme, mechanism):
    # Given a relay with a certificate Tandem is told to trust, and a password
    sink, authenticator = start_tls_sink(certificate, mode, mechanism)
    url = f"{scheme}://tandem:s3cret%3Apw@127.0.0.1:{sink.port}"
    configure(smtp_url=url, smtp_ca_file=str(certificate[0]))
    row = queue(make_person())
    try:
        # When the email is delivered
        assert delivery.deliver(row.id) == "sent"
    finally:
        smtp.discard()
        sink.controller.stop()
    # Then it went through after logging in with that mechanism
    assert authenticator.mechanisms == [mechanism]
    assert [m["Message-ID"] for m in sink.parsed()] == [row.message_id]


def test_it_keeps_the_email_when_the_relay_refuses_our_password(configure, certificate):
    sink, _ = start_tls_sink(certificate, "starttls", "PLAIN")
    url = f"smtp+starttls://tandem:wrong@127.0.0.1:{sink.port}"
    configure(smtp_url=url, smtp_ca_file=str(certificate[0]))
    row = queue(make_person())
    try:
        assert delivery.deliver(row.id) == "deferred"
    finally:
        sink.controller.stop()
    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "queued" and "535" in row.last_error
    assert Person.get_by_id(row.person_id).bounce_state == "ok"


def test_it_refuses_a_relay_certificate_it_does_not_trust(configure, certificate):
    sink, _ = start_tls_sink(certificate, "starttls", "PLAIN")
    configure(smtp_url=f"smtp+starttls://tandem:s3cret%3Apw@127.0.0.1:{sink.port}")
    row = queue(make_person())
    try:
        assert delivery.deliver(row.id) == "deferred"
    finally:
        sink.controller.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in OutboundEmail.get_by_id(row.id).last_error
    assert sink.messages == []


def test_it_leaves_the_email_to_the_scheduler_when_the_broker_is_down(
    sink, redis_broker, monkeypatch
):
    # Given a broker that nothing answers
    dead = RedisBroker(url=f"redis://127.0.0.1:{services.free_port()}/0", middleware=[])
    monkeypatch.setattr(outbox.deliver_emails, "broker", dead)
    # When an email is written in a transaction, the commit still succeeds
    with outbox.transaction():
        row = queue(make_person())
    # Then the scheduler's next pass (with the broker back) enqueues it
    monkeypatch.undo()
    assert OutboundEmail.get_by_id(row.id).status == "queued"
    assert scheduler.tick()["emails"] == 1
    assert delivery.deliver(row.id) == "sent"


def test_it_spreads_a_transaction_s_emails_over_delivery_messages():
    assert outbox.batches([]) == []
    assert outbox.batches([7]) == [[7]]
    many = outbox.batches(list(range(2000)))
    assert [len(b) for b in many] == [outbox.PER_MESSAGE] * 40
    assert outbox.batches(list(range(12))) == [list(range(10)), [10, 11]]
    some = outbox.batches(list(range(100)))
    assert sum(some, []) == list(range(100))
    assert [len(b) for b in some] == [outbox.MIN_PER_MESSAGE] * 10
    spread = outbox.batches(list(range(400)))
    assert sum(spread, []) == list(range(400))
    assert len(spread) == outbox.WORKER_SLOTS and max(map(len, spread)) == 25


def test_it_delivers_every_email_of_a_large_transaction_through_the_worker(
    smtp_sink, redis_broker, redis_worker
):
    # Given 60 emails written in one transaction (several delivery messages)
    people = [make_person(f"p{n}@example.org", f"P {n}") for n in range(60)]
    with outbox.transaction():
        rows = [queue(p, key=f"many:{p.id}") for p in people]
    # When the worker has drained the queue
    redis_broker.join("mail", timeout=30_000)
    redis_worker.join()
    # Then each was sent once, and every row says so
    assert sorted(m["Message-ID"] for m in smtp_sink.parsed()) == sorted(r.message_id for r in rows)
    assert {e.status for e in OutboundEmail.select()} == {"sent"}


def test_it_delivers_the_rest_of_a_batch_when_one_email_raises(sink):
    # Given three queued emails, the middle one's row unreadable
    rows = [queue(make_person(f"p{n}@example.org"), key=f"iso:{n}") for n in range(3)]
    broken = Value("{not json", converter=False)
    OutboundEmail.update(ctx=broken).where(OutboundEmail.id == rows[1].id).execute()
    # When one delivery message carries all three
    with pytest.raises(outbox.BatchDeliveryError, match=str(rows[1].id)):
        outbox.deliver_emails([r.id for r in rows])
    # Then the other two went out, and the broken one is left to the retry and the scheduler
    assert sorted(m["Message-ID"] for m in sink.parsed()) == sorted(
        [rows[0].message_id, rows[2].message_id]
    )
    assert OutboundEmail.get_by_id(rows[0].id).status == "sent"
    assert OutboundEmail.get_by_id(rows[2].id).status == "sent"
    # And a retry of the same message sends nothing twice (the broken row waits for its lease)
    outbox.deliver_emails([r.id for r in rows])
    assert len(sink.messages) == 2
    assert OutboundEmail.select().where(OutboundEmail.status == "sending").count() == 1


def test_it_returns_the_first_row_when_a_key_is_queued_again(db):
    person = make_person()
    first = queue(person, key="again")
    second = queue(person, key="again")
    assert (second.id, second.message_id) == (first.id, first.message_id)
    assert OutboundEmail.get_by_id(first.id).to_addr == person.email
    assert OutboundEmail.select().count() == 1


def test_it_raises_on_an_email_it_cannot_store_rather_than_skipping_it(db):
    person = make_person()
    with pytest.raises(IntegrityError):
        outbox.queue_email(None, person, {}, key="no-kind")
    assert OutboundEmail.select().count() == 0
