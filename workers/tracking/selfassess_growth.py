"""Growth per competence: each person's first rating against their latest, and the
programme's average of each, counted over the people rated at least twice."""

from __future__ import annotations

from collections import defaultdict

from peewee import Case, fn

from models import Competence, Person, SelfRating


def _ends(programme_id: int, person_id: int | None = None):
    """Return a subquery of every rating numbered from the first (rf 1) and the latest (rl 1)."""
    order = [SelfRating.at, SelfRating.id]
    where = SelfRating.programme == programme_id
    if person_id is not None:
        where &= SelfRating.person == person_id
    part = [SelfRating.person, SelfRating.competence]
    return (
        SelfRating.select(
            SelfRating.person.alias("person"),
            SelfRating.competence.alias("competence"),
            SelfRating.value,
            fn.ROW_NUMBER().over(partition_by=part, order_by=order).alias("rf"),
            fn.ROW_NUMBER()
            .over(partition_by=part, order_by=[SelfRating.at.desc(), SelfRating.id.desc()])
            .alias("rl"),
            fn.COUNT(SelfRating.id).over(partition_by=part).alias("n"),
        )
        .where(where)
        .alias("r")
    )


def person_growth(programme_id: int, person_id: int | None = None) -> list[dict]:
    """Return, per person and competence, the first and latest rating and how many there are."""
    r = _ends(programme_id, person_id)
    first = fn.MAX(Case(None, [(r.c.rf == 1, r.c.value)]))
    latest = fn.MAX(Case(None, [(r.c.rl == 1, r.c.value)]))
    query = (
        SelfRating.select(
            r.c.person,
            r.c.competence,
            first.alias("first"),
            latest.alias("latest"),
            fn.MAX(r.c.n).alias("n"),
        )
        .from_(r)
        .group_by(r.c.person, r.c.competence)
    )
    names = _names(programme_id)
    people = {p.id: p.name for p in Person.select(Person.id, Person.name).where(
        Person.id.in_({row["person"] for row in query.dicts()}))}  # fmt: skip
    rows = []
    for row in query.dicts():
        position, name = names[row["competence"]]
        rows.append(
            {
                "person": row["person"],
                "name": people.get(row["person"], ""),
                "position": position,
                "competence": name,
                "first": row["first"],
                "latest": row["latest"],
                "ratings": row["n"],
                "change": row["latest"] - row["first"] if row["n"] > 1 else None,
            }
        )
    return sorted(rows, key=lambda g: (g["name"], g["person"], g["position"]))


def programme_growth(programme_id: int) -> list[dict]:
    """Return, per competence, the average first and latest rating of the people rated twice."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in person_growth(programme_id):
        if row["change"] is not None:
            acc = sums[row["position"]]
            acc[0] += row["first"]
            acc[1] += row["latest"]
            acc[2] += 1
    out = []
    for position, name in sorted(_names(programme_id).values()):
        first, latest, n = sums[position] if position in sums else (0.0, 0.0, 0)
        avg_first = round(first / n, 2) if n else None
        avg_latest = round(latest / n, 2) if n else None
        change = round(avg_latest - avg_first, 2) if n else None
        out.append({"position": position, "competence": name, "people": n,
                    "first": avg_first, "latest": avg_latest, "change": change})  # fmt: skip
    return out


def _names(programme_id: int) -> dict[int, tuple[int, str]]:
    query = Competence.select().where(Competence.programme == programme_id)
    return {c.id: (c.position, c.name) for c in query}
