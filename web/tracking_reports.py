"""Reports from the progress dashboard: the programme report PDF, the shout-outs for the
next live session (CSV), and how often personal reports go out.

Nested under the dashboard (``/programmes/<id>/tracking/reports``); every view checks the
logged-in user may see the programme.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from models import ReportSchedule, clock
from web.access import programme_or_404
from web.auth import login_required
from web.tracking_filters import describe, filter_options, read_scope
from workers.reports import programme, programme_pdf, recognition
from workers.reports.errors import BadSchedule
from workers.reports.personal_view import BADGE_NAMES
from workers.reports.schedule import set_schedule
from workers.tracking.export import to_csv

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Columns of the shout-outs CSV.
SHOUT_OUT_COLUMNS = ("name", "department", "badge", "detail", "awarded_at")


def shout_out_rows(found: dict) -> list[list]:
    """Return the shout-outs as rows for a table or CSV, header first."""
    rows: list[list] = [list(SHOUT_OUT_COLUMNS)]
    for p in found["people"]:
        when = p["awarded_at"].isoformat(timespec="minutes") if p["awarded_at"] else ""
        rows.append([p["name"], p["department"], BADGE_NAMES.get(p["kind"], p["kind"]),
                     p["detail"], when])  # fmt: skip
    return rows


def schedule_of(programme_id: int) -> ReportSchedule | None:
    """Return the programme's personal-report schedule, if one was set."""
    return ReportSchedule.get_or_none(ReportSchedule.programme == programme_id)


def _download(data: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/programme.pdf")
@login_required
def programme_report(programme_id: int) -> Response:
    """Download the programme report for managers as a PDF, for the dashboard's filters."""
    found = programme_or_404(programme_id)
    options = filter_options(found)
    scope, _, errors = read_scope(found, request.args, options)
    if errors:
        abort(400, "; ".join(errors.values()))
    report = programme.build(scope, clock.now(), filters=describe(scope, options))
    data = programme_pdf.render_pdf(report)
    return _download(data, "application/pdf", f"tandem-{found.id}-programme-report.pdf")


@bp.route("/shout-outs.csv")
@login_required
def shout_outs_csv(programme_id: int) -> Response:
    """Download the shout-outs for the next live session as CSV."""
    found = programme_or_404(programme_id)
    rows = shout_out_rows(recognition.shout_outs(found.id, clock.now()))
    return _download(to_csv(rows), "text/csv", f"tandem-{found.id}-shout-outs.csv")


@bp.route("/schedule", methods=["POST"])
@login_required
def schedule(programme_id: int) -> ResponseReturnValue:
    """Set how many weeks apart personal reports go out (0 stops them)."""
    found = programme_or_404(programme_id)
    error = None
    typed = request.form.get("every_weeks", "").strip()[:10]
    try:
        weeks = int(typed)
        set_schedule(found.id, weeks, to_team=bool(request.form.get("to_team")))
    except ValueError as exc:  # not a number, or BadSchedule (a ValueError)
        error = str(exc) if isinstance(exc, BadSchedule) else "Give a whole number of weeks."
    if error is None:
        flash(
            "Personal reports stopped." if weeks == 0 else f"Personal reports every {weeks} weeks."
        )
    else:
        flash(error)
    return redirect(url_for("programmes.tracking.show", programme_id=found.id) + "#reports")
