"""A decoder-only model on CTranslate2's ``Generator``, prompted to translate, as an engine.

A generator model is a folder converted with ``ct2-transformers-converter`` (``model.bin``,
``config.json``, the vocabulary), its SentencePiece ``tokenizer.model``, and a
``kakehashi-generator.json`` the operator writes beside them::

    {"name": "mistral-7b-instruct", "version": "0.3", "source": "ja",
     "targets": ["en", "fr", "de"], "prompt": "[INST] ... {text} [/INST]", "stop": ["</s>"]}

``prompt`` (optional; :data:`~translators.generator_config.DEFAULT_PROMPT`) is the template
of one sentence's prompt, with ``{source_name}``, ``{target_name}``, ``{glossary}`` and
``{text}`` filled in; ``{glossary}`` becomes the sentence's terms and the renderings
required (:func:`~translators.generator_config.glossary_block`), so the model is told the
terms instead of finding them replaced in its input. The engine declares ``term_hints`` and
``reports_truncation``: the pipeline sends the unaltered sentence with its terms first,
verifies them as for any engine, and falls back to ``inline`` and ``split``.

Each output is capped like the CTranslate2 translator's (``ceil(2 * tokens) + 10`` new
tokens, greedy decoding, no 8-gram repeated) and cut at its first line break: a prompted
model that goes on after its translation is cut there. One loaded ``Generator`` is shared by
the engines of all of a model's targets (a weak cache: it is freed with the last of them).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import ctranslate2
import sentencepiece

from translators.engine import Capabilities, EngineBase, Hints, Translated
from translators.generator_config import (
    NAMES,
    TOKENIZER_FILE,
    GeneratorConfig,
    glossary_block,
)
from translators.package import PackageError
from translators.strategy_memory import StrategyMemory

__all__ = ["GeneratorEngine"]

_CAPABILITIES = Capabilities(reports_truncation=True, term_hints=True)
_NO_REPEAT_NGRAM_SIZE = 8  # as the translator's (translators.ctranslate): loops, not prose


class _Model:
    """A loaded generator and its tokenizer (shared by the engines of one model)."""

    def __init__(self, config: GeneratorConfig, compute_type: str, inter: int, intra: int):
        if not (config.path / "model.bin").is_file():
            raise PackageError(f"{config.path}: no CTranslate2 model.bin")
        if not (config.path / TOKENIZER_FILE).is_file():
            raise PackageError(f"{config.path}: no SentencePiece {TOKENIZER_FILE}")
        self.generator = ctranslate2.Generator(
            str(config.path),
            device="cpu",
            compute_type=compute_type,
            inter_threads=inter,
            intra_threads=intra,
        )
        self.tokenizer = sentencepiece.SentencePieceProcessor(
            model_file=str(config.path / TOKENIZER_FILE)
        )


_models: weakref.WeakValueDictionary[tuple[Path, str, str], _Model] = weakref.WeakValueDictionary()
_models_lock = threading.Lock()


def _shared_model(config: GeneratorConfig, compute_type: str, inter: int, intra: int) -> _Model:
    key = (config.path, config.version, compute_type)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            model = _Model(config, compute_type, inter, intra)
            _models[key] = model
        return model


class GeneratorEngine(EngineBase):
    """An :class:`~translators.engine.Engine` for one target of a generator model."""

    def __init__(
        self,
        config: GeneratorConfig,
        target: str,
        *,
        compute_type: str = "int8",
        inter_threads: int = 1,
        intra_threads: int = 0,
        max_decoding_length_factor: float = 2.0,
    ) -> None:
        if target not in config.targets:
            raise PackageError(f"{config.path}: {config.name} does not list target {target}")
        self.config = config
        self.source = config.source
        self.target = target
        self.package = f"generate-{config.name}"
        self.version = config.version
        self.max_decoding_length_factor = max_decoding_length_factor
        self._memory = StrategyMemory()
        self._model = _shared_model(config, compute_type, inter_threads, intra_threads)

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    @property
    def strategy_memory(self) -> StrategyMemory:
        return self._memory

    def _name(self, code: str) -> str:
        return self.config.names.get(code) or NAMES.get(code, code)

    def prompt(self, sentence: str, hints: Hints = ()) -> str:
        """The prompt for one sentence (str.replace, not format: templates hold braces)."""
        filled = self.config.prompt
        for key, value in (
            ("{source_name}", self._name(self.source)),
            ("{target_name}", self._name(self.target)),
            ("{glossary}", glossary_block(hints)),
        ):
            filled = filled.replace(key, value)
        return filled.replace("{text}", sentence)  # last: the text itself may hold "{...}"

    def _cap(self, sentence: str) -> int:
        tokens = len(self._model.tokenizer.encode(sentence))
        return math.ceil(self.max_decoding_length_factor * tokens) + 10

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        outputs = [Translated("")] * len(sentences)
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        if not todo:
            return outputs
        tokenizer = self._model.tokenizer
        prompts = [self.prompt(sentences[i], hints[i] if hints else ()) for i in todo]
        start = [
            (["<s>"] if self.config.bos else []) + list(tokenizer.encode(p, out_type=str))
            for p in prompts
        ]
        caps = [self._cap(sentences[i]) for i in todo]
        # One call, one cap (the longest's); each output is cut at its own cap below.
        results = self._model.generator.generate_batch(
            start,
            max_length=max(caps),
            sampling_topk=1,
            beam_size=1,
            include_prompt_in_result=False,
            end_token=list(self.config.stop),
            no_repeat_ngram_size=_NO_REPEAT_NGRAM_SIZE,
        )
        for i, cap, result in zip(todo, caps, results, strict=True):
            pieces = [p for p in result.sequences[0][:cap] if p not in self.config.stop]
            text = tokenizer.decode(pieces).strip()
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            outputs[i] = Translated(first, len(result.sequences[0]) >= cap and first == text)
        return outputs
