from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from translators.normalize import normalize
from translators.segment import split_paragraphs, split_sentences


def _same_text(paragraph: str, sentences: list[str]) -> bool:
    return re.sub(r"\s", "", "".join(sentences)) == re.sub(r"\s", "", paragraph)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("雨だ。晴れた！本当？", ["雨だ。", "晴れた！", "本当？"]),
        (
            "彼は「本当ですか？はい。」と言った。次だ。",
            ["彼は「本当ですか？はい。」と言った。", "次だ。"],
        ),
        ("『終わり。』(注。補足)と書いた。", ["『終わり。』(注。補足)と書いた。"]),
        ("【速報。号外】地震。", ["【速報。号外】地震。"]),
        ("株価は3.5%上昇した。", ["株価は3.5%上昇した。"]),
        ("そうか……。そうだ。", ["そうか……。", "そうだ。"]),
        ("え！？本当に？！うん。", ["え！？", "本当に？！", "うん。"]),
        ("まさか……そんな", ["まさか……そんな"]),
        ("終わった。」次の文。", ["終わった。」", "次の文。"]),
        ("見出し\n本文です。", ["見出し", "本文です。"]),
        ("1. 概要\n2. 詳細です。\n・項目", ["1. 概要", "2. 詳細です。", "・項目"]),
        ("Yahoo!ニュースで見た。", ["Yahoo!ニュースで見た。"]),
        ("括弧が「閉じない。次の文。", ["括弧が「閉じない。", "次の文。"]),
        ("", []),
    ],
)
def test_split_sentences(paragraph: str, expected: list[str]) -> None:
    result = split_sentences(paragraph)
    assert result == expected
    assert _same_text(paragraph, result)


def test_split_paragraphs() -> None:
    text = "  第一段落。\n続き。\n\n \n第二段落。\r\n\r\n\n第三。  \n"
    assert split_paragraphs(text) == ["第一段落。\n続き。", "第二段落。", "第三。"]
    assert split_paragraphs("\n \n") == []


_END = re.compile(r"[。！？!?.…][\s」』)）】\"”]*$")


def _shared_dir() -> Path:
    default = Path(__file__).resolve().parents[3] / "shared"
    return Path(os.environ.get("KAKEHASHI_SHARED_DIR", default))


def test_wmt21_boundaries() -> None:
    """Re-split WMT21 documents: sentences ending in a stop mark are joined with nothing
    (as in running Japanese text), others (headlines, captions) end their line."""
    docs = _shared_dir() / "eval" / "wmt21-news-jaen" / "newstest2021.ja-en.docs.jsonl"
    if not docs.is_file():
        pytest.skip(f"WMT21 evaluation data not found at {docs} (set KAKEHASHI_SHARED_DIR)")
    tp = fp = fn = 0
    for line in docs.read_text(encoding="utf-8").splitlines():
        segments = [normalize(s["src"]).text.strip() for s in json.loads(line)["segments"]]
        text = ""
        gold: set[int] = set()
        for k, segment in enumerate(segments):
            if k:
                text += "" if _END.search(segments[k - 1]) else "\n"
            text += segment
            gold.add(len(text))
        predicted: set[int] = set()
        cursor = 0
        sentences = split_sentences(text)
        assert _same_text(text, sentences)
        for sentence in sentences:
            cursor = text.index(sentence, cursor) + len(sentence)
            predicted.add(cursor)
        gold.discard(len(text))
        predicted.discard(len(text))
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"WMT21 sentence boundaries: precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.95
    assert recall >= 0.95


def test_an_overlong_sentence_is_cut_at_clauses_then_by_length() -> None:
    """Issue 19 item 1: one 300,000-character "sentence" went to the engine whole."""
    from translators.segment import MAX_SENTENCE_CHARS, bound_sentence

    clauses = "、".join(["拒否的抑止力が問われている"] * 30) + "。"
    pieces = split_sentences(clauses)
    assert len(pieces) > 1 and all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(p.endswith(("、", "。")) for p in pieces)  # cut after clause marks
    assert "".join(pieces) == clauses
    flood = "あ" * 300_000
    cut = split_sentences(flood)
    assert "".join(cut) == flood and max(map(len, cut)) == MAX_SENTENCE_CHARS
    assert bound_sentence("短い文。") == ["短い文。"]
    assert bound_sentence("ab cd ef", 5) == ["ab", "cd ef"]
