"""Error pages."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    """Register the error handlers."""

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
