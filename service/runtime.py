"""The long-lived resources of one process: database, Redis, broker, engines, glossary.

Built once at start-up (by `serve`, `worker` or a test) and handed to routes and jobs; nothing
here is created at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.access.auth_guard import KnownKeys, LocalLimits
from service.access.rate_limits import RateLimits
from service.articles.embargo import Releaser
from service.glossary.matchers import MatcherCache
from service.jobs.context import JobContext
from service.jobs.engines import EngineRegistry
from service.jobs.liveness import RedisWatch
from service.jobs.notices import Sender
from service.jobs.outbox import Outbox, Relay
from service.jobs.worker import WorkerPool
from service.migrate import prepare_store
from service.review.memory import DatabaseMemory
from service.settings import Settings
from service.store import db, unit_of_work
from service.store.cache import FeedCache, RedisSentenceCache
from service.store.embedded_redis import EmbeddedRedis
from service.store.redis_keys import (
    DRAMATIQ_NAMESPACE,
    SENTENCE_CACHE_HITS,
    SENTENCE_CACHE_MISSES,
    stats_key,
)
from service.syndication import page_links, push, websub
from service.syndication.push import PushContext, Pusher
from service.syndication.serving import (
    LocalFeeds,
    PrincipalCache,
    known_keys_loader,
    principal_lookup,
)
from service.syndication.usage import Usage
from service.syndication.version_watch import VersionWatcher

log = logging.getLogger(__name__)

# Messages a worker had fetched (prefetched or running) when it died go back to the queue once
# its broker heartbeat is this old, at the next "maintenance" a live worker runs. Dramatiq's
# defaults (60 s, one command in a thousand) left a killed worker's prefetched jobs queued for
# minutes (issue 11). A live worker stalled this long gets a duplicate message: harmless, as a
# job is claimed once and a running job's lease is renewed.
BROKER_HEARTBEAT_TIMEOUT_MS = 15_000
# Per million broker commands: an idle worker polls every 40 ms (service.jobs.worker.IDLE_POLL_MS,
# ~25 commands/s), so one in a hundred runs maintenance about every 4 s.
BROKER_MAINTENANCE_CHANCE = 10_000


@dataclass
class Runtime:
    settings: Settings
    db_engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.Redis[bytes]
    broker: RedisBroker
    engines: EngineRegistry
    embedded_redis: EmbeddedRedis | None = None
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def start(
        cls, settings: Settings, *, migrate: bool = True, engines: EngineRegistry | None = None
    ) -> Runtime:
        """Open everything; `engines` replaces the registry of installed models (tests pass one
        that records or wraps what the real engines are asked)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db_engine = db.make_engine(
            settings.resolved_database_url, busy_timeout=settings.sqlite_busy_timeout
        )
        sessions = db.make_sessionmaker(db_engine)
        if migrate:
            prepare_store(db_engine)
        embedded = None
        redis_url = settings.redis_url
        if redis_url is None:
            embedded = EmbeddedRedis(settings.data_dir)
            redis_url = embedded.url
        client = redis.Redis.from_url(redis_url, socket_timeout=10, health_check_interval=30)
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace=DRAMATIQ_NAMESPACE,
            heartbeat_timeout=BROKER_HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=BROKER_MAINTENANCE_CHANCE,
        )
        runtime = cls(
            settings=settings,
            db_engine=db_engine,
            sessions=sessions,
            redis=client,
            broker=broker,
            engines=engines or EngineRegistry(settings),
            embedded_redis=embedded,
        )
        unit_of_work.register(db_engine, runtime.reactions)
        for target, route in runtime.engines.routes(settings.target_languages).items():
            if route is None:
                log.warning(
                    "no model reaches ja:%s: its jobs wait until one is installed "
                    "(kakehashi models install ja:%s)",
                    target,
                    target,
                )
        return runtime

    @cached_property
    def matchers(self) -> MatcherCache:
        return MatcherCache()

    @cached_property
    def rate_limits(self) -> RateLimits:
        return RateLimits(
            self.redis,
            per_key=self.settings.rate_limit_per_key,
            per_ip=self.settings.rate_limit_per_ip,
            failed_auth_per_ip=self.settings.rate_limit_failed_auth_per_ip,
        )

    @cached_property
    def redis_watch(self) -> RedisWatch:
        """Since when Redis has been failing /healthz's checks (see `service.jobs.liveness`)."""
        return RedisWatch(self.redis, self.settings.health_redis_grace_seconds)

    @cached_property
    def sentence_cache(self) -> RedisSentenceCache:
        return RedisSentenceCache(self.redis, self.settings.cache_ttl_seconds)

    @cached_property
    def reactions(self) -> _Reactions:
        """What this process does about its commits (`service.store.unit_of_work`)."""
        return _Reactions(self)

    @cached_property
    def jobs(self) -> JobContext:
        """What running a translation job uses."""
        return JobContext(
            sessions=self.sessions,
            settings=self.settings,
            broker=self.broker,
            engines=self.engines,
            matchers=self.matchers,
            sentence_cache=self.sentence_cache,
            memory=self.memory,
            count_cache=self.count_cache,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(
            sessions=self.sessions,
            settings=self.settings,
            broker=self.broker,
            redis=self.redis,
            model_available=self.engines.available,
        )

    @cached_property
    def relay(self) -> Relay:
        """Sends jobs and deliveries to the broker: its thread starts with a worker pool, or
        at the first commit here that wrote some (an API process without workers)."""
        return Relay(self.outbox)

    @cached_property
    def sender(self) -> Sender:
        """Makes the attempts of deliveries (the `deliver` actor's work)."""
        return Sender(
            self.sessions,
            self.settings,
            key_secret=push.key_secret(self.sessions, self.settings),
            broker=self.broker,
        )

    @cached_property
    def pusher(self) -> Pusher:
        """Finds what each partner key with a callback was not yet pushed (started with a
        worker pool; woken whenever a feed changed)."""
        context = PushContext(
            sessions=self.sessions,
            settings=self.settings,
            link_secret=self.link_secret,
            usage=self.usage,
        )
        return Pusher(context, poll=self.settings.sweep_interval)

    @cached_property
    def releaser(self) -> Releaser:
        """Releases embargoes on time (started with a worker pool; woken after a commit that
        set one, so it sleeps until the new soonest)."""
        return Releaser(self.sessions, self.settings, poll=self.settings.sweep_interval)

    def worker_pool(self, threads: int) -> WorkerPool:
        """`threads` worker threads in this process, with the relay, the releaser and the
        pusher."""
        return WorkerPool(
            self.jobs,
            self.sender,
            self.relay,
            threads,
            periodic=(self.releaser.periodic, self.pusher.periodic),
        )

    @cached_property
    def usage(self) -> Usage:
        """Usage counts per key, day and language (`Usage.feed` is the hot path's one call)."""
        return Usage(self.redis, self.sessions, self.settings)

    @cached_property
    def memory(self) -> DatabaseMemory:
        return DatabaseMemory(self.sessions)

    @cached_property
    def feed_cache(self) -> FeedCache:
        return FeedCache(self.redis)

    @cached_property
    def principals(self) -> PrincipalCache:
        """Keys behind tokens, for the feed hot path (revocation honoured within a second)."""
        return PrincipalCache(principal_lookup(self.sessions))

    @cached_property
    def feed_versions(self) -> VersionWatcher:
        """The current feed version per language, pushed into the process (a thread of its
        own, started at first use; see `service.syndication.version_watch` for the staleness
        bound)."""
        watcher = VersionWatcher(self.db_engine)
        watcher.start()
        return watcher

    @cached_property
    def local_limits(self) -> LocalLimits:
        """The feed hot path's abuse limits, counted in this process."""
        return LocalLimits.from_settings(self.settings)

    @cached_property
    def known_keys(self) -> KnownKeys:
        """The live keys' token hashes: who may still try from an address over its limit."""
        return KnownKeys(known_keys_loader(self.sessions))

    @cached_property
    def local_feeds(self) -> LocalFeeds:
        """Rendered feeds held in this process, each with the version it was rendered from."""
        return LocalFeeds()

    @cached_property
    def link_secret(self) -> bytes:
        """The key signing links to translation pages (kept in the database, made once)."""
        with db.session_scope(self.sessions) as session:
            return page_links.load_secret(session)

    def link_signer(self, key_id: int) -> page_links.LinkSigner:
        """Signs the page links of one key's feeds (permanent: they live as long as the key)."""
        return page_links.LinkSigner(
            secret=self.link_secret, base_url=self.settings.public_url.rstrip("/"), key_id=key_id
        )

    def count_cache(self, hits: int, misses: int) -> None:
        """Add to the sentence-cache counters shown by /metrics (best effort)."""
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incrby(stats_key(SENTENCE_CACHE_HITS), hits)
            pipe.incrby(stats_key(SENTENCE_CACHE_MISSES), misses)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("could not count cache use: %s", exc)

    def cache_counts(self) -> tuple[int, int]:
        """(hits, misses) of the sentence cache so far; raises redis.RedisError when down."""
        hits, misses = self.redis.mget(
            [stats_key(SENTENCE_CACHE_HITS), stats_key(SENTENCE_CACHE_MISSES)]
        )
        return int(hits or 0), int(misses or 0)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        unit_of_work.unregister(self.db_engine, self.reactions)
        if "relay" in self.__dict__:
            self.relay.periodic.stop()
        if "releaser" in self.__dict__:
            self.releaser.stop()
        if "pusher" in self.__dict__:
            self.pusher.stop()
        if "usage" in self.__dict__:
            self.usage.close()
        if "sender" in self.__dict__:
            self.sender.close()
        self.engines.close()
        try:
            self.broker.close()
        except Exception:
            log.exception("closing the broker failed")
        self.redis.close()
        if "feed_versions" in self.__dict__:
            self.feed_versions.stop()
        self.db_engine.dispose()
        if self.embedded_redis is not None:
            self.embedded_redis.close()


class _Reactions:
    """This process's reactor (`service.store.unit_of_work.Reactor`): the hub pings of every
    language whose feed moved are written with the change; after the commit the relay sends
    new jobs and deliveries, the pusher scans, the releaser plans again."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def prepare(self, session: Session, effects: unit_of_work.Effects) -> None:
        settings = self._runtime.settings
        if effects.feeds and settings.websub_hubs:
            topics = websub.feed_topics(settings.public_url, effects.feeds)
            websub.record(session, settings.websub_hubs, topics)

    def react(self, effects: unit_of_work.Effects) -> None:
        runtime = self._runtime
        if effects.jobs or effects.deliveries:
            runtime.relay.periodic.start()  # once; an API process without workers needs it
            runtime.relay.ask(effects.jobs, effects.deliveries)
        if effects.feeds and "pusher" in runtime.__dict__:
            runtime.pusher.wake()
        if effects.embargoes and "releaser" in runtime.__dict__:
            runtime.releaser.wake()
