"""Signed links to a survey's form: no login, one person's answer to one survey, expiring.

The link names one survey response (one person asked one survey) and that person, is signed
for this purpose alone (its salt), expires with the reply addresses (``REPLY_TOKEN_DAYS``)
and survives a SECRET_KEY change as they do, like the needs questionnaire's links
(``workers.mentoring.assessment``).
"""

from __future__ import annotations

import datetime as dt

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from models import SurveyResponse, clock
from workers import settings as settings_mod
from workers.tracking.errors import TrackingError

#: Signs the survey form links; used for nothing else, so no other signed value passes as one.
LINK_SALT = "tandem.tracking.survey-form"


class SurveyLinkError(TrackingError):
    """A survey link is forged, changed, or names an answer that no longer exists."""


class ExpiredSurveyLinkError(SurveyLinkError):
    """A survey link was good but is too old."""


class ClockSigner(TimestampSigner):
    """A timestamp signer that reads Tandem's clock, so tests can move time."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=dt.UTC).timestamp())


def _serializer() -> URLSafeTimedSerializer:
    # Sign with the newest key, verify with any: links sent before a key change still work.
    keys = list(reversed(settings_mod.get().verification_keys))
    return URLSafeTimedSerializer(keys, salt=LINK_SALT, signer=ClockSigner)


def make_token(response_id: int, person_id: int) -> str:
    """Return the signed token naming one person's answer to one survey."""
    return _serializer().dumps({"r": response_id, "p": person_id})


def form_url(response: SurveyResponse) -> str:
    """Return the address of a person's survey form (no login needed)."""
    return f"{settings_mod.get().base_url}/survey/{make_token(response.id, response.person_id)}"


def read_token(token: str) -> SurveyResponse:
    """Return the survey response a link names; raise SurveyLinkError if it is not good."""
    max_age = settings_mod.get().reply_token_days * 86400
    try:
        data = _serializer().loads(token[:500], max_age=max_age)
    except SignatureExpired:
        raise ExpiredSurveyLinkError("this link has expired") from None
    except BadSignature:
        raise SurveyLinkError("this link is not valid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "rp"):
        raise SurveyLinkError("this link is not valid")
    found = SurveyResponse.get_or_none(
        (SurveyResponse.id == data["r"]) & (SurveyResponse.person == data["p"])
    )
    if found is None:
        raise SurveyLinkError("this survey no longer exists")
    return found
