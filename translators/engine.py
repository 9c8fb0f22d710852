"""The engine protocol: anything that translates a batch of sentences.

An engine may also offer ``translate_batch_detailed``, which says for each output whether
decoding stopped at the sentence's length cap (``truncated``); the pipeline uses it when
present (:func:`translate_detailed`) and treats plain engines as never truncating.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["DetailedEngine", "Engine", "Translated", "translate_detailed"]


class Engine(Protocol):
    """A sentence translator with an identity used in cache keys.

    ``translate_batch`` returns exactly one output per input, in the same order.
    """

    source: str
    target: str
    package: str
    version: str

    def translate_batch(self, sentences: list[str]) -> list[str]: ...


@dataclass(frozen=True)
class Translated:
    """One output of an engine: the text, and whether it was cut at its length cap."""

    text: str
    truncated: bool = False


@runtime_checkable
class DetailedEngine(Protocol):
    """An engine that reports truncation: one :class:`Translated` per input, in order."""

    def translate_batch_detailed(self, sentences: list[str]) -> list[Translated]: ...


def translate_detailed(engine: Engine, sentences: list[str]) -> list[Translated]:
    """``engine``'s outputs with truncation where the engine knows it, else ``False``."""
    if isinstance(engine, DetailedEngine):
        return list(engine.translate_batch_detailed(sentences))
    return [Translated(str(text)) for text in engine.translate_batch(sentences)]
