"""The CTranslate2 engine over an installed argos-format package.

Every sentence is bounded by its own length: sentences are sorted by token length and cut
into buckets of similar length (:func:`length_buckets`, which also cuts padding work); each
bucket decodes with the cap of its own longest member, ``ceil(factor * tokens) + 10``, and an
output longer than its own sentence's cap is cut there. An output that reaches its cap is
reported ``truncated`` (:meth:`CTranslate2Engine.translate_batch_detailed`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import ctranslate2
import sentencepiece

from translators.engine import Capabilities, EngineBase, Hints, Translated
from translators.package import InstalledPackage, PackageError
from translators.strategy_memory import StrategyMemory

__all__ = ["DECODING_LENGTH_CONSTANT", "CTranslate2Engine", "length_buckets"]

DECODING_LENGTH_CONSTANT = 10  # tokens added to every cap, so a one-token heading has room
_BUCKET_SPREAD = 1.25  # a bucket's longest member is at most 1.25x its shortest, plus ...
_BUCKET_SLACK = 2  # ... 2 tokens, so short sentences do not each get a bucket of their own

# Repetition control at decode time, chosen so as not to hurt a good model:
# * repetition_penalty stays 1.0 (off), as in argostranslate and LibreTranslate: it penalises
#   every token already produced, including function words, digits and a glossary rendering
#   that legitimately occurs twice, and it changes a good model's output on every sentence.
# * no_repeat_ngram_size = 8 blocks an 8-token sequence from occurring twice in one output.
#   Sizes 3..4 (common in summarisation) break real translations: SentencePiece splits a CJK
#   name or an English "of the United States" into 3-4 pieces that legitimately recur within
#   a sentence. Eight pieces repeated verbatim in one news sentence is a loop, not prose, so a
#   "# # # ..." flood or a repeated phrase is cut after one repetition of at most 8 tokens
#   plus its period, and the length cap above bounds whatever remains.
REPETITION_PENALTY = 1.0
NO_REPEAT_NGRAM_SIZE = 8


def _compute_type(device: str, wanted: str) -> str:
    try:
        supported = ctranslate2.get_supported_compute_types(device)
    except (RuntimeError, ValueError):
        return "default"
    return wanted if wanted in supported else "default"


def length_buckets(lengths: Sequence[int]) -> list[list[int]]:
    """Indices of ``lengths`` grouped into buckets of similar length, shortest first.

    Hand-written (CTranslate2 sorts by length inside one call, but applies a single
    ``max_decoding_length`` to all of it): a bucket holds lengths from its shortest ``s`` up to
    ``ceil(1.25 * s) + 2``, so its cap is close to each member's own cap.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    buckets: list[list[int]] = []
    limit = -1
    for i in order:
        if not buckets or lengths[i] > limit:
            buckets.append([])
            limit = math.ceil(_BUCKET_SPREAD * lengths[i]) + _BUCKET_SLACK
        buckets[-1].append(i)
    return buckets


_CAPABILITIES = Capabilities(reports_truncation=True)


class CTranslate2Engine(EngineBase):
    """An :class:`translators.engine.Engine` that reports truncation; one instance serves
    many threads.

    ``ctranslate2.Translator`` and ``SentencePieceProcessor`` are safe for concurrent calls,
    and the engine keeps no per-call state.
    """

    def __init__(
        self,
        package: InstalledPackage,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        inter_threads: int = 1,
        intra_threads: int = 0,
        beam_size: int = 2,
        max_batch_tokens: int = 2048,
        max_decoding_length_factor: float = 2.0,
        repetition_penalty: float = REPETITION_PENALTY,
        no_repeat_ngram_size: int = NO_REPEAT_NGRAM_SIZE,
    ) -> None:
        self.source = package.source
        self.target = package.target
        self.package = package.code
        self.version = package.version
        self.beam_size = beam_size
        self.max_batch_tokens = max_batch_tokens
        self.max_decoding_length_factor = max_decoding_length_factor
        self.repetition_penalty = repetition_penalty
        self.no_repeat_ngram_size = no_repeat_ngram_size
        # What the glossary strategies achieve with this model (see translators.strategy_memory).
        self._memory = StrategyMemory()
        root = Path(package.path)
        model_dir = root / "model"
        sp_path = root / "sentencepiece.model"
        if not (model_dir / "model.bin").is_file():
            raise PackageError(f"{root}: no CTranslate2 model in model/")
        if not sp_path.is_file():
            raise PackageError(f"{root}: no sentencepiece.model (BPE packages are unsupported)")
        metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
        prefix = metadata.get("target_prefix") or ""
        self.target_prefix: list[str] = prefix.split() if isinstance(prefix, str) else []
        self.compute_type = _compute_type(device, compute_type)
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self._translator = ctranslate2.Translator(
            str(model_dir),
            device=device,
            compute_type=self.compute_type,
            inter_threads=inter_threads,
            intra_threads=intra_threads,
        )
        self._tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    @property
    def strategy_memory(self) -> StrategyMemory:
        return self._memory

    @strategy_memory.setter
    def strategy_memory(self, memory: StrategyMemory) -> None:
        self._memory = memory  # a bench starts a cold memory this way

    # close() stays the base's no-op on purpose: a job may still be decoding with this engine
    # when the registry unloads it, and CTranslate2's unload_model would fail that job. The
    # model's memory is freed when the last reference (the last running job) is dropped.

    def tokenize(self, sentences: list[str]) -> list[list[str]]:
        pieces: list[list[str]] = self._tokenizer.encode(sentences, out_type=str)
        return pieces

    def detokenize(self, pieces: list[list[str]]) -> list[str]:
        texts: list[str] = self._tokenizer.decode(pieces)
        return texts

    def cap(self, source_tokens: int) -> int:
        """The most output tokens a sentence of ``source_tokens`` tokens may decode to."""
        return math.ceil(self.max_decoding_length_factor * source_tokens) + (
            DECODING_LENGTH_CONSTANT
        )

    def translate_tokens_detailed(self, tokens: list[list[str]]) -> list[tuple[list[str], bool]]:
        """Translate pre-tokenized sentences: (output tokens, reached its cap) per input.

        One CTranslate2 call per length bucket, one after the other (so a call keeps to one
        replica's ``intra_threads`` and concurrent callers to ``inter_threads`` replicas: the
        service's thread rule holds); outputs come back in input order.
        """
        outputs: list[tuple[list[str], bool]] = [([], False)] * len(tokens)
        skip = len(self.target_prefix)
        for bucket in length_buckets([len(t) for t in tokens]):
            batch = [tokens[i] for i in bucket]
            longest = max(len(t) for t in batch)
            prefix = [list(self.target_prefix) for _ in batch] if skip else None
            results = self._translator.translate_batch(
                batch,
                target_prefix=prefix,
                max_batch_size=self.max_batch_tokens,
                batch_type="tokens",
                beam_size=self.beam_size,
                # CTranslate2 counts the target prefix in the decoding length.
                max_decoding_length=self.cap(longest) + skip,
                repetition_penalty=self.repetition_penalty,
                no_repeat_ngram_size=self.no_repeat_ngram_size,
            )
            for i, result in zip(bucket, results, strict=True):
                hypothesis = list(result.hypotheses[0][skip:])
                own = self.cap(len(tokens[i]))
                outputs[i] = (hypothesis[:own], len(hypothesis) >= own)
        return outputs

    def translate_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        """Translate pre-tokenized sentences; empty inputs give empty outputs."""
        return [pieces for pieces, _ in self.translate_tokens_detailed(tokens)]

    def translate_batch_detailed(
        self, sentences: list[str], hints: Sequence[Hints] | None = None
    ) -> list[Translated]:
        outputs = [Translated("")] * len(sentences)
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        if not todo:
            return outputs
        results = self.translate_tokens_detailed(self.tokenize([sentences[i] for i in todo]))
        texts = self.detokenize([pieces for pieces, _ in results])
        for i, text, (_, truncated) in zip(todo, texts, results, strict=True):
            outputs[i] = Translated(text, truncated)
        return outputs

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [t.text for t in self.translate_batch_detailed(sentences)]
