"""Cross-request batching: merge concurrent ``translate_batch`` calls into one engine call.

CTranslate2 is far more efficient on one large batch than on several small concurrent ones.
:class:`BatchingEngine` wraps any :class:`~translators.engine.Engine`; worker threads call it
as usual, and a single dispatcher thread merges the requests that arrive close together:

* the dispatcher (a daemon thread, started on first use) takes the oldest pending request and
  waits until ``max_wait_ms`` after *that request was enqueued*, or until at least
  ``max_sentences`` sentences are pending, whichever comes first; a caller therefore waits at
  most ``max_wait_ms`` beyond the engine time (plus any batch already running);
* whole requests are merged in arrival order while the total stays within ``max_sentences``
  (a request is never split: one larger than ``max_sentences`` is a batch on its own);
  identical sentences (with identical term hints) are sent once; the inner engine is called
  once per batch, and each caller gets its own outputs, in order; the batch goes through the
  inner engine's ``translate_batch_detailed``, so a CTranslate2 engine still caps each
  sentence by its own length (it buckets by length inside the merged batch) and reports
  truncation to the callers; the wrapper declares the inner engine's capabilities;
* an exception from the inner engine is raised in every caller of that batch;
* inner calls are serialised (one batch at a time), which is what a CTranslate2 engine wants.

After :meth:`BatchingEngine.close` (idempotent; already queued requests are still served),
calls go straight to the inner engine, so worker threads that finish late never fail.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from translators.engine import Capabilities, Engine, EngineBase, Hints, Translated

if TYPE_CHECKING:
    from translators.strategy_memory import StrategyMemory

__all__ = ["BatchingEngine"]


_Item = tuple[str, Hints]  # a sentence and its term hints: what is deduplicated


class _Request:
    __slots__ = ("done", "enqueued", "error", "result", "sentences")

    def __init__(self, sentences: list[_Item]) -> None:
        self.sentences = sentences
        self.enqueued = time.monotonic()
        self.done = threading.Event()
        self.result: list[Translated] = []
        self.error: BaseException | None = None


class BatchingEngine(EngineBase):
    """An :class:`~translators.engine.Engine` with the identity, capabilities and strategy
    memory of ``inner``."""

    def __init__(self, inner: Engine, *, max_wait_ms: float = 5.0, max_sentences: int = 256):
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must be >= 0")
        if max_sentences < 1:
            raise ValueError("max_sentences must be >= 1")
        self.inner = inner
        self.source = inner.source
        self.target = inner.target
        self.package = inner.package
        self.version = inner.version
        self.max_wait = max_wait_ms / 1000.0
        self.max_sentences = max_sentences
        self._cond = threading.Condition()
        self._pending: deque[_Request] = deque()
        self._pending_sentences = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return self.inner.strategy_memory

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        if not sentences:
            return []
        items = list(zip(sentences, hints or [()] * len(sentences), strict=True))
        request = _Request(items)
        with self._cond:
            closed = self._closed
            if not closed:
                self._pending.append(request)
                self._pending_sentences += len(request.sentences)
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="kakehashi-batching", daemon=True
                    )
                    self._thread.start()
                self._cond.notify()
        if closed:
            return self.inner.translate_batch_detailed(list(sentences), hints)
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def close(self) -> None:
        """Serve what is queued, stop the dispatcher; later calls go to ``inner`` directly."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self.inner.close()

    def __enter__(self) -> BatchingEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return  # closed and drained
                deadline = self._pending[0].enqueued + self.max_wait
                while not self._closed and self._pending_sentences < self.max_sentences:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                batch = [self._pending.popleft()]
                total = len(batch[0].sentences)
                while (
                    self._pending and total + len(self._pending[0].sentences) <= self.max_sentences
                ):
                    batch.append(self._pending.popleft())
                    total += len(batch[-1].sentences)
                self._pending_sentences -= total
            self._dispatch(batch)

    def _dispatch(self, batch: list[_Request]) -> None:
        unique = list(dict.fromkeys(s for request in batch for s in request.sentences))
        try:
            hints = [h for _, h in unique] if any(h for _, h in unique) else None
            outputs = self.inner.translate_batch_detailed([s for s, _ in unique], hints)
            if len(outputs) != len(unique):
                raise ValueError(f"engine returned {len(outputs)} outputs for {len(unique)}")
            table = dict(zip(unique, outputs, strict=True))
            for request in batch:
                request.result = [table[s] for s in request.sentences]
        except BaseException as exc:  # delivered to the callers, never lost with the thread
            for request in batch:
                request.error = exc
        for request in batch:
            request.done.set()
