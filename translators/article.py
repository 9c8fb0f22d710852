"""A whole article (title, summary, text or HTML body) translated in one engine pass.

Title, summary and every text of the body go through one :func:`translate_texts` call, so
sentences are batched together and the engine runs once per round for the whole article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from translators.pipeline import (
    SentenceCache,
    TranslationMemory,
    TranslationResult,
    translate_texts,
)
from translators.report import Report, encode
from translators.review import DEFAULT_POLICY, ReviewPolicy

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from translators.engine import Engine

__all__ = ["ArticleTranslation", "BodyFormat", "translate_article"]

BodyFormat = Literal["text", "html"]


@dataclass(frozen=True)
class ArticleTranslation:
    """The translated parts of an article, each with its report.

    ``body`` is the text to store: paragraphs separated by blank lines for a text body, the
    rebuilt fragment for an HTML body (``body_format``).
    """

    title: str
    summary: str | None
    body: str
    body_format: BodyFormat
    title_result: TranslationResult
    summary_result: TranslationResult
    body_result: TranslationResult

    @property
    def parts(self) -> tuple[TranslationResult, TranslationResult, TranslationResult]:
        return self.title_result, self.summary_result, self.body_result

    @property
    def needs_review(self) -> bool:
        return any(part.needs_review for part in self.parts)

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Why the article needs review (the policy's reasons of any part), sorted."""
        return tuple(sorted({reason for part in self.parts for reason in part.review_reasons}))

    @property
    def route(self) -> tuple[str, ...]:
        return self.body_result.route

    @property
    def cache_hits(self) -> int:
        return sum(part.cache_hits for part in self.parts)

    @property
    def cache_misses(self) -> int:
        return sum(part.cache_misses for part in self.parts)

    def report(self) -> dict[str, Any]:
        """The stored report (:func:`translators.report.encode`): one per part, plus the
        sentence cache's use."""
        return encode(Report.of(self))


def translate_article(
    title: str,
    summary: str | None,
    body: str,
    body_format: BodyFormat,
    *,
    engine: Engine,
    matcher: Matcher | None = None,
    cache: SentenceCache | None = None,
    policy: ReviewPolicy = DEFAULT_POLICY,
    memory: TranslationMemory | None = None,
) -> ArticleTranslation:
    """Translate an article's parts in one :func:`translate_texts` call; ``policy`` decides
    which need review (each part's result carries its reasons); ``memory`` answers sentences
    editors translated before (see :class:`~translators.pipeline.TranslationMemory`)."""
    heads = [title, summary or ""]
    if body_format == "html":
        # Imported here so that `import translators` does not load lxml for text-only users.
        from translators.markup import prepare_html

        document = prepare_html(body)
        results = translate_texts(
            [*heads, *document.texts],
            engine=engine,
            matcher=matcher,
            cache=cache,
            policy=policy,
            memory=memory,
        )
        html = document.rebuild(results[2:], engine=engine, policy=policy)
        body_result, body_out = html.result, html.html
    else:
        results = translate_texts(
            [*heads, body],
            engine=engine,
            matcher=matcher,
            cache=cache,
            policy=policy,
            memory=memory,
        )
        body_result = results[2]
        body_out = "\n\n".join(body_result.paragraphs())
    title_result, summary_result = results[0], results[1]
    return ArticleTranslation(
        title=" ".join(title_result.paragraphs()),
        summary="\n\n".join(summary_result.paragraphs()) or None,
        body=body_out,
        body_format=body_format,
        title_result=title_result,
        summary_result=summary_result,
        body_result=body_result,
    )
