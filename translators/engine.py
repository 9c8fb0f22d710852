"""The engine protocol: anything that translates a batch of sentences."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Engine"]


class Engine(Protocol):
    """A sentence translator with an identity used in cache keys.

    ``translate_batch`` returns exactly one output per input, in the same order.
    """

    source: str
    target: str
    package: str
    version: str

    def translate_batch(self, sentences: list[str]) -> list[str]: ...
