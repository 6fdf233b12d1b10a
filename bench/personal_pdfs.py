"""Time building personal progress reports as PDFs, as a report round does: the figures of a
batch of participants in a few GROUP BY queries, then one PDF each."""

from __future__ import annotations

import datetime as dt
import time

from models import Membership, Programme
from models.tracking import PARTICIPANT_ROLE
from workers.reports import personal, personal_view
from workers.reports.schedule import BATCH_SIZE


def time_pdfs(programme_id: int, now: dt.datetime, count: int) -> dict:
    """Build ``count`` participants' reports and PDFs; return the seconds spent on each part."""
    programme = Programme.get_by_id(programme_id)
    ids = [
        row.person_id
        for row in Membership.select(Membership.person)
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
        .order_by(Membership.person)
        .limit(count)
    ]
    queries = drawing = 0.0
    size = 0
    for start in range(0, len(ids), BATCH_SIZE):
        started = time.perf_counter()
        reports = personal.reports(programme, ids[start : start + BATCH_SIZE], now)
        queries += time.perf_counter() - started
        started = time.perf_counter()
        size += sum(len(personal_view.render_pdf(report)) for report in reports)
        drawing += time.perf_counter() - started
    return {"pdfs": len(ids), "queries": queries, "drawing": drawing, "bytes": size}


def line(label: str, found: dict) -> str:
    """Return the figures as the benchmark prints them."""
    total = found["queries"] + found["drawing"]
    each = 1000 * total / max(found["pdfs"], 1)
    return (
        f"{label}: {found['pdfs']} personal PDFs in {total:.1f} s ({each:.0f} ms each;"
        f" queries {found['queries']:.2f} s, drawing {found['drawing']:.1f} s;"
        f" {found['bytes'] / max(found['pdfs'], 1) / 1024:.0f} KiB each)"
    )
