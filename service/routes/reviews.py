"""/v1/reviews: the review desk. Editors (and admins) list the translations that need review
and approve them, as they are or with corrected segments."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from service import db, reviews
from service.deps import Editor, RuntimeDep, SessionDep
from service.schemas import (
    ARTICLE_ID_PATTERN,
    ApprovalOut,
    ApproveIn,
    ReviewItemOut,
    ReviewPageOut,
    TranslationHistoryOut,
)
from service.settings import LANGUAGE_PATTERN

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
ArticlePath = Path(pattern=ARTICLE_ID_PATTERN, description="the CMS's article id")
LangPath = Path(pattern=LANGUAGE_PATTERN)


def _item(item: reviews.ReviewItem) -> ReviewItemOut:
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
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    reason: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewPageOut:
    """Translations awaiting review, oldest first, with their reasons and flagged segments."""
    page = reviews.queue(
        session, lang=lang, category=category, reason=reason, cursor=cursor, limit=limit
    )
    return ReviewPageOut(items=[_item(i) for i in page.items], next_cursor=page.next_cursor)


@router.post(
    "/{article_id}/{lang}/approve",
    response_model=ApprovalOut,
    responses={409: {"description": "nothing awaits review"}},
)
def approve(
    runtime: RuntimeDep,
    session: SessionDep,
    editor: Editor,
    body: ApproveIn | None = None,
    article_id: str = ArticlePath,
    lang: str = LangPath,
) -> ApprovalOut:
    """Approve the translation awaiting review (as is, or with `segments` corrected): partners
    see it from now on, corrected sentences join the translation memory, the history records
    who did it."""
    corrections = [
        reviews.Correction(index=c.index, translation=c.translation)
        for c in (body.segments if body else [])
    ]
    done = reviews.approve(session, runtime.settings, editor.name, article_id, lang, corrections)
    db.after_commit(session, lambda: runtime.feeds_changed(lang))
    db.after_commit(session, runtime.notifier.wake)
    return ApprovalOut(
        item=_item(done.item),
        corrected=done.corrected,
        remembered=done.remembered,
        published_updated_at=done.published_updated_at,
    )


@router.get("/{article_id}/{lang}/history", response_model=list[TranslationHistoryOut])
def translation_history(
    session: SessionDep, _: Editor, article_id: str = ArticlePath, lang: str = LangPath
) -> list[TranslationHistoryOut]:
    """Who approved or corrected this article's translations into `lang`, oldest first."""
    return [
        TranslationHistoryOut(action=h.action, actor=h.actor, at=h.at, details=h.details)
        for h in reviews.history(session, article_id, lang)
    ]
