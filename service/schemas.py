"""Request and response models of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"
ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


class ArticleContent(BaseModel):
    """What the CMS sends for an article (PUT takes the id from the path)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    body: Annotated[str, StringConstraints(min_length=1)]
    format: Literal["text", "html"] = "text"
    url: AnyHttpUrl
    published_at: AwareDatetime
    categories: Annotated[list[Category], Field(max_length=50)] = []
    author: Annotated[str, StringConstraints(max_length=500)] | None = None
    summary: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class ArticleIn(ArticleContent):
    id: ArticleId


class JobOut(BaseModel):
    id: str
    article_id: str
    revision: int
    lang: str
    state: str
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class LanguageStatus(BaseModel):
    state: str
    job_id: str | None
    updated_at: datetime | None
    translated_revision: int | None = None
    needs_review: bool | None = None


class ArticleOut(BaseModel):
    id: str
    status: str
    revision: int
    title: str
    url: str
    published_at: datetime
    created_at: datetime
    updated_at: datetime
    retracted_at: datetime | None
    languages: dict[str, LanguageStatus]
    jobs: list[JobOut]


class IngestOut(BaseModel):
    article: ArticleOut
    created_revision: bool
    duplicate: bool


class TranslateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
    source: LanguageCode = Field(default="ja", alias="from")
    target: LanguageCode = Field(alias="to")
    glossary: bool = True


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    ready: bool
    database: dict[str, Any]
    redis: dict[str, Any]
    models: dict[str, Any]
