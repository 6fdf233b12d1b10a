"""Access logs without query strings: a query may carry what must stay secret (a reply
address, a one-time link), and access logs are kept, shipped and read widely.

Werkzeug's request log (``flask run``, ``make run``) gets a filter here; gunicorn's format is
set in ``gunicorn.conf.py``.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

#: The query string of a request line, "POST /inbound/mime?recipient=... HTTP/1.1" (which
#: werkzeug may wrap in colour codes).
QUERY_RE = re.compile(r"([A-Z]+ [^?\s]*)\?.*?(?= HTTP/\d)")


class HideQueryStrings(logging.Filter):
    """Remove the query string from the request lines werkzeug logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record without its query string; keep every record."""
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY_RE.sub(r"\1", message), ()
        return True


def init_app(app: Flask) -> None:
    """Put the filter on werkzeug's logger (once per process)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideQueryStrings) for f in logger.filters):
        logger.addFilter(HideQueryStrings())
