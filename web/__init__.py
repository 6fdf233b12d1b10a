"""Tandem's web app: the coordinator's page and the inbound HTTP endpoint."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from models import db, init_db
from web import (
    accesslog,
    accounts,
    assessment_form,
    auth,
    cli,
    cli_mentoring,
    cli_reports,
    cli_tracking,
    cli_workspace,
    coordinators,
    cycles,
    devmail,
    errors,
    ids,
    inbound,
    material_link,
    mentoring,
    mentoring_intake,
    mentoring_pairs,
    mentoring_review,
    objectives,
    programmes,
    quarantine,
    survey_form,
    surveys,
)
from web.extensions import csrf
from workers import settings as settings_mod

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR))
    ids.init_app(app)  # first: the blueprints' routes use its bounded <int:...>
    accesslog.init_app(app)
    environ = dict(os.environ)
    if test_config:
        environ.update({k: str(v) for k, v in test_config.items() if k.isupper()})
    settings = settings_mod.configure(settings_mod.load_settings(environ))
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        # Sessions signed before a key change stay valid (Flask 3.1 checks these too).
        SECRET_KEY_FALLBACKS=list(settings.secret_key_previous),
        TANDEM=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        MAX_CONTENT_LENGTH=settings.max_inbound_bytes + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.from_prefixed_env("FLASK")
    if test_config:
        app.config.update(test_config)

    if settings.trusted_proxies:
        # The client's address (login throttling counts by it) and scheme from the proxies.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    if getattr(db.obj, "tandem_url", None) != settings.database_url:
        init_db(settings.database_url)
    csrf.init_app(app)

    @app.before_request
    def _open_db() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc: BaseException | None) -> None:
        if not db.is_closed():
            db.close()

    app.register_blueprint(auth.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(coordinators.bp)
    app.register_blueprint(programmes.bp)
    app.register_blueprint(cycles.bp)
    app.register_blueprint(mentoring.bp)
    app.register_blueprint(mentoring_intake.bp)
    app.register_blueprint(mentoring_review.bp)
    app.register_blueprint(mentoring_pairs.bp)
    app.register_blueprint(assessment_form.bp)
    app.register_blueprint(survey_form.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(objectives.bp)
    app.register_blueprint(material_link.bp)
    app.add_url_rule("/", endpoint="index", view_func=programmes.index)

    @app.context_processor
    def _nav() -> dict:
        # Blueprints add (label, endpoint) pairs to NAV_LINKS when they are registered.
        return {"nav_links": app.config.get("NAV_LINKS", [])}

    devmail.init_app(app)
    inbound.init_app(app)
    quarantine.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    cli_workspace.init_app(app)
    cli_mentoring.init_app(app)
    cli_reports.init_app(app)
    cli_tracking.init_app(app)
    return app
