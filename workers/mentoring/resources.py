"""A programme's resource library: links and files tagged by theme, suggested in emails by
the goals a pair works on.

A file is served behind a signed link that needs no login (people read their email, they do
not log in); the link names the resource and nothing else, and a forged one is refused.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from models import Goal, MentoringGroup, MentorProfile, Programme, Resource
from workers import settings as settings_mod
from workers.mentoring.errors import MentoringError
from workers.mentoring.invitations import attendees
from workers.mentoring.scoring import normalise_tags, split_tags

#: Largest file the library takes.
MAX_FILE = 10 * 1024 * 1024

#: Most resources one email suggests.
SUGGESTED = 3

#: What the signed file links are for (a link signed for anything else is refused).
SALT = "mentoring-resource"


class ResourceError(MentoringError):
    """A resource cannot be added as given."""


def add_resource(
    programme: Programme,
    title: str,
    tags: str,
    url: str = "",
    file: tuple[str, str, bytes] | None = None,
    by: str = "",
) -> Resource:
    """Add a link (``url``) or a file (name, content type, bytes) tagged by theme."""
    title = " ".join(title.split())[:200]
    url = url.strip()
    if not title:
        raise ResourceError("a resource needs a title")
    if bool(url) == bool(file):
        raise ResourceError("give either a link or a file")
    if url and not url.lower().startswith(("https://", "http://")):
        raise ResourceError("a link starts with https:// or http://")
    if file and len(file[2]) > MAX_FILE:
        raise ResourceError(f"files up to {MAX_FILE // (1024 * 1024)} MB")
    name, kind, data = file or ("", "", None)
    return Resource.create(
        programme=programme,
        title=title,
        url=url[:1000],
        tags="; ".join(split_tags(tags))[:500],
        # The name is the uploader's: no folders, no control characters (NUL included).
        filename="".join(c if c.isprintable() and c not in "/\\" else "_" for c in name)[-150:],
        content_type=kind[:100],
        data=data,
        created_by=by,
    )


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(settings_mod.get().secret_key, salt=SALT)


def file_link(resource: Resource) -> str:
    """Return the link a person follows to a file of the library (or the resource's URL)."""
    if resource.url:
        return resource.url
    token = _signer().dumps(resource.id)
    return f"{settings_mod.get().base_url}/mentoring/resources/{token}"


def resource_for(token: str) -> Resource | None:
    """Return the file resource a signed link names, or None when the link is not genuine."""
    try:
        resource_id = _signer().loads(token)
    except BadSignature:
        return None
    found = Resource.get_or_none(Resource.id == resource_id)
    return found if found is not None and found.data is not None else None


def themes(group: MentoringGroup) -> set[str]:
    """Return the themes a group works on: its mentees' goals and profile goals, its theme."""
    mentees = [a.person.id for a in attendees(group) if a.role == "mentee"]
    words = list(split_tags(group.theme or ""))
    for profile in MentorProfile.select().where(
        (MentorProfile.programme == group.programme_id) & MentorProfile.person.in_(mentees)
    ):
        words += split_tags(profile.goals)
    for goal in Goal.select().where(Goal.programme == group.programme_id, Goal.person.in_(mentees)):
        words.append(goal.text)
    return normalise_tags(words)


def suggest(group: MentoringGroup, n: int = SUGGESTED) -> list[dict]:
    """Return up to ``n`` resources whose tags meet the group's themes, most tags met first."""
    wanted = themes(group)
    scored = []
    for resource in Resource.select().where(Resource.programme == group.programme_id):
        tags = normalise_tags(split_tags(resource.tags))
        met = {t for t in tags if any(t in w or w in t for w in wanted)}
        if met:
            scored.append((-len(met), resource.id, resource, sorted(met)))
    scored.sort(key=lambda row: row[:2])
    return [{"title": r.title, "link": file_link(r), "tags": met} for _, _, r, met in scored[:n]]
