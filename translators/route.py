"""A pivot :class:`Route`: engines applied one after the other (ja→en→fr), itself usable
wherever one engine's languages are asked for."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from translators.engine import Engine

__all__ = ["Route"]


class Route:
    """Engines applied one after the other (a pivot), e.g. ``Route([ja_en, en_fr])``.

    Each engine's target must be the next one's source. ``languages`` is the recorded route,
    e.g. ``("ja", "en", "fr")``.
    """

    def __init__(self, engines: Sequence[Engine]) -> None:
        if not engines:
            raise ValueError("a route needs at least one engine")
        for left, right in itertools.pairwise(engines):
            if left.target != right.source:
                raise ValueError(
                    f"route breaks between {left.source}→{left.target} and "
                    f"{right.source}→{right.target}"
                )
        self.engines: tuple[Engine, ...] = tuple(engines)

    @property
    def source(self) -> str:
        return self.engines[0].source

    @property
    def target(self) -> str:
        return self.engines[-1].target

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.source, *(e.target for e in self.engines))

    def __repr__(self) -> str:
        return f"Route({'→'.join(self.languages)})"
