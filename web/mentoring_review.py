"""The coordinator's matching review: run the matcher, lock, swap, re-run, approve; the guide."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from models import MatchProposal
from web.auth import login_required
from web.ids import parse_id
from web.mentoring import actor, mentoring_programme
from workers.mentoring import guide as guide_mod
from workers.mentoring import proposals
from workers.mentoring.errors import MentoringError
from workers.mentoring.pairing import approve as approve_proposal
from workers.mentoring.scoring import PARTS

bp = Blueprint("mentoring_review", __name__, url_prefix="/mentoring")


def _review(programme, anchor: str = ""):
    url = url_for("mentoring_review.review", programme_id=programme.id)
    return redirect(f"{url}#{anchor}" if anchor else url)


def _proposal_or_404(programme, proposal_id: int) -> MatchProposal:
    found = MatchProposal.get_or_none(
        (MatchProposal.id == proposal_id) & (MatchProposal.programme == programme)
    )
    return found or abort(404)


def _render_review(programme, text: str | None = None):
    proposal = proposals.latest(programme)
    text = guide_mod.guide_text(programme) if text is None else text
    return render_template(
        "web/mentoring/review.html",
        programme=programme,
        proposal=proposal,
        pairs=proposals.pairs_of(proposal) if proposal else [],
        parts=PARTS,
        guide=text,
        preview=guide_mod.sample(text, programme),
        placeholders=guide_mod.PLACEHOLDERS,
    )


@bp.route("/<int:programme_id>/review")
@login_required
def review(programme_id: int):
    """Show the latest proposal: each pair's score parts and shared hours, and who is left."""
    return _render_review(mentoring_programme(programme_id))


@bp.route("/<int:programme_id>/proposals", methods=("POST",))
@login_required
def run(programme_id: int):
    """Run the matcher and keep the result as the draft to review."""
    programme = mentoring_programme(programme_id)
    proposal = proposals.propose(programme, actor())
    flash(
        f"Matching proposed {len(proposal.pairs)} pairs; {len(proposal.unmatched)} unmatched.",
        "ok",
    )
    return _review(programme)


def _step(programme_id: int, proposal_id: int, step, done: str, anchor: str = "pairs"):
    """Run one change on a draft proposal and go back to the review, saying how it went."""
    programme = mentoring_programme(programme_id)
    proposal = _proposal_or_404(programme, proposal_id)
    try:
        step(proposal)
        flash(done, "ok")
    except MentoringError as exc:
        flash(str(exc))
    return _review(programme, anchor)


@bp.route("/<int:programme_id>/proposals/<int:proposal_id>/lock", methods=("POST",))
@login_required
def lock(programme_id: int, proposal_id: int):
    """Lock a pair so a re-run keeps it, or unlock it."""
    pair_id = request.form.get("pair", type=parse_id) or 0
    locked = request.form.get("locked") == "1"
    return _step(
        programme_id,
        proposal_id,
        lambda proposal: proposals.set_locked(proposal, pair_id, locked),
        "Pair locked." if locked else "Pair unlocked.",
    )


@bp.route("/<int:programme_id>/proposals/<int:proposal_id>/swap", methods=("POST",))
@login_required
def swap(programme_id: int, proposal_id: int):
    """Give two chosen pairs each other's mentor."""
    chosen = [int(v) for v in request.form.getlist("pair") if v.isdigit()]

    def step(proposal):
        if len(chosen) != 2:
            raise MentoringError("Choose exactly two pairs to swap their mentors.")
        proposals.swap(proposal, *chosen)

    return _step(programme_id, proposal_id, step, "Mentors swapped; both pairs are locked.")


@bp.route("/<int:programme_id>/proposals/<int:proposal_id>/rerun", methods=("POST",))
@login_required
def rerun(programme_id: int, proposal_id: int):
    """Match again every mentee not in a locked pair."""
    return _step(
        programme_id,
        proposal_id,
        lambda proposal: proposals.rerun(proposal, actor()),
        "Matched again; locked pairs kept.",
    )


@bp.route("/<int:programme_id>/proposals/<int:proposal_id>/approve", methods=("POST",))
@login_required
def approve(programme_id: int, proposal_id: int):
    """Approve the proposal: the pairs are made and introduced by email."""
    return _step(
        programme_id,
        proposal_id,
        lambda proposal: approve_proposal(proposal.id, actor()),
        "Approved: every pair has been sent an introduction.",
        anchor="",
    )


@bp.route("/<int:programme_id>/guide", methods=("POST",))
@login_required
def save_guide(programme_id: int):
    """Store the programme's introductory guide, or go back to Tandem's default."""
    programme = mentoring_programme(programme_id)
    text = request.form.get("guide", "")
    try:
        guide_mod.save(programme, guide_mod.DEFAULT_GUIDE if request.form.get("reset") else text)
    except MentoringError as exc:
        flash(str(exc))
        return _render_review(programme, text), 400
    flash("Guide saved.", "ok")
    return _review(programme, "guide")
