"""Settling a read reply: merge answers per item and metric, refuse contradictions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field

from workers.grammar.items import ItemUpdate
from workers.grammar.text import collapse
from workers.grammar.values import MetricReading


@dataclass
class ReplyFields:
    """What a reply says in a structured way, the free text left over, and what was unclear."""

    items: list[ItemUpdate] = field(default_factory=list)
    metrics: list[MetricReading] = field(default_factory=list)
    rating: tuple[float, float] | None = None  # (value, scale), as in 4 out of 5
    answer: bool | None = None
    dates: list[dt.date] = field(default_factory=list)
    comment: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the fields as plain JSON-ready values (dates as ISO strings)."""
        return json.loads(json.dumps(dataclasses.asdict(self), default=dt.date.isoformat))


@dataclass
class Draft:
    """A reply being read: results so far and the lines kept as comment, by line number."""

    today: dt.date
    open_items: list[int] | None
    metric_names: list[str]
    fields: ReplyFields = field(default_factory=ReplyFields)
    kept: dict[int, str] = field(default_factory=dict)
    updates: list[tuple[int, ItemUpdate, bool]] = field(default_factory=list)
    readings: list[tuple[int, MetricReading]] = field(default_factory=list)
    ratings: list[tuple[float, float]] = field(default_factory=list)
    answers: list[bool] = field(default_factory=list)


def settle(draft: Draft) -> None:
    """Merge answers per item and metric, refuse contradictions, and build the comment."""
    fields = draft.fields
    _settle_items(draft)
    by_name: dict[str, list[tuple[int, MetricReading]]] = {}
    for index, reading in draft.readings:
        by_name.setdefault(reading.name, []).append((index, reading))
    for name, group in by_name.items():
        if len({r.value for _, r in group}) > 1:
            _conflict(draft, f"{name} has two different values", group)
        else:
            fields.metrics.append(group[0][1])
    ratings = list(dict.fromkeys(draft.ratings))
    fields.rating = ratings[0] if len(ratings) == 1 else None
    if len(ratings) > 1:
        fields.problems.append("The reply gives more than one rating, so I recorded none.")
    answers = set(draft.answers)
    fields.answer = answers.pop() if len(answers) == 1 else None
    if len(answers) > 1:
        fields.problems.append("The reply says both yes and no, so I recorded neither.")
    fields.dates = list(dict.fromkeys([u.due for _, u, _ in draft.updates if u.due] + fields.dates))
    fields.problems = _distinct(fields.problems)
    fields.comment = collapse([draft.kept[i] for i in sorted(draft.kept)])


def _settle_items(draft: Draft) -> None:
    """Merge the answers for each item; two different statuses or dates cancel both."""
    groups: dict[int, list[tuple[int, ItemUpdate, bool]]] = {}
    for entry in draft.updates:
        groups.setdefault(entry[1].number, []).append(entry)
    for number, group in groups.items():
        statuses = {(u.status, u.percent) for _, u, due_only in group if not due_only}
        dues = {u.due for _, u, _ in group if u.due}
        if len(statuses) > 1 or len(dues) > 1:
            _conflict(draft, f"Item {number} has two different answers", group)
            continue
        status, percent = statuses.pop() if statuses else ("open", None)
        reasons = list(dict.fromkeys(u.reason for _, u, _ in group if u.reason))
        lines = list(dict.fromkeys(u.line for _, u, _ in group))
        due = dues.pop() if dues else None
        update = ItemUpdate(number, status, percent, "; ".join(reasons), due, "\n".join(lines))
        draft.fields.items.append(update)


def _conflict(draft: Draft, what: str, group: list[tuple]) -> None:
    """Refuse contradicting answers: keep their lines as comment and say why."""
    lines = list(dict.fromkeys(entry[1].line for entry in group))
    quoted = " and ".join(f'"{line}"' for line in lines)
    draft.fields.problems.append(f"{what} ({quoted}), so I changed nothing; which one is right?")
    for entry in group:
        draft.kept[entry[0]] = entry[1].line


def _distinct(problems: list[str]) -> list[str]:
    """Drop problems already said inside an earlier, longer one."""
    kept: list[str] = []
    for problem in problems:
        if not any(problem.lower() in earlier.lower() for earlier in kept):
            kept.append(problem)
    return kept
