"""/v1/articles: the CMS's publish, update and retract calls."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response
from sqlalchemy.exc import IntegrityError

from service import ingest, outbox, status, terminology
from service.db import session_scope
from service.deps import Publisher, Reader, RuntimeDep, SessionDep, Signed
from service.http_errors import ApiError
from service.ingest import IngestResult
from service.runtime import Runtime
from service.schemas import (
    ARTICLE_ID_PATTERN,
    ArticleContent,
    ArticleIn,
    ArticleOut,
    IngestOut,
    TranslationOut,
)

router = APIRouter(prefix="/v1/articles", tags=["articles"])
WRITES = [Signed]
ArticlePath = Path(pattern=ARTICLE_ID_PATTERN, description="the CMS's article id")


def _ingest(runtime: Runtime, article_id: str, content: ArticleContent, put: bool) -> IngestOut:
    targets = runtime.settings.target_languages
    for attempt in range(2):
        try:
            with session_scope(runtime.sessions) as session:
                action = ingest.replace if put else ingest.create
                result: IngestResult = action(session, article_id, content, targets)
                if result.created_revision:
                    matcher = runtime.matchers.for_categories(session, result.revision.categories)
                    terminology.index_article(session, article_id, result.revision, matcher)
                job_ids = [job.id for job in result.jobs] if result.created_revision else []
                out = status.article_out(session, result.article)
            break
        except IntegrityError as exc:
            # Two identical requests raced; the second now sees the first's row.
            if attempt == 1:
                raise ApiError(
                    409, "conflict", f"article {article_id} changed concurrently; send it again"
                ) from exc
    if job_ids:
        runtime.feeds_changed("ja")
        outbox.dispatch(runtime, job_ids)
        with session_scope(runtime.sessions) as session:
            out = status.get_article(session, article_id)
    return IngestOut(
        article=out, created_revision=result.created_revision, duplicate=not result.created_revision
    )


@router.post(
    "",
    dependencies=WRITES,
    status_code=202,
    response_model=IngestOut,
    responses={
        200: {"description": "same content as before: no new work"},
        409: {"description": "the article exists with other content"},
    },
)
def create_article(
    body: ArticleIn, runtime: RuntimeDep, _: Publisher, response: Response
) -> IngestOut:
    """Publish an article: one translation job per configured target language."""
    content = ArticleContent.model_validate(body.model_dump(exclude={"id"}))
    out = _ingest(runtime, body.id, content, put=False)
    if out.duplicate:
        response.status_code = 200
    return out


@router.put("/{article_id}", dependencies=WRITES, status_code=202, response_model=IngestOut)
def replace_article(
    body: ArticleContent,
    runtime: RuntimeDep,
    _: Publisher,
    response: Response,
    article_id: str = ArticlePath,
) -> IngestOut:
    """Update (or publish) an article: changed content makes a new revision and new jobs."""
    out = _ingest(runtime, article_id, body, put=True)
    if out.duplicate:
        response.status_code = 200
    return out


@router.delete("/{article_id}", dependencies=WRITES, response_model=ArticleOut)
def retract_article(
    runtime: RuntimeDep, session: SessionDep, _: Publisher, article_id: str = ArticlePath
) -> ArticleOut:
    """Retract an article: it leaves every feed; its history is kept."""
    article = ingest.retract(session, article_id)
    out = status.article_out(session, article)
    session.commit()
    runtime.feeds_changed("ja", *runtime.settings.target_languages)
    return out


@router.get("/{article_id}", response_model=ArticleOut)
def get_article(session: SessionDep, _: Reader, article_id: str = ArticlePath) -> ArticleOut:
    """An article with its per-language translation status."""
    return status.get_article(session, article_id)


@router.get("/{article_id}/translations/{lang}", response_model=TranslationOut)
def get_translation(
    session: SessionDep,
    principal: Reader,
    article_id: str = ArticlePath,
    lang: str = Path(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"),
) -> TranslationOut:
    """The newest translation of a published article in one language, with its report."""
    if not principal.may_read_language(lang):
        raise ApiError(403, "forbidden", f"this key does not cover language {lang!r}")
    found = status.latest_translation(session, article_id, lang)
    if found is None:
        raise ApiError(404, "not_found", f"no {lang} translation of article {article_id}")
    if principal.sections is not None and not any(
        principal.may_read_section(c) for c in found.categories
    ):
        raise ApiError(403, "forbidden", "this key does not cover the article's sections")
    return found
