"""The dashboard's tables as rows for CSV: a header row, then one row per line of the table."""

from __future__ import annotations

import csv
import io

from models.tracking import RATING_KINDS

#: The headline figures, in the order the page and the CSV list them: (label, section, key).
HEADLINES = (
    ("participants", None, "participants"),
    ("assignments set", "assignments", "set"),
    ("assignments submitted", "assignments", "submitted"),
    ("completion rate", "assignments", "completion_rate"),
    ("on-time rate", "assignments", "on_time_rate"),
    ("goals", "goals", "goals"),
    ("goals achieved", "goals", "achieved"),
    ("goal achievement", "goals", "achievement_rate"),
    ("programme completion", "programme_completion", "rate"),
    ("at risk", "at_risk", "open"),
)

#: Columns of the weekly engagement table.
ENGAGEMENT_COLUMNS = (
    "week",
    "active",
    "events",
    "replies",
    "submissions",
    "attended",
    "absent",
    "peer",
    *(f"{kind}_mean" for kind in RATING_KINDS),
)

#: Columns of the at-risk table.
AT_RISK_COLUMNS = ("name", "email", "department", "score", "raised_at", "reasons", "outcome")


def tables(summary: dict) -> dict[str, list[list]]:
    """Return each table of a dashboard summary as rows, header first."""
    headline = [["figure", "value"]]
    for label, section, key in HEADLINES:
        headline.append([label, (summary[section] if section else summary)[key]])
    for kind, figures in summary["ratings"].items():
        headline.append([f"{kind} mean", figures["mean"]])
        headline.append([f"{kind} answers", figures["answers"]])
    weeks = [list(ENGAGEMENT_COLUMNS)]
    weeks += [[row[c] for c in ENGAGEMENT_COLUMNS] for row in summary["engagement"]]
    risk = [list(AT_RISK_COLUMNS)]
    for row in summary["at_risk"]["people"]:
        risk.append(
            [*(row[c] for c in AT_RISK_COLUMNS[:5]), "; ".join(row["reasons"]), row["outcome"]]
        )
    return {"headline": headline, "engagement": weeks, "at_risk": risk}


#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(rows: list[list]) -> str:
    """Return rows as CSV text, text that a spreadsheet would run as a formula made inert."""
    out = io.StringIO()
    csv.writer(out).writerows([[_inert(cell) for cell in row] for row in rows])
    return out.getvalue()


def _inert(cell):
    # Names and reasons come from what people typed; "=HYPERLINK(...)" must stay text.
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
