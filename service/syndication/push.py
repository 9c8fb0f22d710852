"""Push to partners: a key's callback URL is sent a signed notice, carrying the item in ninjs,
for every change of what that key may read (new item, update, correction, retraction,
embargo release).

The changes are found where partners find them: in the key's own feeds. A scan (the
:class:`Pusher` thread, woken after every commit that changed a feed and every few seconds)
reads each registered key's feed pages newer than its last scan, less a margin for
transactions that committed late, and the page's retractions; an item whose ninjs differs
from what the key was last pushed (`pushed_items`, a hash per key and item, written with a
conditional update so two scanning processes push a change once) becomes a `deliveries` row
for the existing notices outbox (retries, backoff, the log). Embargoed copy is not in a
feed, so it is not pushed; its release moves its dates, so the next scan pushes it.

Each notice is signed with the key's own secret (`X-Kakehashi-Signature`, as
`service.access.signing` signs, over POST, the callback's path and the body); the body's
`delivery_id` de-duplicates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from feeds import ninjs
from service.access import api_keys
from service.errors import Invalid, NotFound
from service.jobs import notices
from service.jobs.periodic import Periodic
from service.settings import Settings
from service.store import db, unit_of_work
from service.store.tables import Delivery, PartnerCallback, PushedItem, utcnow
from service.syndication import page_links, topics, websub
from service.syndication import query as feed_query
from service.syndication.query import FeedQuery
from service.syndication.usage import Usage
from translators.package import PackageError
from translators.package_index import check_public

log = logging.getLogger(__name__)

TARGET = "partner"
LOOKBACK = timedelta(seconds=60)  # a change committed this late after its timestamp is found
PAGE = 200


def check_url(settings: Settings, url: str) -> str:
    """A callback URL a partner may register: HTTPS to a public host, unless the operator
    allows internal receivers (`push_allow_private`: also plain http)."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.push_allow_private else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise Invalid(f"a callback must be an absolute {' or '.join(allowed)} URL", code="bad_url")
    if parts.username or parts.password:
        raise Invalid("a callback URL carries no credentials", code="bad_url")
    if not settings.push_allow_private:
        try:
            check_public(url)
        except PackageError as exc:
            raise Invalid(
                f"{parts.hostname} is not a public address; callbacks go to public hosts only "
                "(internal ones with KAKEHASHI_PUSH_ALLOW_PRIVATE=true)",
                code="private_address",
            ) from exc
    return url.strip()


def register(session: Session, settings: Settings, key_id: int, url: str) -> str:
    """Set the key's callback (a new secret each time, returned once)."""
    if api_keys.principal_by_id(session, key_id) is None:
        raise NotFound(f"no live key {key_id}")
    url = check_url(settings, url)
    secret = secrets.token_urlsafe(32)
    row = session.get(PartnerCallback, key_id)
    if row is None:
        row = PartnerCallback(key_id=key_id, url=url, secret=secret, created_at=utcnow())
        session.add(row)
    else:
        row.url, row.secret, row.created_at = url, secret, utcnow()
    row.scanned_at = utcnow()  # from now on: registering does not replay the archive
    return secret


def unregister(session: Session, key_id: int) -> None:
    row = session.get(PartnerCallback, key_id)
    if row is None:
        raise NotFound("this key has no callback")
    session.delete(row)


def key_secret(sessions: sessionmaker[Session], settings: Settings) -> Callable[[Delivery], str]:
    """For the sender: the secret signing a partner delivery, once its URL passed the same
    checks as at registration again (its host may resolve elsewhere by now)."""

    def secret_of(row: Delivery) -> str:
        with db.session_scope(sessions) as session:
            found = session.get(PartnerCallback, row.key_id)
            secret = found.secret if found is not None and found.url == row.url else None
        if secret is None:
            raise ValueError("the key's callback was removed or changed; not sent")
        try:
            check_url(settings, row.url)
        except Invalid as exc:
            raise ValueError(str(exc)) from exc
        return secret

    return secret_of


def deliveries(session: Session, key_id: int, limit: int) -> list[Delivery]:
    """The key's own delivery log, newest first."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.key_id == key_id, Delivery.target == TARGET)
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
    )


def _digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _claim(session: Session, key_id: int, article_id: str, lang: str, digest: str) -> bool:
    """Whether this scan pushes the item: its ninjs is new to the key, and no other process
    claimed the same change first."""
    found = session.get(PushedItem, (key_id, article_id, lang))
    if found is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        added = session.execute(
            insert(PushedItem)
            .values(key_id=key_id, article_id=article_id, lang=lang, digest=digest)
            .on_conflict_do_nothing()
            .returning(PushedItem.key_id)  # psycopg's rowcount is no answer here
        ).first()
        return added is not None
    if found.digest == digest:
        return False
    won = session.execute(
        update(PushedItem)
        .where(
            PushedItem.key_id == key_id,
            PushedItem.article_id == article_id,
            PushedItem.lang == lang,
            PushedItem.digest == found.digest,
        )
        .values(digest=digest)
        .execution_options(synchronize_session=False)
    )
    session.expire(found)
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


def _event(doc: dict[str, Any], first: bool) -> str:
    if doc.get("pubStatus") == "canceled":
        return "retraction"
    if any(d.get("role") == "correction" for d in doc.get("descriptions", [])):
        return "correction"
    return "new" if first else "update"


def _article_of(uri: str) -> str:
    """The article id in an item's uri (`urn:kakehashi:article:{id}:{lang}`)."""
    return uri.split(":", 3)[3].rsplit(":", 1)[0]


def _record(
    session: Session, callback: PartnerCallback, lang: str, doc: dict[str, Any], now: datetime
) -> Delivery | None:
    article_id = _article_of(str(doc["uri"]))
    first = session.get(PushedItem, (callback.key_id, article_id, lang)) is None
    if first and doc.get("pubStatus") == "canceled":
        return None  # no retraction of what the key was never pushed
    if not _claim(session, callback.key_id, article_id, lang, _digest(doc)):
        return None
    event = _event(doc, first)
    row = Delivery(
        target=TARGET,
        url=callback.url,
        event=event,
        article_id=article_id,
        lang=lang,
        payload={"event": event, "uri": doc["uri"], "at": now.isoformat(), "item": doc},
        state=notices.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        key_id=callback.key_id,
    )
    session.add(row)
    return row


def _changed_docs(
    session: Session,
    settings: Settings,
    links: page_links.LinkSigner,
    principal: api_keys.Principal,
    lang: str,
    since: datetime,
) -> list[dict[str, Any]]:
    """The ninjs of every item of this key's `lang` feed that changed after `since`, oldest
    first, then the retractions since then."""
    docs: list[dict[str, Any]] = []
    stubs: list[dict[str, Any]] = []
    before = None
    while True:
        query = FeedQuery(lang=lang, fmt="ninjs", category=None, limit=PAGE, before=before)
        feed = feed_query.build_feed(session, settings, principal, query, links)
        newer = [item for item in feed.items if item.updated > since]
        docs.extend(ninjs.ninjs_item(item) for item in newer)
        if before is None:
            stubs = [ninjs.ninjs_stub(t.id, t.when) for t in feed.tombstones if t.when > since]
        if len(newer) < len(feed.items) or feed.next_url is None or not newer:
            break
        last = feed.items[-1]
        before = (last.updated, last.source_id or _article_of(last.id))
    return [*reversed(docs), *stubs]


@dataclass(frozen=True)
class PushContext:
    """What a scan uses (built by the runtime)."""

    sessions: sessionmaker[Session]
    settings: Settings
    link_secret: bytes  # signs item links and per-key topics
    usage: Usage


def scan(ctx: PushContext) -> int:
    """Record a notice for every change each registered key has not been pushed, and a hub
    ping of each per-key topic that changed; returns how many notices were recorded (the unit
    of work wakes the relay after the commit)."""
    made = 0
    now = utcnow()
    settings = ctx.settings
    langs = ("ja", *settings.target_languages)
    with db.session_scope(ctx.sessions) as session:
        pings: list[str] = []
        for callback in list(session.scalars(select(PartnerCallback))):
            principal = api_keys.principal_by_id(session, callback.key_id)
            if principal is None:
                continue
            since = (callback.scanned_at or callback.created_at) - LOOKBACK
            links = page_links.LinkSigner(
                secret=ctx.link_secret,
                base_url=settings.public_url.rstrip("/"),
                key_id=callback.key_id,
            )
            for lang in langs:
                if not principal.may_read_language(lang):
                    continue
                recorded = 0
                for doc in _changed_docs(session, settings, links, principal, lang, since):
                    row = _record(session, callback, lang, doc, now)
                    if row is not None:
                        recorded += 1
                        if row.event != "retraction":
                            ctx.usage.delivered(callback.key_id, row.article_id, lang)
                if recorded:
                    key_id, base = callback.key_id, settings.public_url
                    pings.extend(
                        topics.topic_url(base, ctx.link_secret, key_id, lang, fmt)
                        for fmt in topics.FORMATS
                    )
                made += recorded
            callback.scanned_at = now
        if made:
            unit_of_work.deliveries_recorded(session)
            websub.record(session, settings.websub_hubs, pings)
    return made


class Pusher:
    """The scan on a `Periodic` thread: woken after commits that changed a feed, else every
    `poll` seconds (changes made by other processes)."""

    def __init__(self, ctx: PushContext, *, poll: float = 5.0) -> None:
        self.periodic = Periodic("kakehashi-push", poll, lambda: _scan_quietly(ctx))

    def wake(self) -> None:
        self.periodic.wake()

    def start(self) -> None:
        self.periodic.start()

    def stop(self) -> None:
        self.periodic.stop()


def _scan_quietly(ctx: PushContext) -> None:
    scan(ctx)  # its count is for tests; the thread sleeps its interval either way
