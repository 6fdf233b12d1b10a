"""Numbers from URLs and forms, bounded to what a database id can hold.

SQLite and PostgreSQL keep ids in signed 64-bit integers: a larger number is nobody's id, and
handing it to the database raises an overflow (a 500). In a URL it is a 404, in a form an
error the form shows, and any other overflow a request causes is answered 400.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.routing import IntegerConverter, Map

logger = logging.getLogger(__name__)

#: The largest id a table can hold (SQLite INTEGER, PostgreSQL bigint).
MAX_ID = 2**63 - 1


def up_to(limit: int) -> str:
    """Return a regular expression for the decimal numbers from 0 to ``limit`` (no sign)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            options.append(rf"{digits[:i]}[0-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join([*options, digits]) + ")"


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``<int:...>`` with a default range of 0 to MAX_ID: a larger number in the
    URL matches no route, so it is a 404 (``<int(max=...):...>`` still narrows it)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        low = min if min is not None else (-MAX_ID - 1 if signed else 0)
        high = max if max is not None else MAX_ID
        super().__init__(map, fixed_digits, low, high, signed)
        if not signed:
            # Refused by the pattern rather than after it matched, an out-of-range number is
            # a 404 even where a GET and a POST route share the path (else werkzeug says 405).
            self.regex = up_to(high)


def parse_id(value: str) -> int:
    """Return a form or query value as an id; raise ValueError when it cannot be one.

    Flask's ``request.form.get(name, type=parse_id)`` then gives None (or the default).
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValueError(f"not an id: {text[:40]!r}")
    return int(text)


def init_app(app: Flask) -> None:
    """Bound every ``<int:...>`` of the app's routes (call before registering any), and answer
    an overflow a request causes anyway with 400 instead of 500."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.errorhandler(OverflowError)
    def overflow(error: OverflowError):
        logger.info("a number in the request was out of range: %s", error)
        message = "A number in the request is too large."
        return render_template("web/error.html", code=400, message=message), 400
