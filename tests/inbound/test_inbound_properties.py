"""Whatever arrives is stored and ends applied, recorded or quarantined; nothing crashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import ActionItem, InboundMessage, Person
from tests import mailfactory as mf
from tests.fuzzing import make_seeds
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.appliers import APPLIERS

#: Where every stored message must end.
FINAL = {"applied", "duplicate", "auto_reply", "bounce", "quarantined"}

#: Moderate example counts keep the suite fast; the database fixture runs twice.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


#: An HTML reply in Windows-1252, quoted-printable, with a quoted part.
HTML_REPLY = (
    "From: Ada <ada@example.org>\r\nTo: {address}\r\nSubject: =?utf-8?q?R=C3=A9ponse?=\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-1252\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "<div>Fait =E0 100%</div><blockquote>Old =\r\ntext</blockquote>\r\n"
)


@pytest.fixture
def seeds(db, monkeypatch):
    """Real-looking messages of every kind, addressed to a real person, item and session."""
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    made = make_seeds()
    ada = Person.get(Person.email == "ada@example.org")
    address = mf.reply_address(ada, "item", ActionItem.get().id)
    return [*made, HTML_REPLY.format(address=address).encode("latin-1")]


def run(raw: bytes) -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", "", ["reply+x@tandem.test"])
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """Return a seed message with a few random cuts, insertions and byte flips."""
    raw = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "truncate", "header"]))
        if action == "insert":
            raw[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif action == "delete":
            del raw[where : where + draw(st.integers(1, 80))]
        elif action == "flip" and where < len(raw):
            raw[where] = draw(st.integers(0, 255))
        elif action == "truncate":
            del raw[where:]
        elif action == "header":
            name = draw(st.sampled_from([b"From", b"To", b"Content-Type", b"References", b"Date"]))
            value = draw(st.binary(max_size=60)).replace(b"\r", b"").replace(b"\n", b"")
            raw[0:0] = name + b": " + value + b"\r\n"
    return bytes(raw)


def test_it_survives_mutated_real_looking_messages(seeds):
    @PROPERTY
    @given(raw=mutated(seeds))
    def check(raw: bytes) -> None:
        row = run(raw)
        assert bytes(row.raw) == raw or row.message_id  # stored (or deduplicated by Message-ID)
        assert row.status in FINAL, (row.status, row.reason)

    check()


def test_a_batch_of_mutated_messages_ends_final_together(seeds):
    # Stored together and processed in one batch, as the listener and the workers do
    @PROPERTY
    @given(raws=st.lists(mutated(seeds), min_size=2, max_size=6))
    def check(raws: list[bytes]) -> None:
        InboundMessage.delete().execute()  # each example stores its batch anew
        arrivals = [inbound_store.Arrival(raw, "smtp", "", ["reply+x@tandem.test"]) for raw in raws]
        ids = sorted({row.id for row, _ in inbound_store.store_many(arrivals)})
        inbound_worker.process_many(ids)
        rows = InboundMessage.select().where(InboundMessage.id.in_(ids))
        assert {row.status for row in rows} <= FINAL, [(r.status, r.reason) for r in rows]

    check()


@PROPERTY
@given(raw=st.binary(max_size=3000))
def test_it_survives_random_bytes(db, raw):
    row = run(raw)
    assert row.status in FINAL, (row.status, row.reason)


@PROPERTY
@given(
    body=st.text(max_size=400),
    subject=st.text(max_size=80),
    sender=st.emails(),
)
def test_it_survives_any_words_in_a_well_formed_message(db, body, subject, sender):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "reply+1-a-1-zz-0123456789abcdef@tandem.test"
    try:
        msg["Subject"] = " ".join(subject.splitlines())
        msg.set_content(body)
        raw = bytes(msg)
    except (ValueError, UnicodeError):
        return  # the standard library cannot write this message; nothing to feed
    row = run(raw)
    assert row.status in FINAL - {"applied"}, (row.status, row.reason)  # a forged token


def test_every_real_client_message_ends_in_a_final_state(db):
    # Given the shared corpus of messages real clients and servers wrote
    from tests.services import corpus_dir

    folder = corpus_dir()
    if folder is None:
        pytest.skip("the shared corpus (../shared/corpus) is not beside the project")
    # When each is stored and processed
    outcomes = {}
    for path in sorted(folder.rglob("*.eml")):
        outcomes[path.name] = run(path.read_bytes())
    # Then each ends in a final state, none through an unexpected failure
    assert outcomes
    unfinished = {n: (r.status, r.reason) for n, r in outcomes.items() if r.status not in FINAL}
    crashed = {n: r.detail for n, r in outcomes.items() if r.reason == "ProcessingError"}
    assert unfinished == {} and crashed == {}
