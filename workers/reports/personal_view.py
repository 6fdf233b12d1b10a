"""A personal report shown two ways from one set of lines: an HTML email and a PDF."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from workers.reports import pdfpage
from workers.reports.charts import line_chart
from workers.reports.figures import fmt, percent
from workers.reports.series import Series

#: Badge kinds as a report names them.
BADGE_NAMES = {
    "first_submission": "First submission",
    "all_on_time": "Always on time",
    "goal_reached": "Goal reached",
    "sessions_attended": "Regular attender",
    "completed": "Programme completed",
}


def _rating(value: float | None) -> str:
    return "—" if value is None else f"{fmt(value)} / 5"


def headline(report: dict) -> list[tuple[str, str, str]]:
    """Return the report's figures as (label, value, what is behind it) lines."""
    work, seen, marks = report["assignments"], report["attendance"], report["ratings"]
    goals = report["goals"]
    achieved = sum(1 for g in goals if g["status"] == "achieved")
    recent = sum(w["events"] for w in report["weeks"])
    return [
        ("Assignments done", percent(work["completion_rate"]),
         f"{work['submitted']} of {work['set']} due so far; {work['overdue']} overdue,"
         f" {work['upcoming']} still to come"),
        ("On time", percent(work["on_time_rate"]),
         f"{work['on_time']} of {work['submitted']} submitted by the deadline"),
        ("Attendance", percent(seen["rate"]),
         f"{seen['attended']} session{'' if seen['attended'] == 1 else 's'} attended,"
         f" {seen['absent']} missed"),
        ("Engagement", str(recent),
         f"replies, submissions and sessions in the last {len(report['weeks'])} weeks"
         f" ({marks['events']} in all)"),
        ("Goals", f"{achieved} of {len(goals)}", "goals achieved"),
        ("Satisfaction", _rating(marks["satisfaction"]), "your mean answer to session surveys"),
        ("Self-assessment", _rating(marks["self_assessment"]), "your mean self-rating"),
    ]  # fmt: skip


def engagement_chart(report: dict, chart_id: str = "engagement") -> Markup:
    """Return the chart of the person's engagement per week."""
    points = [(w["week"][5:], f"week of {w['week']}", float(w["events"])) for w in report["weeks"]]
    return line_chart(Series(name="Engagement per week", points=points), chart_id, width=520)


def email_ctx(report: dict, for_team: bool = False) -> dict:
    """Return the plain values the personal-report emails render."""
    person = report["person"]
    return {
        "programme": report["programme"],
        "participant": person["name"],
        "for_team": for_team,
        "on": report["at"].isoformat(),
        "headline": [list(line) for line in headline(report)],
        "goals": [
            {
                "text": g["text"],
                "progress": g["progress"],
                "status": g["status"],
                "due": g["due_date"],
            }
            for g in report["goals"]
        ],  # fmt: skip
        "feedback": [
            {
                "title": f["title"],
                "score": None if f["score"] is None else fmt(f["score"]),
                "text": f["feedback"],
            }
            for f in report["feedback"]
        ],  # fmt: skip
        "badges": [BADGE_NAMES.get(b["kind"], b["kind"]) for b in report["badges"]],
        "attached_files": [pdf_name(report)],
    }


def pdf_name(report: dict) -> str:
    """Return the attachment's file name (no part of it comes from what people typed)."""
    return f"progress-{report['person']['id']}-{report['at'].isoformat()}.pdf"


def render_pdf(report: dict) -> bytes:
    """Return the personal report as PDF bytes."""
    person = report["person"]
    pdf = pdfpage.new_document(
        f"Progress report: {person['name']}", report["programme"], _midnight(report)
    )
    pdfpage.heading(pdf, f"Progress report: {person['name']}", 16)
    pdfpage.paragraph(pdf, f"{report['programme']} · {report['at']:%d %B %Y}", muted=True)
    pdfpage.table(pdf, ["Figure", "Value", "Behind it"], headline(report), [38, 26, 116])
    pdfpage.heading(pdf, "Engagement per week", 12)
    pdfpage.place_svg(pdf, engagement_chart(report), 180)
    _goals(pdf, report)
    _feedback(pdf, report)
    if report["badges"]:
        pdfpage.heading(pdf, "Badges", 12)
        names = [BADGE_NAMES.get(b["kind"], b["kind"]) for b in report["badges"]]
        pdfpage.paragraph(pdf, ", ".join(names))
    return bytes(pdf.output())


def _goals(pdf: pdfpage.Document, report: dict) -> None:
    pdfpage.heading(pdf, "Goals", 12)
    if not report["goals"]:
        pdfpage.paragraph(pdf, "No goals set yet.", muted=True)
        return
    rows = [[g["text"], f"{g['progress']}%", g["status"], g["due_date"] or "—"]
            for g in report["goals"]]  # fmt: skip
    pdfpage.table(pdf, ["Goal", "Progress", "Status", "Due"], rows, [110, 22, 24, 24])


def _feedback(pdf: pdfpage.Document, report: dict) -> None:
    pdfpage.heading(pdf, "Feedback", 12)
    if not report["feedback"]:
        pdfpage.paragraph(pdf, "No feedback yet.", muted=True)
    for item in report["feedback"]:
        score = "" if item["score"] is None else f" (score {fmt(item['score'])})"
        pdfpage.paragraph(pdf, f"{item['title']}{score}: {item['feedback']}")


def _midnight(report: dict) -> dt.datetime:
    return dt.datetime.combine(report["at"], dt.time())
