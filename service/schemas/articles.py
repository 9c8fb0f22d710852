"""The CMS's articles in and out: what it sends (cleaned of what feeds cannot carry), what
ingest answers, and how an article, its languages and its translations read back."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from service.schemas._fields import ArticleId, Category, iso_datetime
from service.schemas.jobs import JobOut

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# In a one-line field (a title, a name) also: line breaks and tabs (become spaces), C1 and other
# control characters, and the bidi embedding, override and isolate controls U+202A-U+202E and
# U+2066-U+2069, which would let a title display reversed in feed readers.
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_NOT_IN_A_LINE = re.compile(r"[\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")


def _strip_forbidden(value: object) -> object:
    """Drop characters no feed (XML 1.0) and no database (PostgreSQL: NUL) can carry."""
    if isinstance(value, str):
        return _FORBIDDEN.sub("", value)
    if isinstance(value, list):
        return [_strip_forbidden(v) for v in value]
    return value


def _one_line(value: object) -> object:
    """A one-line field as feeds should show it: line breaks are spaces; control and bidi
    override characters are dropped (a CMS sends what its editors paste)."""
    if isinstance(value, str):
        value = _LINE_BREAKS.sub(" ", _NOT_IN_A_LINE.sub("", value))
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    return value


def _cleaned(value: object, one_line: bool, removed: set[str]) -> object:
    """`value` without the characters ingest strips; their code points are added to `removed`."""
    if isinstance(value, list):
        return [_cleaned(v, one_line, removed) for v in value]
    if not isinstance(value, str):
        return value
    patterns = (_FORBIDDEN, _NOT_IN_A_LINE) if one_line else (_FORBIDDEN,)
    for pattern in patterns:
        removed.update(f"U+{ord(c):04X}" for c in pattern.findall(value))
    return _one_line(_strip_forbidden(value)) if one_line else _strip_forbidden(value)


class RemovedCharacters(BaseModel):
    field: str = Field(description="title, body, summary, author or categories")
    characters: list[str] = Field(description='the code points removed, e.g. "U+202E"')


class ArticleContent(BaseModel):
    """What the CMS sends for an article (PUT takes the id from the path)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _clean(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """Strip what feeds cannot carry and remember it, so the response can say what went
        (`IngestOut.removed`): a CMS should learn that its text changed, not find out later."""
        removed: dict[str, set[str]] = {}
        if isinstance(data, dict):
            data = dict(data)
            for name in ("title", "body", "summary", "author", "categories", "correction"):
                if name in data:
                    one_line = name in ("title", "author", "categories")
                    data[name] = _cleaned(data[name], one_line, removed.setdefault(name, set()))
        model = handler(data)
        model._removed = {k: sorted(v) for k, v in removed.items() if v}
        return model

    _removed: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    def content(self) -> ArticleContent:
        """The article's content without its id (what is stored), keeping what was removed."""
        content = ArticleContent.model_validate(
            self.model_dump(exclude={"id", "embargoed_until"})  # the embargo is no content
        )
        content._removed = self._removed
        return content

    def removed_characters(self) -> list[RemovedCharacters]:
        """The control and bidi characters stripped at ingest, per field (empty: none)."""
        return [RemovedCharacters(field=k, characters=v) for k, v in self._removed.items()]

    title: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    body: Annotated[str, StringConstraints(min_length=1)]
    format: Literal["text", "html"] = "text"
    url: AnyHttpUrl
    published_at: Annotated[AwareDatetime, BeforeValidator(iso_datetime)]
    categories: Annotated[list[Category], Field(max_length=50)] = []
    author: Annotated[str, StringConstraints(max_length=500)] | None = None
    summary: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    correction: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = Field(
        default=None,
        description="A note on this revision, translated with the article and shown with it: "
        "a correction's note (`change: correction`) or an editor's note.",
    )
    change: Literal["update", "correction"] = Field(
        default="update",
        description="correction: marked as a correction in every feed (needs a `correction` "
        "note) and the item's `updated` moves; update: an ordinary, quiet revision.",
    )

    @model_validator(mode="after")
    def _correction_has_a_note(self) -> ArticleContent:
        if self.change == "correction" and not self.correction:
            raise ValueError("a correction needs its note in `correction`")
        return self


EmbargoTime = Annotated[
    AwareDatetime | None,
    BeforeValidator(lambda v: v if v is None else iso_datetime(v)),
    Field(
        description="Nothing of the article reaches partners before this moment (an ISO 8601 "
        "date-time with a UTC offset); translation and review start at once. On PUT: "
        "left out, the embargo stays as it is; null lifts it; a new time moves it."
    ),
]


class ArticleIn(ArticleContent):
    id: ArticleId
    embargoed_until: EmbargoTime = None


class ArticleReplace(ArticleContent):
    """PUT's body: POST's body, whose `id` may be left out; when given it must be the path's."""

    id: ArticleId | None = None
    embargoed_until: EmbargoTime = None


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
    embargoed_until: datetime | None = None
    embargo: Literal["withheld", "released"] | None = Field(
        default=None, description="withheld: partners see nothing of it yet; null: no embargo"
    )


class ArticlePage(BaseModel):
    """A page of articles with their per-language states; `next_cursor` fetches the next."""

    items: list[ArticleOut]
    next_cursor: str | None = None


class IngestOut(BaseModel):
    article: ArticleOut
    created_revision: bool
    duplicate: bool
    removed: list[RemovedCharacters] = Field(
        default_factory=list,
        description="control and bidi characters stripped from the text before storing "
        "(feeds cannot carry them; a title's bidi overrides would display it reversed)",
    )


class TranslationOut(BaseModel):
    article_id: str
    lang: str
    revision: int
    title: str
    summary: str | None
    body: str
    format: Literal["text", "html"] = Field(description="html: sanitized like the feeds")
    needs_review: bool
    route: list[str]
    model: str
    url: str
    categories: list[str]
    updated_at: datetime
    report: dict[str, Any]
    correction: str | None = Field(default=None, description="the revision's note, translated")
    change: Literal["update", "correction"] = "update"


class TranslationHistoryOut(BaseModel):
    action: str
    actor: str
    at: datetime
    details: dict[str, Any]
