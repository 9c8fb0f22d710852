"""Build a real argos-format model package with random weights.

The package has the exact layout of an argos-translate package (``metadata.json``, a
CTranslate2 ``model/`` directory and ``sentencepiece.model`` under one top-level folder,
zipped as ``.argosmodel``), so tests, the benchmark and CI exercise the real loading,
tokenization and batching code without any network access. Its translations are garbage;
the engine bounds the decoding length so it always terminates.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece

__all__ = ["LANGUAGE_NAMES", "build_package"]

LANGUAGE_NAMES = {
    "ja": "Japanese",
    "en": "English",
    "zh": "Chinese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
}

_JA_SENTENCES = (
    "2026年1月27日の夜明け前、ワシントンとモスクワをつなぐホットラインは静寂に変わった。",
    "西側諸国が突きつけた核の最後通告の期限が切れた。",
    "クレムリン報道官は対話継続の声明を出した。",
    "ロシアの遅延戦術はマスカロフカと呼ばれる欺瞞の一種である。",
    "日本は拒否的抑止力を強化する必要がある。",
    "防衛省は反撃能力の保有について説明した。",
    "政府は安全保障関連三文書を改定した。",
    "集団的自衛権の行使について国会で議論が続いている。",
    "北大西洋条約機構の加盟国は結束を確認した。",
    "国連安全保障理事会は緊急会合を開いた。",
    "首相は記者会見で経済対策を発表した。",
    "円相場は1ドル＝150円台で推移している。",
    "日経平均株価は前日比3.5%上昇した。",
    "東京都内の気温は12度まで下がった。",
    "専門家は「交渉は時間稼ぎにすぎない」と指摘する。",
    "記事によると、会談は約2時間にわたった。",
    "外務大臣は声明で懸念を表明した。",
    "ウクライナでの停戦交渉は難航している。",
    "エネルギー価格の高騰が家計を圧迫している。",
    "台湾海峡の緊張が高まっている。",
)

_EN_SENTENCES = (
    "Before dawn on January 27, 2026, the hotline between Washington and Moscow fell silent.",
    "The deadline of the nuclear ultimatum issued by Western nations expired.",
    "The Kremlin spokesperson issued a statement on continued dialogue.",
    "Russia's delay tactics are a form of deception known as maskirovka.",
    "Japan needs to strengthen deterrence by denial.",
    "The Ministry of Defense explained the possession of counterstrike capabilities.",
    "The government revised the three security documents.",
    "Debate continues in the Diet over the exercise of collective self-defense.",
    "NATO member states confirmed their unity.",
    "The UN Security Council held an emergency meeting.",
    "The prime minister announced economic measures at a press conference.",
    "The yen is trading in the 150 range against the dollar.",
    "The Nikkei Stock Average rose 3.5% from the previous day.",
    "The temperature in Tokyo dropped to 12 degrees.",
    'Experts point out that "the negotiations are merely buying time."',
    "According to the article, the talks lasted about two hours.",
    "The foreign minister expressed concern in a statement.",
    "Ceasefire negotiations in Ukraine are facing difficulties.",
    "Soaring energy prices are putting pressure on households.",
    "Tensions are rising in the Taiwan Strait.",
)


def _training_lines(extra: Sequence[str] | None) -> list[str]:
    lines: list[str] = []
    digits = "0123456789０１２３４５６７８９"
    for round_ in range(8):
        for i, (ja, en) in enumerate(zip(_JA_SENTENCES, _EN_SENTENCES, strict=True)):
            number = digits[(i + round_) % len(digits)]
            lines.append(f"{ja}{number}")
            lines.append(f"{en} {number}")
    if extra:
        lines.extend(line for line in extra if line.strip())
    return lines


def _train_sentencepiece(lines: list[str], vocab_size: int) -> bytes:
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=0.9995,
        hard_vocab_limit=False,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _shape(name: str, d_model: int, ffn_dim: int, vocab: int) -> tuple[int, ...]:
    parts = name.split("/")
    leaf = parts[-1]
    owner = parts[-2] if len(parts) > 1 else ""
    if owner.startswith("embeddings") or owner == "projection":
        return (vocab, d_model)
    if "layer_norm" in owner:
        return (d_model,)
    layer = parts[-3] if len(parts) > 2 else ""
    out_dim, in_dim = d_model, d_model
    if layer == "self_attention" and owner == "linear_0":
        out_dim = 3 * d_model
    elif layer == "attention" and owner == "linear_1":
        out_dim = 2 * d_model
    elif layer == "ffn" and owner == "linear_0":
        out_dim = ffn_dim
    elif layer == "ffn" and owner == "linear_1":
        in_dim = ffn_dim
    if owner == "projection" or leaf == "weight":
        return (out_dim, in_dim)
    return (out_dim,)


def _fill(spec: Any, rng: np.random.Generator, d_model: int, ffn_dim: int, vocab: int) -> None:
    """Give every declared weight (and every linear bias) a seeded random value."""
    from ctranslate2.specs import model_spec

    def visit(layer: Any, name: str, value: Any) -> None:
        leaf = name.split("/")[-1]
        wanted = value is None or (
            leaf == "bias" and isinstance(value, str) and value == model_spec.OPTIONAL
        )
        if not wanted:
            return
        shape = _shape(name, d_model, ffn_dim, vocab)
        if leaf == "gamma":
            array = np.ones(shape, dtype=np.float32)
        elif leaf in ("beta", "bias"):
            array = np.zeros(shape, dtype=np.float32)
        else:
            scale = 1.0 / np.sqrt(shape[-1])
            array = (rng.standard_normal(shape) * scale).astype(np.float32)
        setattr(layer, leaf, array)

    model_spec.visit_spec(spec, visit)


def _build_model(
    directory: Path,
    pieces: list[str],
    *,
    num_layers: int,
    d_model: int,
    num_heads: int,
    ffn_dim: int,
    seed: int,
) -> None:
    from ctranslate2.specs import transformer_spec

    spec = transformer_spec.TransformerSpec.from_config(num_layers, num_heads)
    _fill(spec, np.random.default_rng(seed), d_model, ffn_dim, len(pieces))
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(directory))


def build_package(
    dest: Path,
    *,
    source: str = "ja",
    target: str = "en",
    version: str = "1.0",
    num_layers: int = 2,
    d_model: int = 64,
    num_heads: int = 4,
    ffn_dim: int = 128,
    vocab_size: int = 300,
    seed: int = 0,
    training_text: Sequence[str] | None = None,
) -> Path:
    """Build ``translate-<source>_<target>-<version>.argosmodel`` in ``dest``; return its path.

    ``vocab_size`` is a soft upper bound: SentencePiece stops earlier when the training text
    cannot support more pieces. ``training_text`` adds lines to the built-in text.
    """
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    dest.mkdir(parents=True, exist_ok=True)
    folder = f"translate-{source}_{target}-{version.replace('.', '_')}"
    sp_bytes = _train_sentencepiece(_training_lines(training_text), vocab_size)
    processor = sentencepiece.SentencePieceProcessor(model_proto=sp_bytes)
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        root = Path(tmp) / folder
        (root / "model").mkdir(parents=True)
        _build_model(
            root / "model",
            pieces,
            num_layers=num_layers,
            d_model=d_model,
            num_heads=num_heads,
            ffn_dim=ffn_dim,
            seed=seed,
        )
        (root / "sentencepiece.model").write_bytes(sp_bytes)
        metadata = {
            "package_version": version,
            "argos_version": "1.9",
            "from_code": source,
            "from_name": LANGUAGE_NAMES.get(source, source),
            "to_code": target,
            "to_name": LANGUAGE_NAMES.get(target, target),
            "type": "translate",
            "package_type": "translate",
            "links": [],
            "description": "kakehashi toy model with random weights (tests only)",
        }
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        archive = dest / f"{folder}.argosmodel"
        partial = archive.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for path in sorted(root.rglob("*")):
                zf.write(path, path.relative_to(root.parent).as_posix())
        partial.replace(archive)
    return archive


def _main(argv: Sequence[str] | None = None) -> None:
    """``python -m translators.toymodel [--pair ja:en ...] OUT_DIR``: build toy packages."""
    import argparse
    import re

    parser = argparse.ArgumentParser(
        prog="python -m translators.toymodel",
        description="Build tiny random-weight argos-format packages (gibberish translations) "
        "to try kakehashi without a real model. Prints the path of each package built.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the .argosmodel files to")
    parser.add_argument(
        "--pair",
        action="append",
        metavar="SRC:TGT",
        help="language pair to build, e.g. ja:en or en:fr (repeat; default ja:en)",
    )
    parser.add_argument("--version", default="1.0", help="package version (default 1.0)")
    args = parser.parse_args(argv)
    pairs = args.pair or ["ja:en"]
    for pair in pairs:
        found = re.fullmatch(r"([a-z]{2,3}):([a-z]{2,3})", pair)
        if found is None or found[1] == found[2]:
            parser.error(f"--pair wants two different language codes like ja:en, not {pair!r}")
    for pair in pairs:
        source, target = pair.split(":")
        print(build_package(args.out_dir, source=source, target=target, version=args.version))


if __name__ == "__main__":  # pragma: no cover
    _main()
