"""A running job renews its lease (issue 11, row 4): a job slower than its lease is never run
twice at once, and a run that lost its job (taken over after a stall) stores nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from service.articles import cms_calls
from service.jobs.claims import LeaseKeeper, claim
from service.jobs.engines import EngineRegistry
from service.jobs.outbox import Relay
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.schemas import ArticleContent
from service.settings import Settings
from service.store.tables import Job, Translation, utcnow
from tests.service.conftest import article
from translators.engine import Capabilities, Engine, EngineBase, Hints, Translated
from translators.package import install
from translators.route import Route
from translators.strategy_memory import StrategyMemory

LEASE = 3


class HeldEngine(EngineBase):
    """The real tiny CTranslate2 engine, held inside its first call until the test lets it go
    (an event, not a delay: what happens meanwhile is the test's, deterministically)."""

    def __init__(self, real: Engine) -> None:
        self.real = real
        self.source, self.target = real.source, real.target
        self.package, self.version = real.package, real.version
        self.entered, self.release = threading.Event(), threading.Event()

    @property
    def capabilities(self) -> Capabilities:
        return self.real.capabilities

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return self.real.strategy_memory

    def translate_batch(self, texts: list[str]) -> list[str]:
        self._hold()
        return self.real.translate_batch(texts)

    def translate_batch_detailed(
        self, texts: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        self._hold()  # the pipeline calls this one
        return self.real.translate_batch_detailed(texts, hints)

    def _hold(self) -> None:
        self.entered.set()
        assert self.release.wait(60), "the test never let the engine go"


class HeldRegistry(EngineRegistry):
    """The installed models, each wrapped in a HeldEngine (injected into the runtime, as
    `Runtime.start(engines=...)` allows)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.held: HeldEngine | None = None

    def engine(self, target: str, source: str = "ja") -> Engine | None:
        real = super().engine(target, source)
        if real is None or isinstance(real, Route):
            return real
        if self.held is None:
            self.held = HeldEngine(real)
        return self.held


class Clock:
    """The time leases are judged by, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def short_lease(settings: Settings, tiny_package_zip: Path) -> Iterator[Runtime]:
    short = settings.model_copy(update={"job_lease_seconds": LEASE, "target_languages": ("en",)})
    rt = Runtime.start(short, engines=HeldRegistry(short))
    install(tiny_package_zip, rt.settings.resolved_models_dir)
    yield rt
    rt.close()


def _one_job(runtime: Runtime) -> str:
    content = ArticleContent.model_validate({k: v for k, v in article().items() if k != "id"})
    cms_calls.accept(
        runtime.sessions, runtime.settings, runtime.matchers, "a-1", content, put=False
    )
    with runtime.sessions() as session:
        return session.scalars(select(Job.id)).one()


def _held(runtime: Runtime) -> HeldEngine:
    registry = runtime.engines
    assert isinstance(registry, HeldRegistry)
    held = registry.engine("en")
    assert isinstance(held, HeldEngine)
    return held


def test_a_job_slower_than_its_lease_runs_once(short_lease: Runtime) -> None:
    """Its lease renewed, a running job is neither claimed by a second delivery nor re-sent
    by the relay once its first lease has run out; when the renewals stop (its worker died)
    another worker takes it over, and the first run's renewal finds it lost."""
    runtime = short_lease
    job_id = _one_job(runtime)
    clock = Clock()
    ctx = replace(runtime.jobs, clock=clock)
    relay = Relay(replace(runtime.outbox, clock=clock))
    attempt = claim(ctx, job_id)
    assert attempt == 1
    keeper = LeaseKeeper(ctx, job_id, attempt)
    clock.advance(LEASE / 3)
    assert keeper.renew()  # the heartbeat
    clock.advance(LEASE)  # past the lease it was claimed with, within the renewed one
    assert claim(ctx, job_id) is None  # a second delivery (the relay's re-send) does not run it
    relay.sweep()
    assert relay.sweep().sent == 0  # nor is a renewed running job re-sent
    clock.advance(LEASE)  # no renewal since: the worker died
    assert relay.sweep().sent == 1  # its lease ran out: sent again
    assert claim(ctx, job_id) == 2  # and taken over, once
    assert claim(ctx, job_id) is None
    assert not keeper.renew() and keeper.lost  # the first run finds it lost


@pytest.mark.slow
def test_a_real_run_renews_its_lease_and_finishes_once(short_lease: Runtime) -> None:
    """The same through the real lease thread and the real engine, held in its call while the
    second delivery arrives (an event, not a sleep, decides when)."""
    runtime = short_lease
    job_id = _one_job(runtime)
    held = _held(runtime)
    first = threading.Thread(target=run_job, args=(runtime.jobs, job_id))
    first.start()
    assert held.entered.wait(60)
    run_job(runtime.jobs, job_id)  # a second delivery while it runs: not claimable
    held.release.set()
    first.join(timeout=60)
    with runtime.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "done" and job.attempts == 1
        assert session.scalar(select(func.count()).select_from(Translation)) == 1


def test_a_run_that_lost_its_job_stores_nothing(short_lease: Runtime) -> None:
    """A worker stalled past its lease; another took the job over. The stalled run's late
    result is dropped (its writes are fenced on the attempt number)."""
    runtime = short_lease
    job_id = _one_job(runtime)
    held = _held(runtime)
    first = threading.Thread(target=run_job, args=(runtime.jobs, job_id))
    first.start()
    assert held.entered.wait(60)  # the run is inside the engine: stalled, as far as we know
    with runtime.sessions() as session:  # what a takeover after an expired lease does
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(attempts=Job.attempts + 1, lease_until=utcnow() + timedelta(seconds=60))
        )
        session.commit()
    held.release.set()
    first.join(timeout=60)
    with runtime.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "running" and job.attempts == 2
        assert session.scalar(select(func.count()).select_from(Translation)) == 0
