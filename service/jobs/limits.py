"""Bounded work per job: a time budget checked between bounded engine calls, and a share of the
worker threads for huge articles.

CTranslate2 cannot be interrupted inside a call (Dramatiq's time limit, an exception raised
into the thread, never fired in 29 minutes), so the work of each call is bounded instead:
sentences are at most `translators.segment.MAX_SENTENCE_CHARS` long and an engine call takes
at most `CALL_SENTENCES` of them. Between calls the job's budget is checked: past it the job
fails with an error saying so (running it again would take as long); a process stopping
hands the job back to the queue. A job's worker thread is thus free within one call's time.

Fairness: a job whose text is over `BIG_JOB_CHARS` runs only in one of the process's bulk
slots (all threads but one), so a huge article never holds every worker thread while small
ones wait; a big job finding no free slot goes back to the queue for a moment, holding nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from service.jobs.claims import QUEUED, RUNNING, WAITING, translate_message
from service.store.db import session_scope
from service.store.tables import Job, Revision, utcnow
from translators.engine import (
    Capabilities,
    Engine,
    EngineBase,
    Hints,
    Translated,
    translate_detailed,
)
from translators.route import Route
from translators.strategy_memory import StrategyMemory

if TYPE_CHECKING:
    from service.jobs.context import JobContext

log = logging.getLogger(__name__)

CALL_SENTENCES = 16
"""Sentences per engine call: with sentences of at most 200 characters a call takes a few
seconds even on a model that decodes every sentence to its cap (the toy model: about 3 s)."""

BIG_JOB_CHARS = 20_000
"""Characters (title, summary and body) above which a job is big: ten times a long article."""

DEFER_MS = 2_000
"""How long a big job waits in the queue's delay set when every bulk slot is taken."""


class OverBudget(Exception):
    """The job used up its time budget (`KAKEHASHI_JOB_TIME_BUDGET_SECONDS`)."""


class Stopping(Exception):
    """The process is stopping: the job goes back to the queue, to run elsewhere or later."""


@dataclass
class Budget:
    """A job's (or a request's) time budget, checked between engine calls."""

    seconds: float
    stopping: threading.Event | None = None
    started: float = field(default_factory=time.monotonic)
    sentences: int = 0  # translated so far, for the error message

    def check(self) -> None:
        if self.stopping is not None and self.stopping.is_set():
            raise Stopping("the worker is stopping; the job goes back to the queue")
        elapsed = time.monotonic() - self.started
        if elapsed > self.seconds:
            raise OverBudget(
                f"over its time budget of {self.seconds:g} s ({elapsed:.0f} s, "
                f"{self.sentences} sentences translated): the text is too long for the "
                "model in that time; shorten it or raise KAKEHASHI_JOB_TIME_BUDGET_SECONDS"
            )


class BudgetedEngine(EngineBase):
    """An engine whose calls take at most `CALL_SENTENCES` sentences each, with the budget
    checked before every call (the engine's identity is the inner one's: same cache keys)."""

    def __init__(self, inner: Engine, budget: Budget) -> None:
        self.inner = inner
        self.budget = budget
        self.source, self.target = inner.source, inner.target
        self.package, self.version = inner.package, inner.version

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return self.inner.strategy_memory

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        outputs: list[Translated] = []
        for start in range(0, len(sentences), CALL_SENTENCES):
            self.budget.check()
            chunk = sentences[start : start + CALL_SENTENCES]
            chunk_hints = None if hints is None else list(hints[start : start + CALL_SENTENCES])
            outputs.extend(translate_detailed(self.inner, chunk, chunk_hints))
            self.budget.sentences += len(chunk)
        return outputs

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [t.text for t in self.translate_batch_detailed(sentences)]

    def close(self) -> None:
        return None  # the registry owns the inner engine


def bounded(engine: Engine, budget: Budget) -> Engine:
    """`engine` (each step of a pivot route) with its calls bounded and the budget checked."""
    steps = engine.steps
    if len(steps) > 1:
        return Route([BudgetedEngine(e, budget) for e in steps])
    return BudgetedEngine(steps[0], budget)


class BulkSlots:
    """The worker threads of a process that may run big jobs: all but one (at least one)."""

    def __init__(self, threads: int) -> None:
        self.size = max(1, threads - 1)
        self._free = threading.BoundedSemaphore(self.size)

    def try_take(self) -> bool:
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()


def source_chars(ctx: JobContext, job_id: str) -> int:
    """The length of the text a job translates; 0 when the job is gone or no longer open (a
    duplicate message of a finished job is not deferred, it is dropped by its claim)."""
    length = (
        func.length(Revision.title)
        + func.length(Revision.body)
        + func.coalesce(func.length(Revision.summary), 0)
    )
    with session_scope(ctx.sessions) as session:
        size = session.scalar(
            select(length)
            .join(Job, Job.revision_id == Revision.id)
            .where(Job.id == job_id, Job.state.in_((QUEUED, RUNNING, WAITING)))
        )
    return int(size or 0)


def defer(ctx: JobContext, job_id: str) -> None:
    """Send a big job back to the queue's delay set; it stays queued, claimed by nobody."""
    ctx.broker.enqueue(translate_message(job_id), delay=DEFER_MS)
    with session_scope(ctx.sessions) as session:  # not "lost": the relay leaves it
        session.execute(update(Job).where(Job.id == job_id).values(enqueued_at=utcnow()))
    log.info("job %s is big and every bulk slot is busy: deferred %d ms", job_id, DEFER_MS)


@dataclass(frozen=True)
class PoolShare:
    """What a worker pool lends the jobs it runs: its bulk slots and its stopping flag."""

    slots: BulkSlots
    stopping: threading.Event
