"""A running job renews its lease (issue 11, row 4): a job slower than its lease is never run
twice at once, and a run that lost its job (taken over after a stall) stores nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from service.articles import cms_calls
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


class SlowEngine(EngineBase):
    """The real tiny CTranslate2 engine, each batch delayed: a job far slower than its lease."""

    def __init__(self, real: Engine, delay: float) -> None:
        self.real, self.delay, self.calls = real, delay, 0
        self.source, self.target = real.source, real.target
        self.package, self.version = real.package, real.version

    @property
    def capabilities(self) -> Capabilities:
        return self.real.capabilities

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return self.real.strategy_memory

    def translate_batch(self, texts: list[str]) -> list[str]:
        self.calls += 1
        time.sleep(self.delay)
        return self.real.translate_batch(texts)

    def translate_batch_detailed(
        self, texts: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        # The pipeline calls this one: it must be slow too.
        self.calls += 1
        time.sleep(self.delay)
        return self.real.translate_batch_detailed(texts, hints)


class SlowRegistry(EngineRegistry):
    """The installed models, each wrapped in a SlowEngine of `delay` (injected into the
    runtime, as `Runtime.start(engines=...)` allows)."""

    delay = 0.0

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.slow: SlowEngine | None = None

    def engine(self, target: str, source: str = "ja") -> Engine | None:
        real = super().engine(target, source)
        if real is None or isinstance(real, Route):
            return real
        if self.slow is None or self.slow.delay != self.delay:
            self.slow = SlowEngine(real, self.delay)
        return self.slow


@pytest.fixture
def short_lease(settings: Settings, tiny_package_zip: Path) -> Iterator[Runtime]:
    short = settings.model_copy(update={"job_lease_seconds": LEASE, "target_languages": ("en",)})
    rt = Runtime.start(short, engines=SlowRegistry(short))
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


def _slow(runtime: Runtime, delay: float) -> SlowEngine:
    registry = runtime.engines
    assert isinstance(registry, SlowRegistry)
    registry.delay = delay
    slow = registry.engine("en")
    assert isinstance(slow, SlowEngine)
    return slow


@pytest.mark.slow
def test_a_job_slower_than_its_lease_runs_once(short_lease: Runtime) -> None:
    runtime = short_lease
    job_id = _one_job(runtime)
    slow = _slow(runtime, delay=7.0)  # one batch of every sentence: > 2 leases
    first = threading.Thread(target=run_job, args=(runtime.jobs, job_id))
    first.start()
    time.sleep(LEASE + 1.5)  # past the lease the job was claimed with
    assert first.is_alive()
    calls = slow.calls
    run_job(runtime.jobs, job_id)  # a second delivery (the sweeper's re-send) while it runs
    assert slow.calls == calls  # ... did not run it: the lease had been renewed
    Relay(runtime.outbox).sweep()
    assert Relay(runtime.outbox).sweep().sent == 0  # nor is a renewed running job re-sent
    first.join(timeout=60)
    with runtime.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "done" and job.attempts == 1
        assert session.scalar(select(func.count()).select_from(Translation)) == 1


@pytest.mark.slow
def test_a_run_that_lost_its_job_stores_nothing(short_lease: Runtime) -> None:
    """A worker stalled past its lease; another took the job over. The stalled run's late
    result is dropped (its writes are fenced on the attempt number)."""
    runtime = short_lease
    job_id = _one_job(runtime)
    _slow(runtime, delay=1.0)
    first = threading.Thread(target=run_job, args=(runtime.jobs, job_id))
    first.start()
    time.sleep(0.5)
    with runtime.sessions() as session:  # what a takeover after an expired lease does
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(attempts=Job.attempts + 1, lease_until=utcnow() + timedelta(seconds=60))
        )
        session.commit()
    first.join(timeout=60)
    with runtime.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "running" and job.attempts == 2
        assert session.scalar(select(func.count()).select_from(Translation)) == 0
