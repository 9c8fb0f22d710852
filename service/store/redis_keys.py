"""Every Redis key, key prefix and queue name the service uses is built here."""

from __future__ import annotations

NAMESPACE = "kakehashi"
SENTENCE_CACHE_PREFIX = f"{NAMESPACE}:sent:"
FEED_CACHE_PREFIX = f"{NAMESPACE}:feed:"
DRAMATIQ_NAMESPACE = f"{NAMESPACE}:dramatiq"
TRANSLATE_QUEUE = "translate"
TRANSLATE_ACTOR = "translate_job"
NOTICES_QUEUE = "notices"  # its own consumer: a notice never waits behind a translation
DELIVER_ACTOR = "deliver"
SENTINEL_KEY = f"{NAMESPACE}:sentinel"
"""Written by the outbox sweeper and never expiring: when it is gone, Redis lost its data
(FLUSHALL, a restart without persistence) and every queued job is sent again."""
RATE_LIMIT_PREFIX = f"{NAMESPACE}:ratelimit"
"""Counters of the abuse limits (`service.access.rate_limits`; `limits` adds the rest)."""
STATS_PREFIX = f"{NAMESPACE}:stats:"
SIGNATURE_SEEN_PREFIX = f"{NAMESPACE}:sigseen:"
SENTENCE_CACHE_HITS = "sentence_cache_hits"
SENTENCE_CACHE_MISSES = "sentence_cache_misses"


def sentence_key(cache_key: str) -> str:
    """A translated sentence; `cache_key` comes from `translators.pipeline.sentence_key`."""
    return SENTENCE_CACHE_PREFIX + cache_key


def feed_key(lang: str, variant: str) -> str:
    """A rendered feed (a hash of version, body, etag, last_modified)."""
    return f"{FEED_CACHE_PREFIX}{lang}:{variant}"


def stats_key(name: str) -> str:
    """A counter shown by /metrics."""
    return STATS_PREFIX + name


def signature_seen_key(digest: str) -> str:
    """A webhook signature already accepted (kept for the replay window)."""
    return SIGNATURE_SEEN_PREFIX + digest


USAGE_PREFIX = f"{NAMESPACE}:usage:"


def usage_counts_key(day: object) -> str:
    """One UTC day's usage counters (a hash: `key|lang|kind` -> count); see
    service.syndication.usage."""
    return f"{USAGE_PREFIX}counts:{day}"


def usage_items_key(day: object) -> str:
    """One UTC day's items that reached a key (a set of `key|lang|article`)."""
    return f"{USAGE_PREFIX}items:{day}"


def usage_flushing_pattern() -> str:
    """Usage counts renamed for a flush to the database (deleted once stored)."""
    return f"{USAGE_PREFIX}*:flushing:*"
