"""Build a real decoder-only CTranslate2 model with random weights, laid out as a generator
model folder (:mod:`translators.generator`), for tests and benches without any network.

The spec is written directly (``ctranslate2.specs.TransformerDecoderModelSpec`` and seeded
numpy weights, as :mod:`translators.toymodel` builds the argos test packages), so neither
torch nor transformers is needed. Its output is garbage; the engine's caps bound it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sentencepiece

from translators.generator_config import CONFIG_FILE, TOKENIZER_FILE
from translators.toymodel import _fill, _train_sentencepiece, _training_lines

__all__ = ["build_generator_model"]


def build_generator_model(
    dest: Path,
    *,
    name: str = "toy-decoder",
    version: str = "1.0",
    source: str = "ja",
    targets: Sequence[str] = ("en", "fr"),
    num_layers: int = 2,
    d_model: int = 64,
    num_heads: int = 4,
    ffn_dim: int = 128,
    vocab_size: int = 300,
    seed: int = 0,
) -> Path:
    """Build the folder ``dest/<name>`` (model, tokenizer, kakehashi-generator.json)."""
    from ctranslate2.specs import transformer_spec

    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    lines = _training_lines(
        ["Translate the Japanese sentence into English.", "Use exactly these translations"]
    )
    sp_bytes = _train_sentencepiece(lines, vocab_size)
    processor = sentencepiece.SentencePieceProcessor(model_proto=sp_bytes)
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    spec = transformer_spec.TransformerDecoderModelSpec.from_config(num_layers, num_heads)
    _fill(spec, np.random.default_rng(seed), d_model, ffn_dim, len(pieces))
    spec.register_vocabulary(pieces)
    spec.validate()
    spec.optimize(quantization="int8")
    dest.mkdir(parents=True, exist_ok=True)
    folder = dest / name
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        root = Path(tmp) / name
        root.mkdir()
        spec.save(str(root))
        (root / TOKENIZER_FILE).write_bytes(sp_bytes)
        config = {
            "name": name,
            "version": version,
            "source": source,
            "targets": list(targets),
            "stop": ["</s>"],
            "description": "kakehashi toy decoder with random weights (tests only)",
        }
        (root / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
        root.replace(folder)
    return folder
