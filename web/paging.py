"""Split long lists into pages: the page a request asks for, and links to the others."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from peewee import Query

from web.ids import parse_id

#: Rows on one page of a list unless the view says otherwise.
PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and how many pages there are."""

    items: list
    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        """Tell whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Tell whether there is a page after this one."""
        return self.number < self.pages


def requested_page() -> int:
    """Return the page number the request asks for (``?page=N``), at least 1."""
    return max(1, request.args.get("page", 1, type=parse_id) or 1)


def paginate(
    query: Query, per_page: int = PER_PAGE, number: int | None = None, total: int | None = None
) -> Page:
    """Return the requested page of ``query`` (an ordered select); past the end, the last.

    ``total``, when the caller counted the rows already, saves counting them again.
    """
    total = query.count() if total is None else total
    pages = max(1, -(-total // per_page))
    number = min(number or requested_page(), pages)
    items = list(query.paginate(number, per_page)) if total else []
    return Page(items=items, number=number, pages=pages, total=total)
