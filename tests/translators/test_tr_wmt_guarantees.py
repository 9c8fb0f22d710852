"""The pipeline's guarantees on real news: WMT21 ja-en documents through the real (tiny,
random-weight) CTranslate2 engine, with a glossary of legal-dictionary terms whose English
occurs in the reference. Whatever the model writes: one segment per sentence, in order, none
lost; every matched term present or flagged for review."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from glossaries import Entry, Matcher
from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.pipeline import translate_texts
from translators.segment import split_paragraphs, split_sentences

pytestmark = pytest.mark.slow

SHARED = Path(
    os.environ.get("KAKEHASHI_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")
)
DOCS = SHARED / "eval/wmt21-news-jaen/newstest2021.ja-en.docs.jsonl"
TERMS = SHARED / "eval/jlt-law-dict/jlt_terms.jsonl"


def _glossary(segments: list[dict[str, str]], pairs: dict[str, list[str]]) -> list[Entry]:
    chosen: dict[str, str] = {}
    for seg in segments:
        for ja, renderings in pairs.items():
            if ja in chosen or ja not in seg["src"]:
                continue
            for en in renderings:
                if re.search(rf"\b{re.escape(en)}\b", seg["ref"], re.IGNORECASE):
                    chosen[ja] = en
                    break
    return [Entry(source=ja, targets={"en": en}) for ja, en in chosen.items()]


def test_guarantees_on_wmt21_documents(tiny_engine: CTranslate2Engine) -> None:
    if not DOCS.is_file() or not TERMS.is_file():
        pytest.skip(f"WMT21 or legal dictionary data not found under {SHARED}")
    pairs: dict[str, list[str]] = {}
    for line in TERMS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if len(row["ja"]) > 1 and row["en"] and "…" not in row["en"]:
            pairs.setdefault(row["ja"], []).append(row["en"])
    documents = [json.loads(line) for line in DOCS.read_text(encoding="utf-8").splitlines()]
    checked_terms = 0
    for doc in documents[:12]:
        segments = doc["segments"]
        matcher = Matcher(_glossary(segments, pairs))
        texts = [seg["src"] for seg in segments]
        results = translate_texts(texts, engine=tiny_engine, matcher=matcher)
        assert len(results) == len(texts)
        for text, result in zip(texts, results, strict=True):
            expected = [
                sentence
                for paragraph in split_paragraphs(normalize(text).text)
                for sentence in split_sentences(paragraph)
            ]
            # Sources are given back as written (not normalized), one per sentence, in order.
            assert [normalize(s.source).text.strip() for s in result.segments] == expected
            for segment in result.segments:
                for term in segment.terms:
                    checked_terms += 1
                    if term.present:
                        assert term.target.lower() in segment.translation.lower()
                    else:
                        assert "term-missing" in segment.flags and result.needs_review
    assert checked_terms >= 10, "the sample should exercise the glossary"
