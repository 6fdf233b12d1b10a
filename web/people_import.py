"""Import a programme's people from a CSV file on the page, and export them.

Upload, preview, confirm: the upload is kept on the server (``web.uploads``), the preview
plans the import and shows every person it creates or updates and every bad row with its
line and reason, and only the confirmation writes, through the same ``import_people`` as
``flask people import``. Nothing the browser sends back but a token and a choice is used.
"""

from __future__ import annotations

import io
import re

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from models import Programme
from web import uploads
from web.access import programme_or_404
from web.auth import login_required
from web.trail import current_actor
from workers.workspace.errors import CsvFileError, InvalidRowsError
from workers.workspace.people_export import export_csv
from workers.workspace.people_import import import_people
from workers.workspace.people_plan import plan_import

bp = Blueprint("people_import", __name__, url_prefix="/<int:programme_id>/people")

#: Largest file accepted (20,000 people with every column fit in a few megabytes).
MAX_FILE_BYTES = 20 * 1024 * 1024

#: People listed in each part of the preview (the counts cover everyone).
PREVIEW_ROWS = 200

#: Delimiters as the preview names them.
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


def _upload_form(programme: Programme, errors: dict, status: int = 200):
    page = render_template("web/people/upload.html", programme=programme, errors=errors)
    return page, status


@bp.route("/import", methods=("GET", "POST"))
@login_required
def upload(programme_id: int):
    """Take a CSV file of people and show what importing it would do."""
    programme = programme_or_404(programme_id)
    if request.method == "GET":
        return _upload_form(programme, {})
    file = request.files.get("file")
    data = file.read(MAX_FILE_BYTES + 1) if file else b""
    error = None
    if not data:
        error = "Choose a CSV file (a spreadsheet saved as CSV)."
    elif len(data) > MAX_FILE_BYTES:
        error = f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
    if error:
        return _upload_form(programme, {"file": error}, 400)
    token = uploads.keep(data, programme.id, g.user.id)
    return redirect(url_for(".preview", programme_id=programme.id, token=token))


def _preview(programme: Programme, token: str, data: bytes, errors: dict, status: int = 200):
    try:
        plan = plan_import(data, programme)
    except CsvFileError as exc:
        return _upload_form(programme, {"file": f"This file cannot be imported: {exc}."}, 400)
    page = render_template(
        "web/people/preview.html",
        programme=programme,
        token=token,
        plan=plan,
        errors=errors,
        shown=PREVIEW_ROWS,
        delimiter=DELIMITER_NAMES.get(plan.delimiter, repr(plan.delimiter)),
    )
    return page, status


@bp.route("/import/<token>", methods=("GET", "POST"))
@login_required
def preview(programme_id: int, token: str):
    """Show what the kept file would do; on confirmation, import it."""
    programme = programme_or_404(programme_id)
    data = uploads.load(token, programme.id, g.user.id)
    if data is None:
        flash("That upload is no longer kept here. Choose the file again.")
        return redirect(url_for(".upload", programme_id=programme.id))
    if request.method == "GET":
        return _preview(programme, token, data, {})
    skip = request.form.get("skip_bad") == "1"
    try:
        _, result = import_people(data, programme, actor=current_actor(), skip_invalid=skip)
    except InvalidRowsError as exc:
        reason = (
            f"{len(exc.bad)} row(s) are bad, so nothing was imported. Fix them and upload "
            "the file again, or tick this box to import the other rows."
        )
        return _preview(programme, token, data, {"skip_bad": reason}, 400)
    except CsvFileError as exc:
        return _upload_form(programme, {"file": f"This file cannot be imported: {exc}."}, 400)
    uploads.discard(token, programme.id, g.user.id)
    flash(f"Imported: {result}.", "ok")
    return redirect(url_for("programmes.people.index", programme_id=programme.id))


def _filename(programme: Programme) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", programme.name).strip("-").lower() or "programme"
    return f"{slug[:60]}-people.csv"


@bp.route("/export.csv")
@login_required
def export(programme_id: int):
    """Download the programme's people as CSV, with the columns the import reads."""
    programme = programme_or_404(programme_id)
    out = io.StringIO()
    export_csv(programme, out)
    # A byte-order mark, so Excel opens the UTF-8 file with its accents intact.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(programme)}"'},
    )
