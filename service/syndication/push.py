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
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from feeds import ninjs
from service.access import api_keys
from service.errors import Invalid, NotFound
from service.jobs import notices
from service.settings import Settings
from service.store import db
from service.store.tables import Delivery, PartnerCallback, PushedItem, utcnow
from service.syndication import query as feed_query
from service.syndication import topics
from service.syndication.query import FeedQuery
from translators.package import PackageError
from translators.package_index import check_public

if TYPE_CHECKING:
    from service.runtime import Runtime

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


def key_secret(runtime: Runtime) -> Callable[[Delivery], str]:
    """For the notifier: the secret signing a partner delivery, once its URL passed the same
    checks as at registration again (its host may resolve elsewhere by now)."""

    def secret_of(row: Delivery) -> str:
        with db.session_scope(runtime.sessions) as session:
            found = session.get(PartnerCallback, row.key_id)
            secret = found.secret if found is not None and found.url == row.url else None
        if secret is None:
            raise ValueError("the key's callback was removed or changed; not sent")
        try:
            check_url(runtime.settings, row.url)
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
    runtime: Runtime,
    principal: api_keys.Principal,
    lang: str,
    since: datetime,
) -> list[dict[str, Any]]:
    """The ninjs of every item of this key's `lang` feed that changed after `since`, oldest
    first, then the retractions since then."""
    links = runtime.link_signer(principal.key_id)
    docs: list[dict[str, Any]] = []
    stubs: list[dict[str, Any]] = []
    before = None
    while True:
        query = FeedQuery(lang=lang, fmt="ninjs", category=None, limit=PAGE, before=before)
        feed = feed_query.build_feed(session, runtime.settings, principal, query, links)
        newer = [item for item in feed.items if item.updated > since]
        docs.extend(ninjs.ninjs_item(item) for item in newer)
        if before is None:
            stubs = [ninjs.ninjs_stub(t.id, t.when) for t in feed.tombstones if t.when > since]
        if len(newer) < len(feed.items) or feed.next_url is None or not newer:
            break
        last = feed.items[-1]
        before = (last.updated, last.source_id or _article_of(last.id))
    return [*reversed(docs), *stubs]


def scan(runtime: Runtime) -> int:
    """Record a notice for every change each registered key has not been pushed; returns how
    many were recorded (the notifier is woken after the commit)."""
    made = 0
    pings: list[str] = []
    now = utcnow()
    langs = ("ja", *runtime.settings.target_languages)
    with db.session_scope(runtime.sessions) as session:
        callbacks = list(session.scalars(select(PartnerCallback)))
        for callback in callbacks:
            principal = api_keys.principal_by_id(session, callback.key_id)
            if principal is None:
                continue
            since = (callback.scanned_at or callback.created_at) - LOOKBACK
            for lang in langs:
                if not principal.may_read_language(lang):
                    continue
                recorded = 0
                for doc in _changed_docs(session, runtime, principal, lang, since):
                    row = _record(session, callback, lang, doc, now)
                    if row is not None:
                        recorded += 1
                        if row.event != "retraction":
                            runtime.usage.delivered(callback.key_id, row.article_id, lang)
                if recorded:
                    pings.extend(_topics(runtime, callback.key_id, lang))
                made += recorded
            callback.scanned_at = now
        if callbacks:
            runtime.notifier.start(partners=True)  # once; also for rows left from before
        if made:
            db.after_commit(session, runtime.notifier.wake)
            db.after_commit(session, lambda: runtime.websub.notify(pings))
    return made


def _topics(runtime: Runtime, key_id: int, lang: str) -> list[str]:
    base, secret = runtime.settings.public_url, runtime.link_secret
    return [topics.topic_url(base, secret, key_id, lang, fmt) for fmt in topics.FORMATS]


class Pusher:
    """The thread scanning for changes to push: woken after commits that changed a feed,
    else every `poll` seconds (changes made by other processes)."""

    def __init__(self, runtime: Runtime, *, poll: float = 5.0) -> None:
        self._runtime = runtime
        self._poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                scan(self._runtime)
            except Exception:
                log.exception("scanning for partner pushes failed; trying again")
            self._wake.wait(self._poll)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kakehashi-push", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
