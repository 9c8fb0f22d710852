"""Glossaries and their entries in and out, with their history, usage, spelling suggestions
and the impact of a change before it is saved."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from glossaries import Entry
from service.schemas._fields import ENTRY_ID_PATTERN, Category, GlossaryName, LanguageCode, Storable

if TYPE_CHECKING:
    from service.store.tables import EntryRow, GlossaryRow


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
