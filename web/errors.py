"""Error pages, and the refusal of input no database can keep."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError


def has_nul(values) -> bool:
    """Tell whether any of a request's text values holds a NUL character."""
    return any("\x00" in value for value in values)


def init_app(app: Flask) -> None:
    """Register the error handlers, and refuse text with NUL characters (PostgreSQL cannot
    store them: a name or title with one would otherwise fail as a 500)."""

    @app.before_request
    def _refuse_nul():
        if request.blueprint == "inbound":  # raw mail, whatever its Content-Type says
            return None
        names = (f.filename or "" for f in request.files.values())
        if has_nul(request.form.values()) or has_nul(request.args.values()) or has_nul(names):
            message = "The form holds a NUL character, which Tandem cannot keep. Remove it."
            return render_template("web/error.html", code=400, message=message), 400
        return None

    @app.errorhandler(404)
    def not_found(error):
        return render_template("web/error.html", code=404, message="Not found."), 404

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "The form expired or was not sent from this site. Reload and try again."
        return render_template("web/error.html", code=400, message=message), 400

    @app.errorhandler(413)
    def too_large(error):
        return render_template("web/error.html", code=413, message="Too large."), 413

    @app.errorhandler(500)
    def server_error(error):
        # Flask has logged the traceback; the page says nothing of the code or its settings.
        message = "Something went wrong on our side. Please try again in a moment."
        try:
            return render_template("web/error.html", code=500, message=message), 500
        except Exception:  # the page itself needs what failed (the database, say)
            return message, 500, {"Content-Type": "text/plain; charset=utf-8"}
