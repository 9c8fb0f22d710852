"""What each glossary strategy achieves with one model, so that hopeless rounds are skipped.

The pipeline tries ``inline``, then ``placeholder``, then ``split`` for a sentence with terms;
each failed round re-translates the sentence. A model that never keeps an inline rendering
(the random test model; a weak real one) then pays three translations per sentence. A
:class:`StrategyMemory` counts, per strategy, the sentences with terms that it was tried on
and those it satisfied; once a strategy has failed often enough (``min_tries`` tries, under
``min_success`` of them satisfied), sentences skip it, except one in ``probe_every``, which
still tries it so the memory keeps learning. The last resort (``split``) is never skipped, so
every guarantee holds whatever the memory says. Pure and thread-safe (a lock, no I/O).

An engine may carry one as ``strategy_memory`` (the CTranslate2 engine does: one per loaded
model); engines without it always run the full cascade.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["StrategyMemory", "StrategyTally"]


@dataclass
class StrategyTally:
    tries: int = 0
    successes: int = 0
    decisions: int = 0  # how many sentences asked whether to try it (for probing)


class StrategyMemory:
    def __init__(
        self, *, min_tries: int = 32, min_success: float = 0.05, probe_every: int = 20
    ) -> None:
        if min_tries < 1 or probe_every < 1 or not 0.0 <= min_success <= 1.0:
            raise ValueError("min_tries and probe_every must be >= 1, min_success in 0..1")
        self.min_tries = min_tries
        self.min_success = min_success
        self.probe_every = probe_every
        self._lock = threading.Lock()
        self._tallies: dict[str, StrategyTally] = {}

    def worth_trying(self, strategy: str) -> bool:
        """Whether the next sentence with terms should try ``strategy``."""
        with self._lock:
            tally = self._tallies.setdefault(strategy, StrategyTally())
            tally.decisions += 1
            if tally.tries < self.min_tries:
                return True
            if tally.successes >= self.min_success * tally.tries:
                return True
            return tally.decisions % self.probe_every == 0

    def record(self, strategy: str, *, tries: int, successes: int) -> None:
        with self._lock:
            tally = self._tallies.setdefault(strategy, StrategyTally())
            tally.tries += tries
            tally.successes += successes

    def tally(self, strategy: str) -> StrategyTally:
        with self._lock:
            found = self._tallies.get(strategy, StrategyTally())
            return StrategyTally(found.tries, found.successes, found.decisions)
