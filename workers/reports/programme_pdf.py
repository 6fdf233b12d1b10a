"""The programme report as a PDF for managers: headline rates, the weekly charts the
dashboard shows, and how engagement and each activity relate to goals and satisfaction."""

from __future__ import annotations

import datetime as dt

from workers.reports import pdfpage
from workers.reports.bars import correlation_bars
from workers.reports.charts import line_chart
from workers.reports.figures import fmt, percent
from workers.reports.series import engagement_series

#: Column widths of the correlation tables (millimetres).
WIDTHS = [66, 14, 14, 12, 16, 58]

#: How the rating kinds are named.
RATING_NAMES = {
    "self_assessment": "Self-assessment",
    "satisfaction": "Satisfaction",
    "mentor_rating": "Mentor rating",
}


def headline(summary: dict) -> list[list[str]]:
    """Return the headline figures as rows (figure, value, behind it), as the dashboard has them."""
    work, goals, done = summary["assignments"], summary["goals"], summary["programme_completion"]
    rows = [
        ["Participants", str(summary["participants"]), ""],
        ["Completion rate", percent(work["completion_rate"]),
         f"{work['submitted']} of {work['set']} assignments submitted"],
        ["On-time rate", percent(work["on_time_rate"]),
         f"{work['on_time']} of {work['submitted']} submitted on time"],
        ["Goal achievement", percent(goals["achievement_rate"]),
         f"{goals['achieved']} of {goals['goals']} goals achieved"],
    ]  # fmt: skip
    for kind, name in RATING_NAMES.items():
        rating = summary["ratings"][kind]
        value = "—" if rating["mean"] is None else f"{fmt(rating['mean'])} / 5"
        rows.append([name, value, f"{rating['answers']} answers"])
    rows.append(["Programme completion", percent(done["rate"]),
                 f"{done['completed']} of {done['participants']} participants"])  # fmt: skip
    rows.append(["At risk", str(summary["at_risk"]["open"]), "participants flagged now"])
    return rows


def relation_row(name: str, result: dict) -> list[str]:
    """Return a correlation as a table row: what, rho, r, n, p and what it means."""
    return [name, _show(result["spearman"]), _show(result["pearson"]), str(result["n"]),
            _p(result["spearman_p"]), result["note"]]  # fmt: skip


def _show(value: float | None) -> str:
    return "—" if value is None else fmt(value)


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def render_pdf(report: dict) -> bytes:
    """Return the programme report as PDF bytes."""
    at: dt.datetime = report["at"]
    pdf = pdfpage.new_document(f"Programme report: {report['programme']}", report["programme"], at)
    pdfpage.heading(pdf, f"Programme report: {report['programme']}", 16)
    pdfpage.paragraph(pdf, f"Figures at {at:%d %B %Y %H:%M} UTC", muted=True)
    covering = "; ".join(report.get("filters") or ["every participant, all weeks"])
    pdfpage.paragraph(pdf, f"Covering: {covering}", muted=True)
    pdfpage.table(pdf, ["Figure", "Value", "Behind it"], headline(report["summary"]), [45, 30, 105])
    pdfpage.heading(pdf, "Engagement per week", 12)
    for key, series in engagement_series(report["summary"]["engagement"]):
        pdfpage.place_svg(pdf, line_chart(series, f"chart-{key}", width=520), 170)
        pdfpage.paragraph(pdf, series.name, 9, muted=True)
    _relations(pdf, report)
    _activities(pdf, report)
    return bytes(pdf.output())


def _relations(pdf: pdfpage.Document, report: dict) -> None:
    pdfpage.heading(pdf, "Does engagement go with results?", 12)
    pdfpage.paragraph(
        pdf,
        "Per participant: engagement events against mean goal progress, and against mean "
        "satisfaction. Spearman's rho (ranks) and Pearson's r; n is how many people stand "
        "behind each figure, p how likely chance alone gives a relation this strong.",
        9,
        muted=True,
    )
    rows = [
        relation_row("Engagement and goal achievement", report["engagement_goals"]),
        relation_row("Engagement and satisfaction", report["engagement_satisfaction"]),
    ]
    pdfpage.table(pdf, ["Relation", "rho", "r", "n", "p", "Reading"], rows,
                  WIDTHS)  # fmt: skip


def _activities(pdf: pdfpage.Document, report: dict) -> None:
    pdfpage.heading(pdf, "Which activities go with goal achievement?", 12)
    bars = [(a["label"], a["spearman"], a["little_effect"]) for a in report["activities"]]
    title = "Activities and goal achievement (Spearman's rho)"
    pdfpage.place_svg(pdf, correlation_bars(bars, "activities", title), 170)
    rows = [relation_row(a["label"], a) for a in report["activities"]]
    pdfpage.table(pdf, ["Activity", "rho", "r", "n", "p", "Reading"], rows,
                  WIDTHS)  # fmt: skip
    weak = [a["label"] for a in report["activities"] if a["little_effect"]]
    if weak:
        pdfpage.paragraph(
            pdf,
            "Little effect shown: " + "; ".join(weak) + ". These activities do not go with "
            "better goal progress here; consider changing or replacing them.",
        )
    else:
        pdfpage.paragraph(pdf, "Every activity goes with goal progress here.")
