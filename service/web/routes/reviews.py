"""/v1/reviews: the review desk. Editors (and admins) list the translations that need review
(filtered and paged in SQL), and approve them as they are or corrected, reject them (partners
keep the last published text), or have them translated again. Approving and rejecting need
the item's ETag in If-Match, as glossary entries do, so two editors never overwrite each
other silently."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from service.errors import Conflict, NotFound
from service.glossary import term_index
from service.review import desk as reviews
from service.review import queue as review_queue
from service.review.schemas import RejectIn, RetranslateOut, ReviewFacetsOut
from service.schemas import (
    ARTICLE_ID_PATTERN,
    ApprovalOut,
    ApproveIn,
    ReviewItemOut,
    ReviewPageOut,
    TranslationHistoryOut,
)
from service.settings import LANGUAGE_PATTERN
from service.store.tables import Article
from service.web.deps import Editor, RuntimeDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
ArticlePath = Path(pattern=ARTICLE_ID_PATTERN, description="the CMS's article id")
LangPath = Path(pattern=LANGUAGE_PATTERN)
Filter = Annotated[str | None, Query(min_length=1, max_length=100)]
IfMatch = Annotated[
    str | None, Header(description="the item's ETag (from the queue), required to decide")
]
DECIDE_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "nothing awaits review"},
    412: {"description": "the translation changed since it was read"},
    428: {"description": "If-Match is missing"},
}


def _item(item: review_queue.ReviewItem) -> ReviewItemOut:
    return ReviewItemOut.model_validate(asdict(item))


@router.get(
    "",
    response_model=ReviewPageOut,
    responses={400: {"description": "a cursor this service did not make"}},
)
def list_reviews(
    session: SessionDep,
    _: Editor,
    lang: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
    category: Filter = None,
    reason: Filter = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewPageOut:
    """Translations awaiting review, oldest first, with their reasons, flagged segments and
    ETag (for If-Match when approving or rejecting)."""
    filters = review_queue.Filters(lang=lang, category=category, reason=reason)
    page = review_queue.page(session, filters, cursor=cursor, limit=limit)
    return ReviewPageOut(items=[_item(i) for i in page.items], next_cursor=page.next_cursor)


@router.get("/facets", response_model=ReviewFacetsOut)
def review_facets(
    session: SessionDep,
    _: Editor,
    lang: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
) -> ReviewFacetsOut:
    """How many translations await review: in all, per language, and per reason and category
    (within `lang` when given)."""
    return ReviewFacetsOut.model_validate(asdict(review_queue.facets(session, lang)))


@router.get(
    "/{article_id}/{lang}", response_model=ReviewItemOut, responses={404: {"description": "none"}}
)
def review_item(
    session: SessionDep,
    response: Response,
    _: Editor,
    article_id: str = ArticlePath,
    lang: str = LangPath,
) -> ReviewItemOut:
    """The translation awaiting review, as the queue lists it, with its ETag as a header."""
    found = review_queue.one(session, article_id, lang)
    if found is None:
        raise NotFound(f"no {lang} translation of article {article_id} awaits review")
    out = _item(review_queue.one_item(session, *found))
    response.headers["ETag"] = out.etag
    return out


@router.post("/{article_id}/{lang}/approve", response_model=ApprovalOut, responses=DECIDE_RESPONSES)
def approve(
    runtime: RuntimeDep,
    session: SessionDep,
    editor: Editor,
    if_match: IfMatch = None,
    body: ApproveIn | None = None,
    article_id: str = ArticlePath,
    lang: str = LangPath,
) -> ApprovalOut:
    """Approve the translation awaiting review (as is, or with `segments` corrected; an HTML
    body keeps its markup): partners see it from now on, corrected sentences join the
    translation memory, the history records who did it."""
    corrections = [
        reviews.Correction(index=c.index, translation=c.translation)
        for c in (body.segments if body else [])
    ]
    done = reviews.approve(
        session, runtime.settings, editor.name, article_id, lang, corrections, if_match
    )
    return ApprovalOut(
        item=_item(done.item),
        corrected=done.corrected,
        remembered=done.remembered,
        published_updated_at=done.published_updated_at,
    )


@router.post(
    "/{article_id}/{lang}/reject", response_model=ReviewItemOut, responses=DECIDE_RESPONSES
)
def reject(
    session: SessionDep,
    editor: Editor,
    if_match: IfMatch = None,
    body: RejectIn | None = None,
    article_id: str = ArticlePath,
    lang: str = LangPath,
) -> ReviewItemOut:
    """Reject the translation awaiting review: it leaves the queue and is never published;
    partners keep the last published text. A later re-translation is queued again."""
    item = reviews.reject(
        session, editor.name, article_id, lang, body.note if body else "", if_match
    )
    return _item(item)


@router.post(
    "/{article_id}/{lang}/retranslate",
    response_model=RetranslateOut,
    status_code=202,
    responses={409: {"description": "nothing awaits review"}},
)
def retranslate(
    session: SessionDep,
    editor: Editor,
    article_id: str = ArticlePath,
    lang: str = LangPath,
) -> RetranslateOut:
    """Translate it again (after a glossary fix): a job is queued; the new translation takes
    the old one's place in the queue, or is published when it needs no review."""
    if review_queue.one(session, article_id, lang) is None:
        if session.get(Article, article_id) is None:
            raise NotFound(f"no article {article_id}")
        raise Conflict(
            f"no {lang} translation of article {article_id} awaits review",
            code="nothing_to_review",
        )
    # Job.reason holds 20 characters: who asked goes to the log.
    jobs = term_index.requeue(session, [article_id], [lang], "editor-retranslate")
    log.info("re-translation of %s (%s) asked by %s: %s", article_id, lang, editor.name, jobs)
    return RetranslateOut(jobs=jobs)


@router.get("/{article_id}/{lang}/history", response_model=list[TranslationHistoryOut])
def translation_history(
    session: SessionDep, _: Editor, article_id: str = ArticlePath, lang: str = LangPath
) -> list[TranslationHistoryOut]:
    """Who approved, corrected or rejected this article's translations into `lang`."""
    return [
        TranslationHistoryOut(action=h.action, actor=h.actor, at=h.at, details=h.details)
        for h in reviews.history(session, article_id, lang)
    ]
