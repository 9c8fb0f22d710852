"""Every Redis key prefix and queue name lives here."""

from __future__ import annotations

NAMESPACE = "kakehashi"
SENTENCE_CACHE_PREFIX = f"{NAMESPACE}:sent:"
FEED_CACHE_PREFIX = f"{NAMESPACE}:feed:"
FEED_GENERATION_PREFIX = f"{NAMESPACE}:feedgen:"
DRAMATIQ_NAMESPACE = f"{NAMESPACE}:dramatiq"
TRANSLATE_QUEUE = "translate"
TRANSLATE_ACTOR = "translate_job"
STATS_PREFIX = f"{NAMESPACE}:stats:"
