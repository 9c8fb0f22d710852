"""The engine protocol: anything that translates a batch of sentences, and what it declares.

An engine states what it can do in :class:`Capabilities` instead of being probed: whether
its ``truncated`` outputs mean anything, and whether it reads the glossary terms handed to
it with each sentence (a prompted decoder model does; a sequence-to-sequence model cannot).
A pivot route (:class:`translators.route.Route`) is an engine too: its ``steps`` are the
engines it chains, and a single engine is its own only step.

:class:`EngineBase` gives the defaults (no capabilities, no strategy memory, one step,
nothing to close, ``translate_batch_detailed`` from ``translate_batch``), so a plain engine
only writes its identity and ``translate_batch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from translators.strategy_memory import StrategyMemory

__all__ = [
    "Capabilities",
    "Engine",
    "EngineBase",
    "Hint",
    "Hints",
    "Translated",
    "translate_detailed",
]


@dataclass(frozen=True)
class Translated:
    """One output of an engine: the text, and whether it was cut at its length cap."""

    text: str
    truncated: bool = False


@dataclass(frozen=True)
class Hint:
    """A glossary term of one input sentence: its source spelling and the rendering wanted."""

    source: str
    rendering: str


Hints = tuple[Hint, ...]


@dataclass(frozen=True)
class Capabilities:
    """What an engine declares about itself; the pipeline reads this, never the type.

    ``reports_truncation``: an output's ``truncated`` says it reached its length cap (else
    the engine cannot know and always answers ``False``). ``term_hints``: the engine reads
    the :class:`Hint` list passed with each sentence (e.g. in a prompt), so the pipeline
    tries the unaltered sentence with its terms first (strategy "prompt").
    """

    reports_truncation: bool = False
    term_hints: bool = False


PLAIN = Capabilities()


class Engine(Protocol):
    """A sentence translator with an identity used in cache keys.

    ``translate_batch`` and ``translate_batch_detailed`` return exactly one output per input,
    in the same order; ``hints``, when given, has one tuple per input (read only by engines
    declaring ``capabilities.term_hints``). ``steps`` is the chain of single-pair engines a
    pivot runs through (``(self,)`` for one engine), ``languages`` the languages it passes
    through (``("ja", "en", "fr")``). ``strategy_memory``: what the glossary
    strategies achieve with this model, when the engine keeps it. ``close`` releases what
    the engine holds (threads, model memory); calls after it may still be served.
    """

    source: str
    target: str
    package: str
    version: str

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def steps(self) -> tuple[Engine, ...]: ...

    @property
    def strategy_memory(self) -> StrategyMemory | None: ...

    @property
    def languages(self) -> tuple[str, ...]: ...

    def translate_batch(self, sentences: list[str]) -> list[str]: ...

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]: ...

    def close(self) -> None: ...


class EngineBase:
    """Defaults for an :class:`Engine`: subclasses set the identity and ``translate_batch``
    (and override the rest where they do more)."""

    source: str
    target: str
    package: str
    version: str

    @property
    def capabilities(self) -> Capabilities:
        return PLAIN

    @property
    def steps(self) -> tuple[Engine, ...]:
        return (self,)

    @property
    def strategy_memory(self) -> StrategyMemory | None:
        return None

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.source, self.target)

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [t.text for t in self.translate_batch_detailed(sentences)]

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        if type(self).translate_batch is EngineBase.translate_batch:
            raise NotImplementedError(f"{type(self).__name__} implements neither translate method")
        return [Translated(str(text)) for text in self.translate_batch(sentences)]

    def close(self) -> None:
        return None


def translate_detailed(
    engine: Engine, sentences: list[str], hints: Sequence[Hints] | None = None
) -> list[Translated]:
    """``engine``'s outputs; truncation only where the engine declares it knows it."""
    outputs = list(engine.translate_batch_detailed(sentences, hints))
    if engine.capabilities.reports_truncation:
        return outputs
    return [o if not o.truncated else Translated(o.text) for o in outputs]
