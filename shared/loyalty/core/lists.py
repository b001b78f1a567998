"""The v2 list envelope, and the service side of a program member's lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from loyalty.core import ids
from loyalty.core.errors import not_found
from loyalty.core.listing import ListQuery, ListSpec, parse


def list_view(items: Sequence[Mapping[str, Any]], cursor: dict[str, str] | None) -> dict[str, Any]:
    """The v2 list envelope."""
    return {"object": "list", "data": items, "cursor": cursor}


MemberPage = tuple[Sequence[Mapping[str, Any]], dict[str, str] | None]


def member_list(program_id: str, member_id: str, params: Sequence[tuple[str, str]], spec: ListSpec,
                read: Callable[[ListQuery], MemberPage | None]) -> dict[str, Any]:
    """A page of one of a program member's lists: the parameters checked against `spec`, the ids' shapes checked (404),
    `read` giving the page or None when the member is not the program's (404 `member`)."""
    query = parse(params, spec)
    ids.PROGRAM.check(program_id)
    ids.MEMBER.check(member_id)
    page = read(query)
    if page is None:
        raise not_found("member", member_id)
    return list_view(page[0], page[1])
