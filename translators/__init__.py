"""Offline, glossary-exact translation of Japanese text (pure parts re-exported here).

The CTranslate2 engine (:mod:`translators.ctranslate`), model packages
(:mod:`translators.package`) and the toy model builder (:mod:`translators.toymodel`) are
imported explicitly, so importing this package loads no inference library.
"""

from translators.article import ArticleTranslation, translate_article
from translators.engine import Engine
from translators.normalize import Normalized, normalize
from translators.pipeline import (
    Route,
    Segment,
    SentenceCache,
    TermReport,
    TranslationMemory,
    TranslationResult,
    sentence_key,
    translate_texts,
)
from translators.review import ReviewPolicy, review_reasons
from translators.segment import split_paragraphs, split_sentences

__all__ = [
    "ArticleTranslation",
    "Engine",
    "Normalized",
    "ReviewPolicy",
    "Route",
    "Segment",
    "SentenceCache",
    "TermReport",
    "TranslationMemory",
    "TranslationResult",
    "normalize",
    "review_reasons",
    "sentence_key",
    "split_paragraphs",
    "split_sentences",
    "translate_article",
    "translate_texts",
]
