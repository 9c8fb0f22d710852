from __future__ import annotations

import subprocess
import sys

import translators


def test_text_modules_import_no_io_library() -> None:
    code = (
        "import sys, translators, translators.pipeline, translators.segment, "
        "translators.normalize, translators.check, translators.protect, translators.engine, "
        "translators.markup, translators._markup, translators.article, translators.review, "
        "translators.strategy_memory, translators.tmx, translators.report, "
        "translators.corrections, translators.route, translators.providers, "
        "translators.generator_config, translators._strategies\n"
        "bad = {'ctranslate2', 'sentencepiece', 'redis', 'sqlalchemy', 'numpy'} "
        "& set(sys.modules)\n"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_surface() -> None:
    assert translators.__all__ == sorted(translators.__all__)
    assert translators.__all__ == [
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
