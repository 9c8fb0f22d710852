"""The few stand-ins the tests share, each for a seam the code declares: a sentence cache (the
pipeline's `SentenceCache`) and engines (`translators.engine.EngineBase`). Service tests use
the real Redis, database and test models; these serve the pure pipeline's tests and wrap a
real engine to record what it was asked. One home, so a change to a seam is made once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from translators.engine import Engine, EngineBase

__all__ = ["Counting", "DictCache", "FakeEngine", "RecordingEngine", "engine_of"]


class DictCache:
    """A `SentenceCache` in a dict (what Redis holds in the service)."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self.data.get(k) for k in keys]

    def set_many(self, items: Mapping[str, str]) -> None:
        self.data.update(items)


class Counting(EngineBase):
    """Wraps an engine (or a batch function); counts calls and sentences."""

    def __init__(self, inner: object, fn: Callable[[list[str]], list[str]] | None = None) -> None:
        self.inner = inner
        self.fn = fn
        self.source = getattr(inner, "source", "ja")
        self.target = getattr(inner, "target", "en")
        self.package = getattr(inner, "package", "test")
        self.version = getattr(inner, "version", "1")
        self.calls: list[list[str]] = []

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.calls.append(list(sentences))
        if self.fn is not None:
            return self.fn(sentences)
        return list(self.inner.translate_batch(sentences))  # type: ignore[attr-defined]


def engine_of(fn: Callable[[list[str]], list[str]]) -> Counting:
    """A counting ja→en engine answering each batch with `fn`."""
    return Counting(None, fn)


class FakeEngine(EngineBase):
    """An engine translating each sentence with `fn`, recording every batch."""

    def __init__(
        self,
        fn: Callable[[str], str],
        target: str = "en",
        *,
        source: str = "ja",
        package: str = "fake",
    ) -> None:
        self.fn = fn
        self.source, self.target, self.package, self.version = source, target, package, "1"
        self.calls: list[list[str]] = []

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.calls.append(list(sentences))
        return [self.fn(s) for s in sentences]


class RecordingEngine(EngineBase):
    """The real engine, recording what it is asked to translate."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.source, self.target = inner.source, inner.target
        self.package, self.version = inner.package, inner.version
        self.inputs: list[str] = []

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.inputs.extend(sentences)
        return self.inner.translate_batch(sentences)
