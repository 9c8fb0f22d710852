"""What running a translation job uses, and nothing more: built once per process by the
runtime (`Runtime.jobs`), by tests with the parts they choose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dramatiq.broker import Broker
from sqlalchemy.orm import Session, sessionmaker

from service.glossary.matchers import MatcherCache
from service.jobs.engines import EngineRegistry
from service.review.memory import DatabaseMemory
from service.settings import Settings
from service.store.tables import utcnow
from translators import SentenceCache


@dataclass(frozen=True)
class JobContext:
    sessions: sessionmaker[Session]
    settings: Settings
    broker: Broker  # a big job is deferred through it (service.jobs.limits)
    engines: EngineRegistry
    matchers: MatcherCache
    sentence_cache: SentenceCache
    memory: DatabaseMemory
    count_cache: Callable[[int, int], None]  # (hits, misses) of the sentence cache, for /metrics
    # The time leases are taken, renewed and judged by (tests move it instead of sleeping).
    clock: Callable[[], datetime] = utcnow
