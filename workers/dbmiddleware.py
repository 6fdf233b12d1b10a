"""Open a database connection around each message a worker processes."""

from __future__ import annotations

import dramatiq

from models import db, init_db


class DatabaseMiddleware(dramatiq.Middleware):
    """Bind the database at worker boot and hold one connection per message."""

    def __init__(self, url: str) -> None:
        self.url = url

    def before_worker_boot(self, broker, worker) -> None:
        if db.obj is None:
            init_db(self.url)

    def before_process_message(self, broker, message) -> None:
        if db.obj is not None:
            db.connect(reuse_if_open=True)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if db.obj is not None and not db.is_closed():
            db.close()

    after_skip_message = after_process_message
