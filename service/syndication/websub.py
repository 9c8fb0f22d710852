"""WebSub (W3C) publishing: the hubs are told when a feed changed.

A change writes one publish ping per hub and topic as a row of the outbox, in the
transaction that changed the feed (`record`, called by the unit of work for every language
whose feed version moved, and by the partner pusher for per-key topics). The rows are sent
like every other delivery (`service.jobs.notices`: one request per topic, the
`hub.mode=publish&hub.url=<topic>` form every hub accepts; retries with the one backoff
policy, 5xx, 429 and network errors retried, other refusals and exhausted attempts kept as
dead letters), so a ping survives a restart and never blocks a request or a job.

Topics are the public feed URLs: any query string or fragment is removed before a topic is
recorded, so a partner token can never reach a hub or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session

from feeds import FORMATS
from service.jobs import notices

log = logging.getLogger(__name__)


def public_topic(url: str) -> str | None:
    """`url` without query and fragment, or None when it is not an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def feed_topics(public_url: str, langs: Iterable[str]) -> list[str]:
    """The public feed URLs of these languages, every format."""
    base = public_url.rstrip("/")
    return [f"{base}/feeds/{lang}.{fmt}" for lang in sorted(set(langs)) for fmt in FORMATS]


def record(session: Session, hubs: Sequence[str], topics: Iterable[str]) -> int:
    """Write a publish ping of each topic to each hub in the caller's transaction (what is not
    an http(s) URL is logged and left out); how many pings were new."""
    public: list[str] = []
    for topic in topics:
        found = public_topic(topic) if isinstance(topic, str) else None
        if found is None:
            log.warning("WebSub: not an http(s) URL, not notified: %.100r", topic)
        else:
            public.append(found)
    return notices.record_pings(session, hubs, public)
