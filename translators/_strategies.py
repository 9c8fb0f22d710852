"""The strategy rounds of :mod:`translators.pipeline`: how a sentence's glossary terms are
made to survive the engine (a prompt with hints, inline renderings, placeholders, then the
split that always works), one batched engine call per round for every pending sentence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from translators import protect
from translators._units import Unit
from translators.engine import Engine, Hint, Hints, Translated, translate_detailed
from translators.protect import Term

if TYPE_CHECKING:
    from translators.strategy_memory import StrategyMemory


_Input = tuple[str, Hints]  # what the engine translates, and the terms it may be told


def _run(engine: Engine, inputs: list[_Input]) -> list[Translated]:
    """One engine call over the distinct non-empty inputs; one output per input."""
    unique = list(dict.fromkeys(i for i in inputs if i[0].strip()))
    if not unique:
        return [Translated("") for _ in inputs]
    hints = [h for _, h in unique] if any(h for _, h in unique) else None
    outputs = translate_detailed(engine, [s for s, _ in unique], hints)
    # An engine that breaks its contract must not lose or shift sentences.
    outputs = outputs[: len(unique)] + [Translated("")] * (len(unique) - len(outputs))
    table = dict(zip(unique, outputs, strict=True))
    return [table.get(i, Translated("")) for i in inputs]


def _all_present(translation: str, terms: Sequence[Term]) -> bool:
    return all(protect.present(translation, t) for t in terms)


def _inputs(unit: Unit, strategy: str) -> list[_Input]:
    """What the engine must translate for ``unit`` under ``strategy``."""
    if strategy == "prompt":
        return [(unit.text, tuple(Hint(t.surface, t.rendering) for t in unit.terms))]
    if strategy == "inline":
        return [(protect.inline(unit.text, unit.terms), ())]
    if strategy == "placeholder":
        return [(protect.placeholders(unit.text, unit.terms), ())]
    pieces = protect.pieces(unit.text, unit.terms)
    return [(p, ()) for p in pieces if protect.needs_engine(p)]


def _apply(unit: Unit, strategy: str, outputs: Sequence[Translated], target: str) -> None:
    """Take ``strategy``'s outputs for ``unit``; done when every term is present."""
    if strategy == "split":  # the last resort: pieces around the terms, joined with renderings
        produced = iter(outputs)
        translated = [
            next(produced).text if protect.needs_engine(p) else protect.plain(p, target)
            for p in protect.pieces(unit.text, unit.terms)
        ]
        translation = protect.join_pieces(translated, unit.terms, target)
    else:
        translation = outputs[0].text
        if strategy == "placeholder":
            translation = protect.restore(translation, unit.terms)
    truncated = any(o.truncated for o in outputs)
    unit.attempts.append(strategy)
    present = _all_present(translation, unit.terms)
    if present or not unit.translation:  # else keep the first attempt, flagged below
        unit.translation, unit.truncated = translation, truncated
    if present:
        unit.strategy, unit.done = strategy, True


def rounds(engine: Engine, units: list[Unit], memory: StrategyMemory | None) -> None:
    """The strategy rounds: each round gives every pending sentence its next strategy, and
    all their inputs go to the engine in one batched call.

    A sentence without terms takes only ``inline`` (its plain translation). A sentence with
    terms tries ``inline``, ``placeholder`` (``prompt``, ``inline`` for an engine reading
    term hints; each unless ``memory`` says it keeps failing with this model), then
    ``split``, which always satisfies it; a sentence that skips straight to
    ``split`` has its pieces in the first call, with everyone else's sentences.
    """
    plans: dict[int, list[str]] = {}
    cascade = ("prompt", "inline") if engine.capabilities.term_hints else ("inline", "placeholder")
    for unit in units:
        if not unit.terms:
            plans[id(unit)] = ["inline"]
            continue
        tried = [s for s in cascade if memory is None or memory.worth_trying(s)]
        plans[id(unit)] = [*tried, "split"]
    pending = units
    while pending:
        steps = [(unit, plans[id(unit)].pop(0)) for unit in pending]
        wanted = [_inputs(unit, strategy) for unit, strategy in steps]
        outputs = _run(engine, [item for items in wanted for item in items])
        offset = 0
        tally: dict[str, list[int]] = {}
        for (unit, strategy), texts in zip(steps, wanted, strict=True):
            _apply(unit, strategy, outputs[offset : offset + len(texts)], engine.target)
            offset += len(texts)
            if unit.terms:
                counts = tally.setdefault(strategy, [0, 0])
                counts[0] += 1
                counts[1] += unit.done
        if memory is not None:
            for strategy, (tries, successes) in tally.items():
                memory.record(strategy, tries=tries, successes=successes)
        pending = [unit for unit, _ in steps if not unit.done and plans[id(unit)]]
