"""The store of record: SQLAlchemy 2 table classes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    sections: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    include_needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        # The `ja` feed's page: published articles, newest first, cursor on (updated_at, id).
        Index("ix_articles_feed", "status", "updated_at", "id"),
        Index("ix_articles_retracted", "status", "retracted_at"),
        # The embargo releaser's scan: embargoes not yet released, soonest first.
        Index("ix_articles_embargo", "embargo_released_at", "embargoed_until"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="published")
    current_revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Nothing of the article reaches partners before this moment (service.articles.embargo).
    embargoed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the releaser moved the feeds for the embargo's end (NULL: still to do); the row is
    # the durable schedule, so a release survives restarts.
    embargo_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10), default="text")
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500), default=None)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The newsroom's note on this revision and what kind of change it is: "update" (quiet),
    # "correction" (marked as one in every feed).
    correction: Mapped[str | None] = mapped_column(Text, default=None)
    change: Mapped[str] = mapped_column(String(20), default="update", server_default="update")


class ArticleCategory(Base):
    """A revision's categories as rows (written with the revision, never changed), so a feed
    filters by category or section in SQL instead of scanning the JSON column in Python."""

    __tablename__ = "article_categories"
    __table_args__ = (Index("ix_article_categories_category", "category", "revision_id"),)

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(200), primary_key=True)


class FeedVersion(Base):
    """The version of a language's feeds: bumped in the transaction of every change a feed
    shows, so a cached feed is served only while the version it was rendered from is current."""

    __tablename__ = "feed_versions"

    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)


class ServiceSecret(Base):
    """Secrets the service makes for itself once and shares between its processes (the key
    signing links to translation pages)."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def new_job_id() -> str:
    return uuid.uuid4().hex


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state", "state"), Index("ix_jobs_article", "article_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_job_id)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    target_lang: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reason: Mapped[str] = mapped_column(String(20), default="publish")


class Translation(Base):
    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("revision_id", "lang"),
        # A feed page is a range scan of this index: the current translation of each article
        # in a language, newest first, cursor on (updated_at, article_id).
        Index("ix_translations_feed", "lang", "current", "updated_at", "article_id"),
        Index("ix_translations_article_lang", "article_id", "lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10), default="text", server_default="text")
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    needs_review: Mapped[bool] = mapped_column(default=False)
    route: Mapped[list[str]] = mapped_column(JSON, default=list)
    model: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # True on the translation of the article's newest translated revision in this language
    # (one row per article and language), kept by the job that stores translations.
    current: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SHA-256 of title, summary and body: an unchanged text keeps its `updated_at`.
    text_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The revision's correction note, translated with the article (its glossary applies).
    correction: Mapped[str | None] = mapped_column(Text, default=None)


class GlossaryRow(Base):
    """A named glossary; `categories` selects the articles it applies to (None: all)."""

    __tablename__ = "glossaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    source_lang: Mapped[str] = mapped_column(String(16), default="ja")
    categories: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def new_entry_id() -> str:
    return uuid.uuid4().hex[:16]


class EntryRow(Base):
    __tablename__ = "glossary_entries"
    __table_args__ = (UniqueConstraint("glossary_id", "source"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_entry_id)
    glossary_id: Mapped[int] = mapped_column(ForeignKey("glossaries.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    do_not_translate: Mapped[bool] = mapped_column(default=False)
    case_sensitive: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="approved")
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def etag(self) -> str:
        """The entry's version as an HTTP entity tag: a change needs it in If-Match."""
        return f'"{self.id}.{self.revision}"'


class HistoryRow(Base):
    """Every change to a glossary or entry: who, when, before and after."""

    __tablename__ = "glossary_history"
    __table_args__ = (
        Index("ix_history_entry", "entry_id"),
        Index("ix_history_glossary", "glossary_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A deleted glossary's history stays: the id becomes NULL, the name remains.
    glossary_id: Mapped[int | None] = mapped_column(
        ForeignKey("glossaries.id", ondelete="SET NULL"), default=None
    )
    glossary_name: Mapped[str] = mapped_column(String(100))
    entry_id: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class TermOccurrence(Base):
    """The term index: which entries occur in which article's current revision."""

    __tablename__ = "term_occurrences"
    __table_args__ = (Index("ix_term_occurrences_entry", "entry_id"),)

    article_id: Mapped[str] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=1)


class PublishedTranslation(Base):
    """What partners without `include_needs_review` see of an article in one language: the
    last translation that needed no review or that an editor approved. Written when a
    translation finishes clean or is approved; removed on retraction."""

    __tablename__ = "published_translations"
    __table_args__ = (
        Index("ix_published_feed", "lang", "updated_at", "article_id"),
        Index("ix_published_translation", "translation_id", unique=True),
    )

    article_id: Mapped[str] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("translations.id", ondelete="CASCADE"))
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10), default="text")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    correction: Mapped[str | None] = mapped_column(Text, default=None)


class TranslationHistoryRow(Base):
    """Who did what to a translation: approved it, corrected segments (before and after)."""

    __tablename__ = "translation_history"
    __table_args__ = (Index("ix_translation_history_translation", "translation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("translations.id", ondelete="CASCADE"))
    article_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MemoryRow(Base):
    """A translation-memory entry: an editor's translation of one normalized source sentence
    into one language, under the glossary renderings (entry id, rendering) that applied to it.
    `stale`: a glossary change touched one of those terms; the entry is no longer applied."""

    __tablename__ = "translation_memory"
    __table_args__ = (UniqueConstraint("lang", "source_hash", "terms_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(16))
    source_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    terms_key: Mapped[str] = mapped_column(String(64))
    translation: Mapped[str] = mapped_column(Text)
    stale: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """A delivery to an outside URL (a notice to the review desk or the CMS, a push to a
    partner, a WebSub ping to a hub): written in the transaction that caused it, relayed to
    the `deliver` actor after commit, at least once (`service.jobs.notices`)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_key", "key_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(20))  # "review", "cms", "partner" or "hub"
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(30))
    article_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The partner key a "partner" delivery (a push) is for: its log is readable by that key.
    key_id: Mapped[int | None] = mapped_column(default=None)


class PartnerCallback(Base):
    """Where a partner key is pushed its changes (service.syndication.push), and the secret
    signing them."""

    __tablename__ = "partner_callbacks"

    key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Changes up to this moment were looked at (the next scan looks again a little before).
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PushedItem(Base):
    """What a key was last pushed of one item (a hash of its ninjs): a change is pushed once,
    even by two processes scanning at the same moment (the primary key decides)."""

    __tablename__ = "pushed_items"

    key_id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[int | None] = mapped_column(default=None)


class UsageDaily(Base):
    """What one key took in one language on one (UTC) day, for licensing
    (service.syndication.usage)."""

    __tablename__ = "usage_daily"

    key_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    fetches: Mapped[int] = mapped_column(default=0, server_default="0")
    not_modified: Mapped[int] = mapped_column(default=0, server_default="0")
    items_delivered: Mapped[int] = mapped_column(default=0, server_default="0")
    page_views: Mapped[int] = mapped_column(default=0, server_default="0")


class UsageDelivered(Base):
    """The first time each item reached a key (by feed, page or push): counted once."""

    __tablename__ = "usage_delivered"

    key_id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewQueueRow(Base):
    """A translation awaiting an editor (needs review, not rejected): the review desk pages
    this table in SQL (oldest first, per language) instead of scanning every translation.
    Kept in step with `translations` by service.review.queue (an ORM flush hook)."""

    __tablename__ = "review_queue"
    __table_args__ = (
        Index("ix_review_queue_order", "updated_at", "translation_id"),
        Index("ix_review_queue_lang", "lang", "updated_at", "translation_id"),
    )

    translation_id: Mapped[int] = mapped_column(
        ForeignKey("translations.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewTagRow(Base):
    """A filter value of a queued translation: `reason:<code>` or `category:<name>`."""

    __tablename__ = "review_tags"

    tag: Mapped[str] = mapped_column(String(200), primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("review_queue.translation_id", ondelete="CASCADE"), primary_key=True
    )
