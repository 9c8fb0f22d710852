"""The CTranslate2 engine over an installed argos-format package."""

from __future__ import annotations

import json
import math
from pathlib import Path

import ctranslate2
import sentencepiece

from translators.package import InstalledPackage, PackageError

__all__ = ["CTranslate2Engine"]


def _compute_type(device: str, wanted: str) -> str:
    try:
        supported = ctranslate2.get_supported_compute_types(device)
    except (RuntimeError, ValueError):
        return "default"
    return wanted if wanted in supported else "default"


class CTranslate2Engine:
    """Implements :class:`translators.engine.Engine`; one instance serves many threads.

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
        repetition_penalty: float = 1.0,
        no_repeat_ngram_size: int = 0,
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
        self._translator = ctranslate2.Translator(
            str(model_dir),
            device=device,
            compute_type=self.compute_type,
            inter_threads=inter_threads,
            intra_threads=intra_threads,
        )
        self._tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))

    def tokenize(self, sentences: list[str]) -> list[list[str]]:
        pieces: list[list[str]] = self._tokenizer.encode(sentences, out_type=str)
        return pieces

    def detokenize(self, pieces: list[list[str]]) -> list[str]:
        texts: list[str] = self._tokenizer.decode(pieces)
        return texts

    def translate_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        """Translate pre-tokenized sentences; empty inputs give empty outputs."""
        if not tokens:
            return []
        longest = max(len(t) for t in tokens)
        max_length = math.ceil(self.max_decoding_length_factor * longest) + 10
        prefix = [list(self.target_prefix) for _ in tokens] if self.target_prefix else None
        results = self._translator.translate_batch(
            tokens,
            target_prefix=prefix,
            max_batch_size=self.max_batch_tokens,
            batch_type="tokens",
            beam_size=self.beam_size,
            max_decoding_length=max_length,
            repetition_penalty=self.repetition_penalty,
            no_repeat_ngram_size=self.no_repeat_ngram_size,
        )
        skip = len(self.target_prefix)
        return [list(result.hypotheses[0][skip:]) for result in results]

    def translate_batch(self, sentences: list[str]) -> list[str]:
        if not sentences:
            return []
        outputs = [""] * len(sentences)
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        if not todo:
            return outputs
        tokens = self.tokenize([sentences[i] for i in todo])
        for i, pieces in zip(todo, self.detokenize(self.translate_tokens(tokens)), strict=True):
            outputs[i] = pieces
        return outputs
