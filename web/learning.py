"""A programme's materials and self-assessments: completion rates, the CSV import of
completions, the questionnaire's competences and the growth per competence.

Nested under the programmes blueprint (``/programmes/<id>/learning``); every view checks the
programme through ``web.access``. Each form does one thing and comes back to the page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from models.learning import MATERIAL_KINDS
from web.access import programme_or_404
from web.auth import login_required
from workers.tracking import materials as materials_mod
from workers.tracking import selfassess
from workers.tracking.material_replies import send_materials
from workers.tracking.materials import MaterialError
from workers.tracking.selfassess_growth import person_growth, programme_growth

bp = Blueprint("learning", __name__, url_prefix="/<int:programme_id>/learning")

#: Largest completions file taken (a learning platform's export for a big programme).
MAX_FILE_BYTES = 5 * 1024 * 1024

#: Longest text field read from a form.
MAX_FIELD = 1000


def _back(programme_id: int):
    return redirect(url_for(".show", programme_id=programme_id))


@bp.route("")
@login_required
def show(programme_id: int):
    """Show the materials with their completion, and the self-assessment growth."""
    programme = programme_or_404(programme_id)
    return render_template(
        "web/learning/show.html",
        programme=programme,
        kinds=MATERIAL_KINDS,
        rates=materials_mod.completion_rates(programme.id),
        competences=selfassess.competences(programme.id),
        every_weeks=selfassess.period_weeks(programme.id),
        average=programme_growth(programme.id),
        people=person_growth(programme.id),
        errors={},
    )


@bp.route("/materials", methods=("POST",))
@login_required
def add_material(programme_id: int):
    """Add a module, reading or video."""
    programme = programme_or_404(programme_id)
    form = {k: request.form.get(k, "")[:MAX_FIELD] for k in ("kind", "title", "url")}
    try:
        added = materials_mod.add_material(programme.id, form["kind"], form["title"], form["url"])
    except MaterialError as exc:
        flash(str(exc))
    else:
        flash(f"Added {added.label}: {added.title}.")
    return _back(programme.id)


@bp.route("/materials/send", methods=("POST",))
@login_required
def email_materials(programme_id: int):
    """Email each participant the materials with their own tracking links."""
    programme = programme_or_404(programme_id)
    count = send_materials(programme.id)
    flash(f"Emailed the materials to {count} participants." if count else "Nothing sent today.")
    return _back(programme.id)


@bp.route("/completions", methods=("POST",))
@login_required
def import_completions(programme_id: int):
    """Record the completions a CSV file lists; bad lines are listed, the others recorded."""
    programme = programme_or_404(programme_id)
    file = request.files.get("file")
    data = file.read(MAX_FILE_BYTES + 1) if file else b""
    error = None
    if not data:
        error = "Choose a CSV file with the columns email, material and completed."
    elif len(data) > MAX_FILE_BYTES:
        error = f"The file is over {MAX_FILE_BYTES // (1024 * 1024)} MB."
    if error is None:
        try:
            result = materials_mod.import_completions(programme.id, data)
        except MaterialError as exc:
            error = str(exc)
    if error is not None:
        flash(error)
        return _back(programme.id)
    flash(f"Recorded {result.recorded} completions ({result.known} known already).")
    for problem in result.problems[:20]:
        flash(problem)
    if len(result.problems) > 20:
        flash(f"... and {len(result.problems) - 20} more lines not imported.")
    return _back(programme.id)


@bp.route("/competences", methods=("POST",))
@login_required
def set_competences(programme_id: int):
    """Set the self-assessment's competences, one per line, and how many weeks apart it goes
    out."""
    programme = programme_or_404(programme_id)
    names = request.form.get("competences", "")[: MAX_FIELD * 2].splitlines()
    typed = request.form.get("every_weeks", "").strip()[:MAX_FIELD]
    try:
        weeks = int(typed) if typed else None
    except ValueError:
        flash(f"{typed!r} is not a number of weeks: give a whole number from 1 to 26.")
        return _back(programme.id)
    try:
        saved, every = selfassess.set_questionnaire(programme.id, names, weeks)
    except selfassess.CompetenceError as exc:
        flash(str(exc))
    else:
        flash(f"The self-assessment asks about {len(saved)} competences every {every} weeks.")
    return _back(programme.id)
