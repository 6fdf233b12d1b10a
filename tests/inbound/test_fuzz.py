"""The short version of ``bench/fuzz_inbound.py``: mutated messages all end in a final state."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from models import InboundMessage
from tests.fuzzing import make_seeds, mutated
from workers.inbound import store, worker

#: Statuses a processed message may end in.
FINAL = {"applied", "auto_reply", "bounce", "quarantined", "duplicate"}


def test_mutated_messages_are_stored_and_end_final(db):
    seeds = make_seeds()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(raw=mutated(seeds))
    def check(raw: bytes) -> None:
        row, _ = store.store_raw(raw, "fuzz", "", ["reply+x@tandem.test"])
        worker.process(row.id)
        row = InboundMessage.get_by_id(row.id)
        assert bytes(row.raw) == raw or row.message_id  # kept whole, or a Message-ID duplicate
        assert row.status in FINAL, (row.status, row.reason)

    check()
