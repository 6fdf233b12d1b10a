"""Survey figures: response rates, mean satisfaction and the net promoter score, by survey.

NPS counts answers to "how likely are you to recommend" from 0 to 10: promoters answer 9 or
10, passives 7 or 8, detractors 0 to 6. The score is the share of promoters minus the share
of detractors, in points from -100 to 100. Every figure is one GROUP BY in the database.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from models import Person, Survey, SurveyResponse
from workers.tracking.completion import rate
from workers.tracking.scope import count_if, count_rows

#: Lowest answer of a promoter, highest of a detractor.
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6

#: Comments a page shows per survey at most.
COMMENTS_SHOWN = 200


def net_promoter_score(promoters: int, passives: int, detractors: int) -> float | None:
    """Return the NPS of these counts (-100..100, one decimal), or None without answers."""
    total = promoters + passives + detractors
    if not total:
        return None
    return round(100 * (promoters - detractors) / total, 1)


def nps_of(answers: list[int]) -> dict:
    """Return promoters, passives, detractors and the NPS of a list of 0-10 answers."""
    promoters = sum(1 for a in answers if a >= PROMOTER_FROM)
    detractors = sum(1 for a in answers if a <= DETRACTOR_UP_TO)
    passives = len(answers) - promoters - detractors
    return _nps_dict(promoters, passives, detractors)


def _nps_dict(promoters: int, passives: int, detractors: int) -> dict:
    return {
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "nps": net_promoter_score(promoters, passives, detractors),
    }


def _columns() -> list:
    r = SurveyResponse
    return [
        count_rows().alias("people"),
        count_if(r.status != "scheduled").alias("asked"),
        count_if(r.status == "answered").alias("answered"),
        count_if(r.nps >= PROMOTER_FROM).alias("promoters"),
        count_if((r.nps > DETRACTOR_UP_TO) & (r.nps < PROMOTER_FROM)).alias("passives"),
        count_if(r.nps <= DETRACTOR_UP_TO).alias("detractors"),
        fn.AVG(r.satisfaction).alias("satisfaction"),
        fn.COUNT(r.satisfaction).alias("satisfaction_n"),
        count_if(r.comment != "").alias("comments"),
    ]


def _figures(row: dict) -> dict:
    counts = {k: int(row[k] or 0) for k in ("promoters", "passives", "detractors")}
    mean = row["satisfaction"]
    answered, asked = int(row["answered"] or 0), int(row["asked"] or 0)
    return {
        "people": int(row["people"] or 0),
        "asked": asked,
        "waiting": int(row["people"] or 0) - asked,  # deferred to a week with room
        "answered": answered,
        "response_rate": rate(answered, asked),
        "satisfaction": None if mean is None else round(float(mean), 2),
        "satisfaction_n": int(row["satisfaction_n"] or 0),
        "comments": int(row["comments"] or 0),
        **_nps_dict(**counts),
    }


def programme_surveys(programme_id: int) -> list[dict]:
    """Return every survey of a programme with its figures, newest first."""
    figures = {
        row["survey"]: _figures(row)
        for row in SurveyResponse.select(SurveyResponse.survey, *_columns())
        .where(SurveyResponse.programme == programme_id)
        .group_by(SurveyResponse.survey)
        .dicts()
    }
    empty = _figures(
        dict.fromkeys(("people", "asked", "answered", "satisfaction"), None)
        | {k: 0 for k in ("promoters", "passives", "detractors", "satisfaction_n", "comments")}
    )
    surveys = (
        Survey.select()
        .where(Survey.programme == programme_id)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
    )
    return [
        {
            "id": s.id,
            "title": s.title,
            "kind": s.kind,
            "asks": s.questions,
            "created_at": s.created_at,
            **figures.get(s.id, empty),
        }
        for s in surveys
    ]


def programme_nps(programme_id: int, until: dt.datetime) -> dict:
    """Return the NPS over every answer a programme's surveys had by ``until``."""
    row = (
        SurveyResponse.select(*_columns())
        .where((SurveyResponse.programme == programme_id) & (SurveyResponse.answered_at <= until))
        .dicts()
        .get()
    )
    return _figures(row)


def comments(survey_id: int, limit: int = COMMENTS_SHOWN) -> list[dict]:
    """Return a survey's comments with who wrote them and their scores, newest first."""
    query = (
        SurveyResponse.select(
            Person.name,
            SurveyResponse.satisfaction,
            SurveyResponse.nps,
            SurveyResponse.comment,
            SurveyResponse.answered_at,
        )
        .join(Person)
        .where((SurveyResponse.survey == survey_id) & (SurveyResponse.comment != ""))
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    )
    return list(query.dicts())
