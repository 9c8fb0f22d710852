"""The review queue's items, segment by segment, and approving them (with corrections)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ReviewSegment(BaseModel):
    """One sentence of a translation under review, numbered across title, summary and body."""

    index: int
    part: Literal["title", "summary", "body"]
    paragraph: int
    source: str
    translation: str
    flags: list[str]
    strategy: str = ""
    terms: list[dict[str, Any]] = []
    # A pivoted translation's sentence in the language between (ja→en→fr: the English).
    pivot: str | None = None


class ReviewItemOut(BaseModel):
    article_id: str
    lang: str
    revision: int
    title: str
    source_title: str
    categories: list[str]
    format: str
    reasons: list[str]
    updated_at: datetime
    flagged: list[int]
    segments: list[ReviewSegment]
    route: list[str] = []
    etag: str = Field(description="send it as If-Match to approve or reject")
    url: str = ""  # the article on the newsroom's site


class ReviewPageOut(BaseModel):
    items: list[ReviewItemOut]
    next_cursor: str | None = None


class SegmentCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0)
    translation: str = Field(min_length=1, max_length=5000)


class ApproveIn(BaseModel):
    """Approve as is (no body, or no segments) or with corrected segments."""

    model_config = ConfigDict(extra="forbid")

    segments: list[SegmentCorrection] = Field(default_factory=list, max_length=1000)


class ApprovalOut(BaseModel):
    item: ReviewItemOut
    corrected: int
    remembered: int
    published_updated_at: datetime
