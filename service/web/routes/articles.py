"""/v1/articles: the CMS's publish, update and retract calls."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from service.articles import cms_calls
from service.articles import views as article_views
from service.errors import Invalid
from service.schemas import (
    ARTICLE_ID_PATTERN,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticleReplace,
    IngestOut,
    TranslationOut,
)
from service.settings import LANGUAGE_PATTERN
from service.web.deps import Publisher, Reader, RuntimeDep, SessionDep, Signed

router = APIRouter(prefix="/v1/articles", tags=["articles"])
WRITES = [Signed]
ArticlePath = Path(pattern=ARTICLE_ID_PATTERN, description="the CMS's article id")


@router.post(
    "",
    dependencies=WRITES,
    status_code=202,
    response_model=IngestOut,
    responses={
        200: {"description": "same content as before: no new work"},
        409: {"description": "the article exists with other content"},
        422: {"description": "invalid body, e.g. an `embargoed_until` without a UTC offset"},
    },
)
def create_article(
    body: ArticleIn, runtime: RuntimeDep, _: Publisher, response: Response
) -> IngestOut:
    """Publish an article: one translation job per configured target language."""
    content = body.content()
    out = cms_calls.accept(
        runtime.sessions,
        runtime.settings,
        runtime.matchers,
        body.id,
        content,
        put=False,
        embargo=(True, body.embargoed_until),
    )
    if out.duplicate:
        response.status_code = 200
    return out


@router.put(
    "/{article_id}",
    dependencies=WRITES,
    status_code=202,
    response_model=IngestOut,
    responses={
        200: {"description": "same content as before: no new work (an embargo may change)"},
        409: {"description": "an embargo on an article partners can already read"},
    },
)
def replace_article(
    body: ArticleReplace,
    runtime: RuntimeDep,
    _: Publisher,
    response: Response,
    article_id: str = ArticlePath,
) -> IngestOut:
    """Update (or publish) an article: changed content makes a new revision and new jobs.
    The body is POST's; an `id` in it must equal the path's."""
    if body.id is not None and body.id != article_id:
        raise Invalid(
            f"the body's id {body.id!r} is not the path's {article_id!r}", code="id_mismatch"
        )
    content = body.content()
    # A PUT that leaves `embargoed_until` out keeps the embargo as it is.
    embargo = ("embargoed_until" in body.model_fields_set, body.embargoed_until)
    out = cms_calls.accept(
        runtime.sessions,
        runtime.settings,
        runtime.matchers,
        article_id,
        content,
        put=True,
        embargo=embargo,
    )
    if out.duplicate:
        response.status_code = 200
    return out


@router.delete("/{article_id}", dependencies=WRITES, response_model=ArticleOut)
def retract_article(
    runtime: RuntimeDep, session: SessionDep, _: Publisher, article_id: str = ArticlePath
) -> ArticleOut:
    """Retract an article: it leaves every feed; its history is kept."""
    return cms_calls.retract(session, runtime.settings.target_languages, article_id)


@router.get(
    "",
    response_model=ArticlePage,
    responses={400: {"description": "a cursor this service did not make"}},
)
def list_articles(
    session: SessionDep,
    _: Publisher,
    status: Annotated[Literal["published", "retracted"] | None, Query()] = None,
    updated_since: Annotated[AwareDatetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ArticlePage:
    """Articles (by id) with their per-language states, for reconciliation: those changed
    since `updated_since` (the article, or any of its translation jobs), paged by `cursor`."""
    return article_views.list_articles(
        session, status=status, updated_since=updated_since, cursor=cursor, limit=limit
    )


@router.get("/{article_id}", response_model=ArticleOut)
def get_article(
    session: SessionDep, principal: Reader, article_id: str = ArticlePath
) -> ArticleOut:
    """An article with its per-language translation status (a scoped key: its languages'
    jobs of an article in its sections)."""
    return article_views.get_article(session, article_id, principal)


@router.get("/{article_id}/translations/{lang}", response_model=TranslationOut)
def get_translation(
    session: SessionDep,
    principal: Reader,
    article_id: str = ArticlePath,
    lang: str = Path(pattern=LANGUAGE_PATTERN),
) -> TranslationOut:
    """A published article's translation in one language, with its report: the newest one
    for keys that include items needing review, else the last good (or approved) one."""
    return article_views.translation_for(session, article_id, lang, principal)
