"""Follow-up cycles on the web: set up, clone, trigger, reschedule, cancel, watch, take notes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

import workers.actors  # noqa: F401  (the broker and every actor: web enqueues work)
from models import ActionItem, Cycle, InboundMessage, Membership, Programme
from web import cycle_lists
from web import cycle_status as status
from web.access import programme_or_404, visible_programmes
from web.auth import login_required
from web.cycle_forms import FormError, read_cycle_form, read_session
from web.ids import parse_id
from workers.followup import setup
from workers.followup.common import FollowupError, session_of
from workers.followup.next_cycle import next_after
from workers.followup.notes import apply_notes
from workers.followup.summary import summarise_if_ready
from workers.followup.trigger import trigger as trigger_cycle
from workers.reports.charts import line_chart
from workers.reports.figures import amount, fmt
from workers.reports.series import progress

bp = Blueprint("cycles", __name__, url_prefix="/cycles")

#: Longest notes text accepted from the page.
MAX_NOTES = 20_000


def _cycle_or_404(cycle_id: int) -> Cycle:
    """Return the cycle if the user may see its programme; otherwise answer 404."""
    mine = visible_programmes().select(Programme.id)
    cycle = Cycle.get_or_none((Cycle.id == cycle_id) & Cycle.programme.in_(mine))
    return cycle or abort(404)


@bp.route("/new", methods=("GET", "POST"))
@login_required
def create():
    """Set up a cycle for a programme."""
    programme = programme_or_404(request.args.get("programme", type=parse_id))
    if request.method == "POST":
        error = None
        try:
            spec = read_cycle_form(request.form, programme)
        except FormError as exc:
            error = str(exc)
        if error is None:
            cycle = setup.create_cycle(programme, spec)
            return redirect(url_for("cycles.show", cycle_id=cycle.id))
        flash(error)
    members = Membership.select().where(Membership.programme == programme).order_by(Membership.role)
    open_items = ActionItem.open_for(programme)
    return render_template(
        "web/cycles/new.html",
        programme=programme,
        members=members,
        open_items=open_items,
        form=request.form,
    )


@bp.route("/clone", methods=("POST",))
@login_required
def clone():
    """Draft a cycle like the programme's last one, four weeks later."""
    programme = programme_or_404(request.args.get("programme", type=parse_id))
    last = setup.last_cycle(programme)
    if last is None:
        flash("There is no earlier cycle to clone.")
        return redirect(url_for("cycles.create", programme=programme.id))
    cycle = setup.clone_cycle(last, next_after())
    return redirect(url_for("cycles.show", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/trigger", methods=("POST",))
@login_required
def trigger(cycle_id: int):
    """Send the invitations and update requests."""
    cycle = _cycle_or_404(cycle_id)
    try:
        count = trigger_cycle(cycle.id)
        flash(f"Triggered: {count} emails queued.")
    except FollowupError as exc:
        flash(str(exc))
    return redirect(url_for("cycles.show", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/session", methods=("GET", "POST"))
@login_required
def edit_session(cycle_id: int):
    """Change the session's time or place (invitations are re-sent)."""
    cycle = _cycle_or_404(cycle_id)
    session = session_of(cycle)
    if request.method == "POST":
        error = None
        try:
            starts, ends, zone, location = read_session(request.form)
            if setup.update_session(cycle, starts, ends, zone, location):
                flash(
                    "Session updated; invitations re-sent."
                    if cycle.status != "draft"
                    else "Session updated."
                )
            return redirect(url_for("cycles.show", cycle_id=cycle.id))
        except (FormError, FollowupError) as exc:
            error = str(exc)
        flash(error)
    return render_template(
        "web/cycles/session.html", cycle=cycle, session=session, form=request.form
    )


@bp.route("/<int:cycle_id>/cancel", methods=("POST",))
@login_required
def cancel(cycle_id: int):
    """Cancel the cycle and its session (METHOD:CANCEL to everyone invited)."""
    cycle = _cycle_or_404(cycle_id)
    try:
        setup.cancel_cycle(cycle)
        flash("Cycle cancelled.")
    except FollowupError as exc:
        flash(str(exc))
    return redirect(url_for("cycles.show", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/notes", methods=("POST",))
@login_required
def notes(cycle_id: int):
    """Enter the session's decisions and new action items, as the notes email would."""
    cycle = _cycle_or_404(cycle_id)
    text = request.form.get("notes", "")[:MAX_NOTES]
    error = None
    if not text.strip():
        error = "Write the decisions and action items first."
    elif cycle.status in ("draft", "cancelled"):
        error = f"The cycle is {cycle.status}; notes come after the session."
    if error is None:
        outcome = apply_notes(cycle, text, by=None, source="web")
        flash(f"{len(outcome.created)} action items created.")
        for question in outcome.questions:
            flash(f"Not created: {question}")
        summarise_if_ready(cycle.id)
    else:
        flash(error)
    return redirect(url_for("cycles.show", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>")
@login_required
def show(cycle_id: int):
    """Show the cycle's status: answers, RSVPs, items, metrics, brief, summary, quarantine."""
    cycle = _cycle_or_404(cycle_id)
    session = session_of(cycle)
    # A page of each list, and counts from the database: a cycle may have 10,000 people.
    overview = cycle_lists.overview(cycle, session)
    people = cycle_lists.stakeholder_page(cycle, overview["people"])
    rsvps = cycle_lists.rsvps_of(session, people.items)
    items_page, items = cycle_lists.item_page(cycle, overview["shown"])
    charts = [
        (m, series, line_chart(series, f"chart-{m.id}"), *progress(series))
        for m, series in status.metric_series(cycle)
    ]
    return render_template(
        "web/cycles/show.html",
        cycle=cycle,
        session=session,
        people=people.items,
        people_page=people,
        rsvps=rsvps,
        rsvp_badge=status.rsvp_badge,
        items=items,
        items_page=items_page,
        overview=overview,
        charts=charts,
        quarantine=_quarantine(cycle, session),
        undelivered=status.undelivered(cycle, session),
        brief=(cycle.summary or {}).get("brief"),
        summary=cycle.summary if cycle.summary_sent_at else None,
    )


def _quarantine(cycle: Cycle, session):
    about_cycle = InboundMessage.object_type.in_(("cycle", "notes")) & (
        InboundMessage.object_id == cycle.id
    )
    about_session = (InboundMessage.object_type == "session") & (
        InboundMessage.object_id == (session.id if session else 0)
    )
    return (
        InboundMessage.select()
        .where((about_cycle | about_session) & (InboundMessage.status == "quarantined"))
        .order_by(InboundMessage.id.desc())
    )


bp.add_app_template_filter(fmt, "fmt")
bp.add_app_template_filter(amount, "amount")


@bp.app_template_filter("localtime")
def localtime(value: dt.datetime | None, zone: str, fmt: str = "%Y-%m-%dT%H:%M") -> str:
    """Format a naive-UTC time in ``zone`` (the default suits datetime-local inputs)."""
    if value is None:
        return ""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return value.replace(tzinfo=dt.UTC).astimezone(tz).strftime(fmt)


@click.group("cycle")
def cycle_cli() -> None:
    """Follow-up cycles: trigger one from the command line."""


@cycle_cli.command("trigger")
@click.argument("cycle_id", type=int)
def trigger_command(cycle_id: int) -> None:
    """Send a drafted cycle's invitations and update requests."""

    if Cycle.get_or_none(Cycle.id == cycle_id) is None:
        raise click.ClickException(f"there is no cycle {cycle_id}")
    try:
        count = trigger_cycle(cycle_id)
    except FollowupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Cycle {cycle_id} triggered: {count} emails queued.")
