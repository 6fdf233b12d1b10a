"""The listener's batching: store arriving messages a transaction at a time from the event loop,
and hand their ids to the workers in small batches from one background thread."""

from __future__ import annotations

import asyncio
import logging
import threading

from peewee import InterfaceError, OperationalError

from models import InboundMessage, db
from workers.inbound import store, worker

logger = logging.getLogger(__name__)

#: Most messages stored in one transaction (as many as arrived while the last one ran).
STORE_BATCH = 50

#: Most stored messages handed to the workers in one broker message.
BATCH_SIZE = 40

#: Longest a stored message waits for others to share its broker message (seconds).
BATCH_DELAY = 0.05


class Enqueuer:
    """Hand stored messages to the workers in small batches, from one background thread.

    A batch goes when it is full or ``delay`` seconds after its first message. Messages the
    broker does not take stay stored as received, and the scheduler enqueues them later.
    """

    def __init__(self, size: int = BATCH_SIZE, delay: float = BATCH_DELAY) -> None:
        self.size, self.delay = size, delay
        self._ids: list[int] = []
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mailin-enqueue", daemon=True)
        self._thread.start()

    def add(self, message_id: int) -> None:
        """Queue one stored message id for the next batch."""
        with self._ready:
            self._ids.append(message_id)
            # Wake the thread only when that changes what it waits for: a first id starts
            # the delay, a full batch ends it (waking it for every id cost a thread switch).
            if len(self._ids) == 1 or len(self._ids) >= self.size:
                self._ready.notify()

    def flush(self) -> None:
        """Send every queued id now."""
        with self._ready:
            ids, self._ids = self._ids, []
        for start in range(0, len(ids), self.size):
            worker.enqueue_many(ids[start : start + self.size])

    def stop(self) -> None:
        """Send what is queued and end the background thread."""
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._ids or self._stopped)
                if self._stopped:
                    return
                self._ready.wait_for(lambda: len(self._ids) >= self.size, timeout=self.delay)
            self.flush()


class Storer:
    """Store arriving messages from one background thread, all that wait in one transaction.

    A message is stored before its sender hears 250, so each SMTP connection has at most one
    message waiting; while a transaction runs (or waits for the database), the messages of
    the other connections gather and are stored together in the next. The outcomes of a
    transaction reach the event loop in one wake-up.
    """

    def __init__(self, batch: int = STORE_BATCH) -> None:
        self.batch = batch
        self._waiting: list[tuple[store.Arrival, asyncio.Future]] = []
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mailin-store", daemon=True)
        self._thread.start()

    async def store(self, arrival: store.Arrival) -> tuple[InboundMessage, bool]:
        """Store a message from the event loop; return ``(row, new)``."""
        future = asyncio.get_running_loop().create_future()
        with self._ready:
            if self._stopped:
                raise RuntimeError("the listener is stopping")
            self._waiting.append((arrival, future))
            self._ready.notify()
        return await future

    def stop(self) -> None:
        """Store what waits, then end the background thread."""
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._waiting or self._stopped)
                if not self._waiting:
                    break
                taken, self._waiting = self._waiting[: self.batch], self._waiting[self.batch :]
            futures = [future for _, future in taken]
            _settle(futures, self._store([arrival for arrival, _ in taken]))
        if not db.is_closed():
            db.close()

    def _store(self, arrivals: list[store.Arrival]) -> list[tuple | BaseException]:
        """Store the messages; return each one's ``(row, new)``, or the error that refused it."""
        try:
            return _store_now(arrivals)
        except Exception as exc:
            if len(arrivals) == 1:  # not stored: its sender hears 451 and tries again
                return [exc]
            # One message may be what fails: store each alone, so only that one is refused.
            return [self._store([arrival])[0] for arrival in arrivals]


def _settle(futures: list[asyncio.Future], outcomes: list) -> None:
    """Give each future its outcome, in one callback on each event loop they belong to."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for future, outcome in zip(futures, outcomes, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, outcome))
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve_all, pairs)
        except RuntimeError:  # the loop has closed: its connections are gone
            logger.warning(
                "%s stored messages answered no client: the listener stopped", len(pairs)
            )


def _resolve_all(pairs: list[tuple[asyncio.Future, tuple | BaseException]]) -> None:
    for future, outcome in pairs:
        if future.done():  # a connection that closed meanwhile cancelled its future
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _store_now(arrivals: list[store.Arrival]) -> list[tuple]:
    """Store on this thread's connection, dropping it when it broke (the next one reopens)."""
    try:
        db.connect(reuse_if_open=True)
        return store.store_many(arrivals)
    except (OperationalError, InterfaceError):
        if not db.is_closed():
            db.close()
        raise
