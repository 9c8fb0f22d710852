"""/v1/items/{id}/{lang}.ninjs: one item in IPTC ninjs (3.1, or 2.2 with `?version=2.2`),
as the reading key's feed shows it; a retraction is a `canceled` stub."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from feeds import ninjs
from service.errors import Forbidden, NotFound
from service.schemas import ARTICLE_ID_PATTERN
from service.settings import LANGUAGE_PATTERN
from service.store.db import session_scope
from service.syndication import item_views
from service.web.deps import Reader, RuntimeDep

router = APIRouter(prefix="/v1/items", tags=["items"])


@router.get(
    "/{article_id}/{lang}.ninjs",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "a ninjs object"},
        404: {"description": "no such item for this key (or not yet: under embargo)"},
    },
)
def item_ninjs(
    runtime: RuntimeDep,
    principal: Reader,
    article_id: Annotated[str, Path(pattern=ARTICLE_ID_PATTERN)],
    lang: Annotated[str, Path(pattern=LANGUAGE_PATTERN)],
    version: Annotated[Literal["3.1", "2.2"], Query()] = "3.1",
) -> Response:
    """The item in ninjs: `pubStatus` usable; `withheld` (with `embargoedUntil`) for editors
    and the CMS while under embargo (partners: 404); `canceled` once retracted."""
    if lang != "ja" and lang not in runtime.settings.target_languages:
        raise NotFound(f"no items in language {lang!r}")
    if not principal.may_read_language(lang):
        raise Forbidden(f"this key does not cover language {lang!r}")
    with session_scope(runtime.sessions) as session:
        doc = item_views.ninjs_for(
            session,
            runtime.settings,
            runtime.link_signer(principal.key_id),
            principal,
            article_id,
            lang,
            version,
        )
    if doc is None:
        raise NotFound(f"no article {article_id} in {lang!r} for this key")
    return Response(ninjs.dumps(doc), media_type=ninjs.MEDIA_TYPE)
