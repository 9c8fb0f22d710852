"""HTML article bodies: translated with their structure, links and emphasis kept.

Markup never reaches the engine. Two paths:

* :func:`html_to_text` — plain text, one paragraph per block element (no markup kept).
* :func:`translate_html` — the HTML rebuilt around the translation.

How :func:`translate_html` keeps the markup:

1. The fragment is parsed (lxml); ``script``/``style``/... , comments and ruby readings
   (``rt``/``rp``) are dropped. Every innermost block element (``p``, ``h1``–``h6``, ``li``,
   ``blockquote``, ``figcaption``, ``td``, ...) is one *block*; loose inline content beside
   nested blocks (``<li>text<ul>..</ul></li>``, text directly in a ``div``) becomes a block too.
2. Inside a block, each inline child element (``a``, ``em``, ``strong``, ``b``, ``i``, ``span``,
   ``img``, ...) is replaced by an opaque Latin token ``ZX<n>`` (distinct from the glossary's
   ``ZQ<n>``), exactly as glossary terms are protected, and the element's own content is
   translated as a text of its own (recursively, so ``<a><em>..</em></a>`` works). ``<br>``
   splits a block into lines, translated separately and rejoined with the same ``<br>``.
3. All those texts, of every block of the document, go through one ``translate_texts`` call,
   so the glossary and the quality checks apply as for plain text, and sentences are batched.
4. Each translation is rebuilt: a token becomes the original element (attributes such as
   ``href`` untouched) holding its translated content. **A token the model lost** leaves the
   translated text as is and the element is appended at the end of its block after a space,
   so no link and no emphasised content is ever lost; a duplicated token is used once and the
   copies are removed.

The report (:attr:`HtmlTranslation.result`) has one segment per sentence of each block, with
``paragraph`` = block index; the text of inline elements is substituted into the segment that
holds its token, and their term reports and flags are merged into that segment (or into the
block's last segment when the token was lost), so terms are present or flagged as for text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from translators._markup import (
    BLOCKS,
    DROPPED,
    INLINE,
    SPACELESS,
    WRAP,
    Fragment,
    fill,
    find_blocks,
    fragment_of,
    has_words,
    merge_all,
    parse,
    walk,
)
from translators.pipeline import (
    Segment,
    SentenceCache,
    TranslationResult,
    translate_texts,
)
from translators.review import DEFAULT_POLICY, ReviewPolicy, review_reasons

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from translators.engine import Engine

__all__ = [
    "BLOCKS",
    "DROPPED",
    "INLINE",
    "HtmlDocument",
    "HtmlTranslation",
    "html_to_text",
    "prepare_html",
    "translate_html",
]


def html_to_text(html: str) -> str:
    """Paragraphs of text (separated by blank lines) from an HTML fragment, in document order."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*DROPPED)):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    paragraphs: list[str] = []
    loose: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(loose).split())
        if text:
            paragraphs.append(text)
        loose.clear()

    def walk(element: etree._Element) -> None:
        if element.tag in BLOCKS:
            flush()
            text = "\n".join(
                " ".join(line.split()) for line in element.text_content().split("\n")
            ).strip()
            if text:
                paragraphs.append(text)
        else:
            if element.text:
                loose.append(element.text)
            for child in element:
                if isinstance(child.tag, str):
                    walk(child)
                if child.tail:
                    loose.append(child.tail)
        if element.tag in BLOCKS or element.tag == "div":
            flush()

    walk(root)
    flush()
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class HtmlTranslation:
    """A translated HTML fragment and its per-segment report."""

    html: str
    result: TranslationResult
    blocks: int

    @property
    def needs_review(self) -> bool:
        return self.result.needs_review

    @property
    def route(self) -> tuple[str, ...]:
        return self.result.route

    def to_dict(self) -> dict[str, object]:
        return {**self.result.to_dict(), "html": self.html}


@dataclass
class HtmlDocument:
    """An HTML fragment taken apart: :attr:`texts` go to the engine (in one batch with any
    other texts), and :meth:`rebuild` puts their translations back into the markup."""

    root: etree._Element
    blocks: list[Fragment]
    fragments: list[Fragment]
    texts: list[str]
    # (img element, index in texts, block number or -1) of each image whose alt has words:
    # alt text is translated in the same batch as the paragraphs, with the glossary enforced.
    alts: list[tuple[etree._Element, int, int]]

    def rebuild(
        self,
        results: Sequence[TranslationResult],
        *,
        engine: Engine,
        policy: ReviewPolicy = DEFAULT_POLICY,
    ) -> HtmlTranslation:
        """The translated fragment from one result per text of :attr:`texts`, in order."""
        if len(results) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(results)} translations")
        glue = "" if engine.target in SPACELESS else " "
        self._fill_lines(results, glue)
        segments = self._block_segments(self._fill_alts(results, glue), glue)
        # The review policy judges the merged segments of the whole body, as for plain text.
        reasons = review_reasons(segments, policy)
        result = TranslationResult(
            segments=tuple(segments),
            route=results[0].route if results else engine.languages,
            needs_review=bool(reasons),
            cache_hits=sum(r.cache_hits for r in results),
            cache_misses=sum(r.cache_misses for r in results),
            review_reasons=tuple(reasons),
        )
        return HtmlTranslation(self._html(), result, len(self.blocks))

    def _fill_lines(self, results: Sequence[TranslationResult], glue: str) -> None:
        """Each fragment's translated lines and segments (a line with no text stays as is)."""
        for fragment in self.fragments:
            for line, index in zip(fragment.lines, fragment.texts, strict=True):
                if index < 0:
                    fragment.translated.append(line)
                    continue
                result = results[index]
                fragment.translated.append(
                    " ".join(result.paragraphs()) if glue else "".join(result.paragraphs())
                )
                fragment.segments.extend(result.segments)

    def _fill_alts(
        self, results: Sequence[TranslationResult], glue: str
    ) -> dict[int, list[Segment]]:
        """Translated alt texts set on their images; their segments by paragraph number (an
        image outside any block gets a number after the last block's)."""
        alt_segments: dict[int, list[Segment]] = {}
        extra = len(self.blocks)
        for image, index, number in self.alts:
            result = results[index]
            image.set("alt", glue.join(result.paragraphs()))
            if number < 0:
                number, extra = extra, extra + 1
            alt_segments.setdefault(number, []).extend(
                Segment(number, s.source, s.translation, s.flags, s.terms) for s in result.segments
            )
        return alt_segments

    def _block_segments(self, alt_segments: dict[int, list[Segment]], glue: str) -> list[Segment]:
        """Fill each block with its translation; the segments of the whole fragment, each
        numbered by its block, a block's image alts after its text."""
        segments: list[Segment] = []
        for number, block in enumerate(self.blocks):
            for segment in merge_all(block, glue):
                segments.append(
                    Segment(
                        number, segment.source, segment.translation, segment.flags, segment.terms
                    )
                )
            segments.extend(alt_segments.pop(number, []))
            fill(block, glue)
        for number in sorted(alt_segments):  # images outside any block: paragraphs of their own
            segments.extend(alt_segments[number])
        return segments

    def _html(self) -> str:
        """The filled tree as an HTML fragment, without the wrappers added to take it apart."""
        root = self.root
        for wrapper in list(root.iter(WRAP)):
            wrapper.drop_tag()
        return (root.text or "") + "".join(
            etree.tostring(child, encoding="unicode", method="html") for child in root
        )


def prepare_html(html: str) -> HtmlDocument:
    """Take an HTML fragment apart into the texts to translate (see the module doc)."""
    root = parse(html) if html.strip() else etree.Element("div")
    elements: list[etree._Element] = []
    if html.strip():
        find_blocks(root, elements)
    blocks = [
        block
        for block in map(fragment_of, elements)
        if any(has_words(line) for f in walk(block) for line in f.lines)
    ]
    fragments = [f for block in blocks for f in walk(block)]
    texts: list[str] = []
    for fragment in fragments:
        for line in fragment.lines:
            fragment.texts.append(len(texts) if has_words(line) else -1)
            if has_words(line):
                texts.append(line)
    block_of = {id(block.element): number for number, block in enumerate(blocks)}
    alts: list[tuple[etree._Element, int, int]] = []
    for image in root.iter("img"):
        alt = " ".join((image.get("alt") or "").split())
        if not has_words(alt):
            continue
        number = next((block_of[id(a)] for a in image.iterancestors() if id(a) in block_of), -1)
        alts.append((image, len(texts), number))
        texts.append(alt)
    return HtmlDocument(root, blocks, fragments, texts, alts)


def translate_html(
    html: str,
    *,
    engine: Engine,
    matcher: Matcher | None = None,
    cache: SentenceCache | None = None,
    policy: ReviewPolicy = DEFAULT_POLICY,
) -> HtmlTranslation:
    """Translate an HTML fragment keeping blocks, links and emphasis (see the module doc).

    Every text of the document goes through one :func:`translate_texts` call.
    """
    if not html.strip():
        languages = engine.languages
        return HtmlTranslation("", TranslationResult((), languages, False, 0, 0), 0)
    document = prepare_html(html)
    results = translate_texts(
        document.texts, engine=engine, matcher=matcher, cache=cache, policy=policy
    )
    return document.rebuild(results, engine=engine, policy=policy)
