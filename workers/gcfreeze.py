"""Keep what a worker loads at boot out of the garbage collector's full passes."""

from __future__ import annotations

import gc

import dramatiq


class FreezeBootHeap(dramatiq.Middleware):
    """Move every object alive once the worker has booted (modules, classes, compiled
    patterns, the broker) to the collector's permanent generation.

    A full collection otherwise walks all of them again, although none becomes garbage:
    reading a message allocates thousands of objects, so full passes come every few hundred
    messages. Objects made later are collected as before.
    """

    def after_worker_boot(self, broker, worker) -> None:
        gc.collect()
        gc.freeze()
