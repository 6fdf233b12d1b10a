"""Signed tracking links to materials: the link's page records the completion when the
participant goes on to the material (``web/material_link.py``).

A link names one material and one participant, signed with SECRET_KEY (previous keys still
verify, as for reply addresses), so it works without a login and nobody can make one for
someone else. It only ever leads to the address stored with the material, which was checked
to be http(s) when added: the link cannot be turned into a redirect to anywhere else.
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer

from models import Material
from workers import settings as settings_mod
from workers.tracking.engagement import is_participant
from workers.tracking.materials import MaterialError, complete, safe_url

#: What the links are for: a token signed for anything else is refused.
SALT = "tandem-material-link"

#: Longest token read at all (a real one is about 40 characters).
MAX_TOKEN = 200

#: The path of the link on the web app (``web/materials.py`` serves it).
LINK_PATH = "/m/"


class MaterialLinkError(MaterialError):
    """A material link is forged, damaged, or names something that is gone."""


def _serializer() -> URLSafeSerializer:
    keys = list(reversed(settings_mod.get().verification_keys))
    return URLSafeSerializer(keys, salt=SALT)


def link_token(material: Material, person_id: int) -> str:
    """Return the signed token of the participant's link to a material."""
    return _serializer().dumps([material.id, person_id])


def link_url(material: Material, person_id: int) -> str:
    """Return the participant's tracking link to a material."""
    return settings_mod.get().base_url + LINK_PATH + link_token(material, person_id)


def read_link(token: str) -> tuple[Material, int]:
    """Return the material and participant a link names; raise MaterialLinkError if it is bad."""
    if not token or len(token) > MAX_TOKEN:
        raise MaterialLinkError("this link is not valid")
    try:
        material_id, person_id = _serializer().loads(token)
    except (BadData, TypeError, ValueError):
        raise MaterialLinkError("this link is not valid") from None
    if not all(isinstance(v, int) and 0 < v < 2**63 for v in (material_id, person_id)):
        raise MaterialLinkError("this link is not valid")
    material = Material.get_or_none(Material.id == material_id)
    if material is None or not is_participant(material.programme_id, person_id):
        raise MaterialLinkError("this material is no longer available")
    return material, person_id


def follow(token: str) -> str:
    """Record the completion a link stands for; return the material's address to go to."""
    material, person_id = read_link(token)
    target = safe_url(material.url)
    complete(material, person_id, "link")
    return target
