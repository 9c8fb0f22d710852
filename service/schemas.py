"""Request and response models of the HTTP API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from glossaries import Entry, forbidden_character
from service.settings import LANGUAGE_PATTERN

if TYPE_CHECKING:
    from service.store.tables import EntryRow, GlossaryRow

from pydantic import (
    AfterValidator,
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

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# In a one-line field (a title, a name) also: line breaks and tabs (become spaces), C1 and other
# control characters, and the bidi embedding, override and isolate controls U+202A-U+202E and
# U+2066-U+2069, which would let a title display reversed in feed readers.
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_NOT_IN_A_LINE = re.compile(r"[\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"
ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]
GLOSSARY_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
ENTRY_ID_PATTERN = r"^[0-9a-f]{1,32}$"
GlossaryName = Annotated[str, StringConstraints(pattern=GLOSSARY_NAME_PATTERN)]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]


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


def _storable(value: str) -> str:
    """Refuse (422) text no glossary may hold: NUL and other control characters, bidi
    overrides. Refused, not stripped: an editor typed it and should see what was wrong."""
    found = forbidden_character(value)
    if found is not None:
        raise ValueError(f"holds {found}, a control or bidi-override character")
    return value


Storable = AfterValidator(_storable)


def _iso_datetime(value: object) -> object:
    """Only an ISO 8601 string (or a datetime, from our own code): pydantic alone would also
    take 0 or "1700000000" as seconds since 1970, which no CMS means."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string with a UTC offset")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 date-time with a UTC offset, e.g. 2026-01-27T06:00:00+09:00"
        ) from None


Category = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable
]


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
    published_at: Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
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
    BeforeValidator(lambda v: v if v is None else _iso_datetime(v)),
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


class JobPage(BaseModel):
    """A page of jobs, newest change first; `next_before` fetches the next page."""

    items: list[JobOut]
    next_before: str | None = None


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


class DeliveryOut(BaseModel):
    id: int
    target: str
    url: str
    event: str
    article_id: str
    lang: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class ResendOut(BaseModel):
    resent: list[int] = Field(description="the notices queued to be sent again")


class IngestOut(BaseModel):
    article: ArticleOut
    created_revision: bool
    duplicate: bool
    removed: list[RemovedCharacters] = Field(
        default_factory=list,
        description="control and bidi characters stripped from the text before storing "
        "(feeds cannot carry them; a title's bidi overrides would display it reversed)",
    )


class TranslateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=200_000), Storable]
    source: LanguageCode = Field(default="ja", alias="from")
    target: LanguageCode = Field(alias="to")
    glossary: bool = True
    glossaries: Annotated[list[GlossaryName], Field(max_length=20)] | None = None
    compare: bool = False


class HealthOut(BaseModel):
    status: Literal["ok", "failing"]
    problems: list[str] = Field(
        default_factory=list, description="why the process cannot do its job (503)"
    )


class ReadyOut(BaseModel):
    ready: bool
    database: dict[str, Any]
    redis: dict[str, Any]
    models: dict[str, Any]


TermText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable
]
Rendering = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Storable
]
Description = Annotated[str, StringConstraints(max_length=2000), Storable]
Note = Annotated[str, StringConstraints(max_length=5000), Storable]


class GlossaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GlossaryName
    description: Description = ""
    categories: Annotated[list[Category], Field(max_length=100)] | None = None


class GlossaryPatch(BaseModel):
    """Only the fields sent change; `categories: null` means every article, while a
    description is a string (null is refused, not stored)."""

    model_config = ConfigDict(extra="forbid")

    description: Description = ""
    categories: Annotated[list[Category], Field(max_length=100)] | None = None


class GlossaryOut(BaseModel):
    name: str
    description: str
    source_lang: str
    categories: list[str] | None
    version: int
    entries: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: GlossaryRow, entries: int) -> GlossaryOut:
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "entries"}
        return cls.model_validate({**fields, "entries": entries})


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: TermText
    targets: dict[LanguageCode, Rendering] = {}
    aliases: Annotated[list[TermText], Field(max_length=50)] = []
    do_not_translate: bool = False
    case_sensitive: bool = False
    note: Note = ""
    status: Literal["draft", "approved"] = "approved"

    def to_entry(self) -> Entry:
        return Entry(
            source=self.source,
            targets=self.targets,
            aliases=tuple(self.aliases),
            do_not_translate=self.do_not_translate,
            case_sensitive=self.case_sensitive,
            note=self.note,
            status=self.status,
        )


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: TermText | None = None
    targets: dict[LanguageCode, Rendering] | None = None
    aliases: Annotated[list[TermText], Field(max_length=50)] | None = None
    do_not_translate: bool | None = None
    case_sensitive: bool | None = None
    note: Note | None = None
    status: Literal["draft", "approved"] | None = None


class EntryOut(BaseModel):
    id: str
    glossary: str
    source: str
    targets: dict[str, str]
    aliases: list[str]
    do_not_translate: bool
    case_sensitive: bool
    note: str
    status: str
    revision: int
    etag: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, glossary: GlossaryRow, row: EntryRow) -> EntryOut:
        """The one row -> response mapping (the row knows its ETag, not its glossary's name)."""
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "glossary"}
        return cls.model_validate({**fields, "glossary": glossary.name})


class EntryPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[EntryOut]


class EntryChangeOut(BaseModel):
    entry: EntryOut | None
    affected_articles: list[str]
    jobs: list[str]


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entry_id: str | None
    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class UsageOut(BaseModel):
    article_id: str
    revision: int
    title: str
    sentences: list[str]


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entry_id: str
    entry_source: str
    spelling: str
    count: int
    reason: str


class AcceptSuggestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN)]
    spelling: TermText


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


class WhoAmIOut(BaseModel):
    """Who a token is: what the editor page and scripts check before offering anything."""

    name: str
    role: Literal["publisher", "editor", "partner", "admin"]
    languages: list[str] | None = Field(description="null: every language")
    sections: list[str] | None = Field(description="null: every section")
    include_needs_review: bool
    may_edit_glossaries: bool


class ImpactArticle(BaseModel):
    article_id: str
    title: str


class ImpactOut(BaseModel):
    """What saving the change would re-translate (nothing is changed by asking)."""

    articles: int
    languages: list[str]
    jobs: int
    first: list[ImpactArticle]
    using_now: int
    would_match: int


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


class TranslationHistoryOut(BaseModel):
    action: str
    actor: str
    at: datetime
    details: dict[str, Any]
