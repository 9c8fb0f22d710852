"""/websub/{key}/{signature}/{lang}.{format}: a key's feed for WebSub hubs, which carry no
token (see `service.syndication.topics`); /v1/push/topics lists a key's topic URLs."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Response

import feeds as feed_render
from service.access.api_keys import principal_by_id
from service.errors import NotFound
from service.settings import LANGUAGE_PATTERN
from service.store.db import session_scope
from service.syndication import query as feed_query
from service.syndication import topics
from service.syndication.query import FeedQuery
from service.web.deps import Partner, RuntimeDep

router = APIRouter(tags=["push"])


@router.get(
    "/websub/{key_id}/{sig}/{lang}.{fmt}",
    response_class=Response,
    responses={404: {"description": "no such topic (a wrong signature, a revoked key)"}},
)
def topic_feed(
    runtime: RuntimeDep,
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    sig: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    lang: Annotated[str, Path(pattern=LANGUAGE_PATTERN)],
    fmt: str,
) -> Response:
    """The key's newest feed page, for a hub: the signed path is the credential."""
    if fmt not in topics.FORMATS or not topics.valid(runtime.link_secret, key_id, lang, fmt, sig):
        raise NotFound("no such topic")
    with session_scope(runtime.sessions) as session:
        principal = principal_by_id(session, key_id)
        if principal is None or not principal.may_read_language(lang):
            raise NotFound("no such topic")
        if lang != "ja" and lang not in runtime.settings.target_languages:
            raise NotFound("no such topic")
        query = FeedQuery(lang=lang, fmt=fmt, category=None, limit=50, before=None)
        feed = feed_query.build_feed(
            session, runtime.settings, principal, query, runtime.link_signer(key_id)
        )
    base = runtime.settings.public_url
    self_url = topics.topic_url(base, runtime.link_secret, key_id, lang, fmt)
    feed = dataclasses.replace(feed, self_url=self_url, next_url=None)
    cached = feed_query.render_cached(feed_render.render(feed, fmt), feed.updated)
    return Response(
        cached.body,
        media_type=feed_render.MEDIA_TYPES[fmt],
        headers={"ETag": cached.etag, "Last-Modified": cached.last_modified},
    )


@router.get("/v1/push/topics", response_model=list[str])
def list_topics(runtime: RuntimeDep, principal: Partner) -> list[str]:
    """This key's WebSub topic URLs (per language and format): subscribe a hub to them; they
    are pinged whenever the key is pushed a change in that language."""
    langs = [
        lang
        for lang in ("ja", *runtime.settings.target_languages)
        if principal.may_read_language(lang)
    ]
    return topics.topics(runtime.settings.public_url, runtime.link_secret, principal.key_id, langs)
