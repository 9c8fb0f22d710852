"""A pivot :class:`Route`: engines applied one after the other (ja→en→fr), itself an
:class:`~translators.engine.Engine`, usable wherever one engine's languages are asked for.

The pipeline enforces the glossary at every step, so it runs a route's ``steps`` itself;
calling the route directly (``translate_batch``) chains the steps without a glossary.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from translators.engine import Capabilities, Engine, EngineBase, Hints, Translated

__all__ = ["Route"]


class Route(EngineBase):
    """Engines applied one after the other (a pivot), e.g. ``Route([ja_en, en_fr])``.

    Each engine's target must be the next one's source. ``languages`` is the recorded route,
    e.g. ``("ja", "en", "fr")``; a step that is itself a route is flattened into its steps.
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
        self._steps: tuple[Engine, ...] = tuple(s for e in engines for s in e.steps)
        self.source = self._steps[0].source
        self.target = self._steps[-1].target
        self.package = "+".join(s.package for s in self._steps)
        self.version = "+".join(s.version for s in self._steps)

    @property
    def steps(self) -> tuple[Engine, ...]:
        return self._steps

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The steps (the name this attribute had before routes were engines)."""
        return self._steps

    @property
    def capabilities(self) -> Capabilities:
        # Hints name the final renderings, which only the last step could use: none are
        # passed through a chain, so a route reads none.
        return Capabilities(
            reports_truncation=all(s.capabilities.reports_truncation for s in self._steps)
        )

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.source, *(e.target for e in self._steps))

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        outputs = [Translated(s) for s in sentences]
        for step in self._steps:
            texts = step.translate_batch_detailed([o.text for o in outputs])
            outputs = [
                Translated(new.text, new.truncated or old.truncated)
                for old, new in zip(outputs, texts, strict=True)
            ]
        return outputs

    def close(self) -> None:
        # A route borrows its steps (the registry shares one loaded engine among every route
        # through it): the owner closes them, never a route.
        return None

    def __repr__(self) -> str:
        return f"Route({'→'.join(self.languages)})"
