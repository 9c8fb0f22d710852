from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from translators.batching import BatchingEngine
from translators.ctranslate import CTranslate2Engine
from translators.engine import EngineBase


class FakeEngine(EngineBase):
    """Deterministic engine: reverses each sentence, records every call and its thread."""

    source, target, package, version = "ja", "en", "fake-ja_en", "9.9"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[list[str]] = []
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def translate_batch(self, sentences: list[str]) -> list[str]:
        with self._lock:
            self.calls.append(list(sentences))
            self.threads.append(threading.current_thread())
        if any(s == "boom" for s in sentences):
            raise RuntimeError("engine failed")
        time.sleep(self.delay)
        return [s[::-1] for s in sentences]


def run_concurrently(
    engine: BatchingEngine, requests: list[list[str]]
) -> list[list[str] | BaseException]:
    """Call ``engine.translate_batch`` for every request at once, one thread each."""
    results: list[list[str] | BaseException] = [[] for _ in requests]
    barrier = threading.Barrier(len(requests))

    def work(i: int) -> Callable[[], None]:
        def run() -> None:
            barrier.wait()
            try:
                results[i] = engine.translate_batch(requests[i])
            except BaseException as exc:
                results[i] = exc

        return run

    threads = [threading.Thread(target=work(i)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    return results


def test_identity_and_arguments() -> None:
    inner = FakeEngine()
    engine = BatchingEngine(inner)
    assert (engine.source, engine.target, engine.package, engine.version) == (
        "ja",
        "en",
        "fake-ja_en",
        "9.9",
    )
    with pytest.raises(ValueError):
        BatchingEngine(inner, max_wait_ms=-1)
    with pytest.raises(ValueError):
        BatchingEngine(inner, max_sentences=0)


def test_empty_input_touches_nothing() -> None:
    inner = FakeEngine()
    engine = BatchingEngine(inner)
    assert engine.translate_batch([]) == []
    assert inner.calls == []
    assert engine._thread is None


def test_concurrent_callers_merged_in_order() -> None:
    inner = FakeEngine()
    requests = [[f"t{i}-s{j}" for j in range(i % 5 + 1)] for i in range(16)]
    total = sum(map(len, requests))
    # The batch closes when every sentence is pending, so exactly one inner call is made.
    with BatchingEngine(inner, max_wait_ms=5000, max_sentences=total) as engine:
        results = run_concurrently(engine, requests)
    assert results == [[s[::-1] for s in r] for r in requests]
    assert len(inner.calls) == 1
    assert sorted(inner.calls[0]) == sorted(s for r in requests for s in r)


def test_concurrent_callers_with_time_window() -> None:
    inner = FakeEngine(delay=0.01)
    requests = [[f"t{i}-s{j}" for j in range(3)] for i in range(32)]
    with BatchingEngine(inner, max_wait_ms=20) as engine:
        results = run_concurrently(engine, requests)
    assert results == [[s[::-1] for s in r] for r in requests]
    assert len(inner.calls) <= 8  # far fewer than 32 (typically 1 or 2)


def test_single_caller_waits_at_most_the_window() -> None:
    inner = FakeEngine()
    with BatchingEngine(inner, max_wait_ms=20) as engine:
        start = time.monotonic()
        assert engine.translate_batch(["abc", "de"]) == ["cba", "ed"]
        elapsed = time.monotonic() - start
    assert 0.015 <= elapsed < 0.5


def test_dedupe_across_and_within_requests() -> None:
    inner = FakeEngine()
    requests = [["a1", "b2", "a1"], ["b2", "c3"], ["c3", "a1"]]
    with BatchingEngine(inner, max_wait_ms=5000, max_sentences=7) as engine:
        results = run_concurrently(engine, requests)
    assert results == [["1a", "2b", "1a"], ["2b", "3c"], ["3c", "1a"]]
    assert len(inner.calls) == 1
    assert sorted(inner.calls[0]) == ["a1", "b2", "c3"]


def test_exception_reaches_every_caller_of_the_batch() -> None:
    inner = FakeEngine()
    requests = [["fine"], ["boom"], ["also fine", "x"]]
    with BatchingEngine(inner, max_wait_ms=5000, max_sentences=4) as engine:
        results = run_concurrently(engine, requests)
        assert len(inner.calls) == 1
        for result in results:
            assert isinstance(result, RuntimeError)
            assert str(result) == "engine failed"
        # The dispatcher survives: the next batch is served normally.
        engine.max_sentences = 1
        assert engine.translate_batch(["ok"]) == ["ko"]


def test_wrong_output_count_is_an_error() -> None:
    class Short(FakeEngine):
        def translate_batch(self, sentences: list[str]) -> list[str]:
            return super().translate_batch(sentences)[1:]

    with BatchingEngine(Short(), max_wait_ms=0) as engine, pytest.raises(ValueError):
        engine.translate_batch(["a", "b"])


def test_max_sentences_splits_batches() -> None:
    inner = FakeEngine()
    requests = [[f"t{i}-a", f"t{i}-b"] for i in range(4)]
    with BatchingEngine(inner, max_wait_ms=5000, max_sentences=4) as engine:
        results = run_concurrently(engine, requests)
        assert results == [[s[::-1] for s in r] for r in requests]
        assert [len(c) for c in inner.calls] == [4, 4]
        # A request is never split: an oversized one is a batch of its own.
        big = [f"big{i}" for i in range(10)]
        assert engine.translate_batch(big) == [s[::-1] for s in big]
        assert inner.calls[-1] == big


def test_close_serves_queued_requests_then_goes_direct() -> None:
    inner = FakeEngine()
    engine = BatchingEngine(inner, max_wait_ms=5000)
    results: list[list[str]] = []
    caller = threading.Thread(target=lambda: results.append(engine.translate_batch(["queued"])))
    start = time.monotonic()
    caller.start()
    while not engine._pending and caller.is_alive():  # wait until the request is queued
        time.sleep(0.001)
    engine.close()  # releases the queued request at once instead of after 5 s
    caller.join(timeout=5)
    assert results == [["deueuq"]]
    assert time.monotonic() - start < 2
    assert engine._thread is not None and not engine._thread.is_alive()
    assert inner.threads == [engine._thread]
    assert engine.translate_batch(["late"]) == ["etal"]
    assert inner.threads[-1] is threading.current_thread()  # direct call after close
    engine.close()  # idempotent
    BatchingEngine(inner).close()  # never started: nothing to stop


def test_real_engine_from_four_threads(tiny_engine: CTranslate2Engine) -> None:
    base = [
        "日本は拒否的抑止力を強化する必要がある。",
        "クレムリン報道官は対話継続の声明を出した。",
        "円相場は1ドル＝150円台で推移している。",
        "",
    ]
    requests = [[f"{s}{i}" if s else s for s in base] + base[:2] for i in range(4)]
    with BatchingEngine(tiny_engine, max_wait_ms=20) as engine:
        results = run_concurrently(engine, requests)
    for request, result in zip(requests, results, strict=True):
        assert isinstance(result, list)
        assert len(result) == len(request)
        assert all(isinstance(o, str) for o in result)
        assert result[3] == ""
