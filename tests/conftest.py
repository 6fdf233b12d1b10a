"""Fixtures: real Redis, a real SMTP sink, SQLite and PostgreSQL, the Flask app."""

from __future__ import annotations

import dataclasses
import os
import threading

import pytest

from tests import services

_redis: services.RedisServer | None = None
_postgres: services.PostgresDatabase | None = None


def _runs_tests(config) -> bool:
    """Tell whether this process runs tests: not the one that hands them to xdist's workers."""
    return "PYTEST_XDIST_WORKER" in os.environ or not getattr(config.option, "numprocesses", 0)


def pytest_configure(config) -> None:
    """Start a private Redis before anything imports the broker, and point Tandem at it.

    Under ``-n``, each worker process has its own Redis and its own PostgreSQL database.
    """
    global _redis
    if _runs_tests(config):
        _redis = services.RedisServer()
        os.environ["REDIS_URL"] = _redis.url
    # The tests are a dev run: they sign with a short key (see TANDEM_ENV in .env.example).
    os.environ["TANDEM_ENV"] = "dev"
    os.environ.setdefault("SECRET_KEY", "test-secret")
    os.environ.setdefault("REPLY_DOMAIN", "tandem.test")
    os.environ.setdefault("MAIL_FROM", "Tandem <tandem@tandem.test>")
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"


def pytest_unconfigure(config) -> None:
    if _postgres is not None:
        _postgres.drop()
    if _redis is not None:
        _redis.stop()


def _postgres_url() -> str:
    global _postgres
    if _postgres is None:
        reason = services.postgres_available()
        if reason is not None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI but does not answer: {reason}")
            pytest.skip(f"no PostgreSQL server: {reason}")
        _postgres = services.PostgresDatabase()
    return _postgres.url


@pytest.fixture(autouse=True)
def _reset_clock():
    from models import clock

    clock.reset()
    yield
    clock.reset()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A fresh database with every table, on SQLite and again on PostgreSQL."""
    import workers.actors  # noqa: F401  (every actor, job handler, reply applier and sweep)
    from models import ALL_MODELS, init_db
    from models import db as proxy
    from models.migrations import SchemaVersion, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tandem.db'}"
    else:
        url = _postgres_url()
    database = init_db(url)
    database.connect(reuse_if_open=True)
    database.drop_tables([*ALL_MODELS, SchemaVersion], cascade=request.param != "sqlite")
    migrate()
    _configure(database_url=url)
    yield database
    if not database.is_closed():
        database.close()
    database.connect()
    database.drop_tables([*ALL_MODELS, SchemaVersion], cascade=request.param != "sqlite")
    database.close()
    proxy.initialize(None)


def _configure(**changes):
    from workers import settings as settings_mod

    settings = settings_mod.get()
    return settings_mod.configure(dataclasses.replace(settings, **changes))


@pytest.fixture
def settings(db):
    """Tandem's settings for this test (change them with ``dataclasses.replace``)."""
    from workers import settings as settings_mod

    return settings_mod.get()


@pytest.fixture
def redis_broker():
    """The real Redis broker, flushed before and after the test."""
    import dramatiq

    import workers.actors  # noqa: F401  (every actor, job handler and scheduler sweep)
    from workers.runtime.broker import broker

    broker.flush_all()
    broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    yield broker
    broker.flush_all()


@pytest.fixture
def redis_worker(redis_broker, db):
    """An in-process Dramatiq worker on the real broker."""
    import dramatiq

    worker = dramatiq.Worker(redis_broker, worker_threads=4, worker_timeout=100)
    worker.start()
    yield worker
    worker.stop()
    # A worker stays among its broker's middleware once stopped, and would start a consumer
    # for each queue declared later: one that takes messages and never processes them.
    redis_broker.middleware[:] = [
        m for m in redis_broker.middleware if getattr(m, "worker", None) is not worker
    ]


class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.port = services.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "data": envelope.original_content or envelope.content,
                }
            )
        return "250 OK"

    def parsed(self):
        """Return the accepted messages as ``email.message.EmailMessage`` objects."""
        import email
        import email.policy

        with self.lock:
            return [
                email.message_from_bytes(m["data"], policy=email.policy.default)
                for m in self.messages
            ]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_sink(db):
    """A running SMTP sink that Tandem's SMTP_URL points at."""
    from workers.outbound import smtp

    sink = SmtpSink()
    sink.controller.start()
    _configure(smtp_url=sink.url)
    smtp.discard()
    yield sink
    smtp.discard()
    sink.controller.stop()


@pytest.fixture
def app(db):
    """The Flask app on the test database, CSRF on as in production."""
    from web import create_app
    from workers import settings as settings_mod

    current = settings_mod.get()
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": current.database_url,
            "SMTP_URL": current.smtp_url,
            "SECRET_KEY": current.secret_key,
        }
    )
    yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailin(db):
    """The inbound SMTP listener on a free port, storing into the test database."""
    from workers import settings as settings_mod
    from workers.inbound import listener as mailin_mod

    controller = mailin_mod.make_controller(settings_mod.get(), "127.0.0.1", services.free_port())
    controller.start()
    yield controller
    controller.stop()
    controller.handler.stop()
