"""The worker's boot heap is kept out of the collector's full passes."""

from __future__ import annotations

import gc

import workers
from workers.gcfreeze import FreezeBootHeap


def test_the_broker_freezes_the_heap_at_worker_boot():
    assert any(isinstance(m, FreezeBootHeap) for m in workers.broker.middleware)


class Loaded:
    """An object the collector tracks."""


def test_objects_alive_at_boot_are_frozen_and_later_ones_are_not():
    # Given an object alive when the worker boots
    booted = Loaded()
    assert gc.is_tracked(booted)
    try:
        # When the worker has booted
        FreezeBootHeap().after_worker_boot(workers.broker, worker=None)
        # Then the collector no longer walks it, but it walks what is made afterwards
        assert gc.get_freeze_count() > 0
        later = Loaded()
        assert any(obj is later for obj in gc.get_objects())
        assert not any(obj is booted for obj in gc.get_objects())
    finally:
        gc.unfreeze()
