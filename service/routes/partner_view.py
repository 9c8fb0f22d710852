"""/v1/partner-view: what a partner key sees, for an admin answering "why is this article not in
our feed?" without the partner's token: the partner keys with their scopes, and the first page
of a key's feed in a language, built exactly as the feed itself is (feed_query.build_feed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from service import api_keys, feed_query
from service.deps import Admin, RuntimeDep, SessionDep
from service.errors import NotFound
from service.settings import LANGUAGE_PATTERN

router = APIRouter(prefix="/v1/partner-view", tags=["partner view"])


class PartnerKeyOut(BaseModel):
    id: int
    name: str
    languages: list[str] | None
    sections: list[str] | None
    include_needs_review: bool


class PartnerItemOut(BaseModel):
    id: str
    title: str
    url: str
    updated: datetime
    categories: list[str]
    needs_review: bool


class PartnerFeedOut(BaseModel):
    key: PartnerKeyOut
    lang: str
    items: list[PartnerItemOut]
    more: bool


def _key_out(p: api_keys.Principal) -> PartnerKeyOut:
    return PartnerKeyOut(
        id=p.key_id,
        name=p.name,
        languages=list(p.languages) if p.languages else None,
        sections=list(p.sections) if p.sections else None,
        include_needs_review=p.include_needs_review,
    )


@router.get("", response_model=list[PartnerKeyOut])
def partner_keys(session: SessionDep, _: Admin) -> list[PartnerKeyOut]:
    """The partner keys in use (revoked ones left out), with what they may read."""
    found = (api_keys.principal_by_id(session, row.id) for row in api_keys.list_keys(session))
    return [_key_out(p) for p in found if p is not None and p.role == "partner"]


@router.get(
    "/{key_id}/{lang}",
    response_model=PartnerFeedOut,
    responses={404: {"description": "no such partner key, or not its language"}},
)
def partner_feed(
    runtime: RuntimeDep,
    session: SessionDep,
    _: Admin,
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Annotated[str, Path(pattern=LANGUAGE_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PartnerFeedOut:
    """The first page of the key's feed in `lang`: the items it would get now."""
    principal = api_keys.principal_by_id(session, key_id)
    if principal is None or principal.role != "partner":
        raise NotFound(f"no partner key {key_id}")
    if principal.languages and lang not in principal.languages:
        raise NotFound(
            f"key {key_id} does not read {lang} (it reads {', '.join(principal.languages)})"
        )
    query = feed_query.FeedQuery(lang=lang, fmt="json", category=None, limit=limit, before=None)
    feed = feed_query.build_feed(
        session, runtime.settings, principal, query, runtime.link_signer(key_id)
    )
    items = [
        PartnerItemOut(
            id=i.id,
            title=i.title,
            url=i.url,
            updated=i.updated,
            categories=list(i.categories),
            needs_review=i.needs_review,
        )
        for i in feed.items
    ]
    return PartnerFeedOut(
        key=_key_out(principal), lang=lang, items=items, more=feed.next_url is not None
    )
