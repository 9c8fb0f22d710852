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

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from translators.pipeline import (
    Route,
    Segment,
    SentenceCache,
    TranslationResult,
    translate_texts,
)
from translators.protect import needs_engine
from translators.review import DEFAULT_POLICY, ReviewPolicy, review_reasons

if TYPE_CHECKING:
    from glossaries.matching import Matcher
    from translators.engine import Engine

__all__ = ["BLOCKS", "DROPPED", "INLINE", "HtmlTranslation", "html_to_text", "translate_html"]

BLOCKS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "figcaption",
        "pre",
        "td",
        "th",
        "dt",
        "dd",
        "caption",
    }
)
DROPPED = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


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


INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "ins", "kbd", "mark", "q", "ruby", "s", "samp", "small", "span", "strong", "sub",
        "sup", "time", "u", "var",
    }
)  # fmt: skip
VOID = frozenset({"img", "wbr", "input", "svg", "picture", "video", "audio", "math"})
_BREAK = "br"
_WRAP = "kakehashi-run"  # temporary wrapper of loose inline content, unwrapped on output
_TOKEN = re.compile(r"(?<![A-Za-z0-9])Z\s?X\s?(\d{1,3})(?![0-9])", re.IGNORECASE)
_SPACELESS = frozenset({"zh", "ja"})


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
class _Slot:
    element: etree._Element
    fragment: _Fragment | None  # None: nothing to translate inside (image, empty element)


@dataclass
class _Fragment:
    """The content of one element: lines of text with ``ZX<n>`` tokens for inline children."""

    element: etree._Element
    lines: list[str]
    breaks: list[etree._Element]
    slots: list[_Slot]
    texts: list[int] = field(default_factory=list)  # index in the batch per line, -1: none
    translated: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _is_inline(element: etree._Element) -> bool:
    if _tag(element) not in INLINE | VOID | {_BREAK, _WRAP}:
        return False
    return all(_tag(d) in INLINE | VOID | {_BREAK} for d in element.iterdescendants())


def _has_words(line: str) -> bool:
    return needs_engine(_TOKEN.sub(" ", line))


def _spaced_token(before: str, after: str, n: int) -> str:
    left = " " if before[-1:].isascii() and before[-1:].isalnum() else ""
    right = " " if after[:1].isascii() and after[:1].isalnum() else ""
    return f"{left}ZX{n}{right}"


def _fragment(element: etree._Element) -> _Fragment:
    pieces: list[list[str | int]] = [[]]  # per line: text and slot numbers
    breaks: list[etree._Element] = []
    slots: list[_Slot] = []
    if element.text:
        pieces[-1].append(element.text)
    for child in element:
        if _tag(child) == _BREAK:
            breaks.append(child)
            pieces.append([])
        else:
            inner = _fragment(child) if _tag(child) not in VOID else None
            if inner is not None and not inner.slots and not any(map(_has_words, inner.lines)):
                inner = None
            slots.append(_Slot(child, inner))
            pieces[-1].append(len(slots))
        if child.tail:
            pieces[-1].append(child.tail)
    lines: list[str] = []
    for parts in pieces:
        text = ""
        for i, part in enumerate(parts):
            if isinstance(part, str):
                text += re.sub(r"\s+", " ", part)
            else:
                after = next((p for p in parts[i + 1 :] if isinstance(p, str)), "")
                text += _spaced_token(text, after.lstrip(), part)
        lines.append(re.sub(r"  +", " ", text).strip())
    return _Fragment(element, lines, breaks, slots)


def _wrap_runs(container: etree._Element) -> None:
    """Put each run of loose inline content of ``container`` into a temporary wrapper."""
    children = list(container)
    text = container.text
    container.text = None
    out: list[etree._Element] = []
    wrapper: etree._Element | None = None
    if text and text.strip():
        wrapper = etree.Element(_WRAP)
        wrapper.text = text
    else:
        container.text = text
    for child in children:
        container.remove(child)
        if _is_inline(child):
            if wrapper is None:
                wrapper = etree.Element(_WRAP)
            wrapper.append(child)
            continue
        if wrapper is not None:
            out.append(wrapper)
            wrapper = None
        tail, child.tail = child.tail, None
        out.append(child)
        if tail and tail.strip():
            wrapper = etree.Element(_WRAP)
            wrapper.text = tail
        else:
            child.tail = tail
    if wrapper is not None:
        out.append(wrapper)
    container.extend(out)


def _blocks(element: etree._Element, out: list[etree._Element]) -> None:
    if all(_is_inline(child) for child in element):
        if (element.text and element.text.strip()) or len(element):
            out.append(element)
        return
    _wrap_runs(element)
    for child in element:
        if _tag(child) == _WRAP:
            out.append(child)
        elif isinstance(child.tag, str):
            _blocks(child, out)


def _parse(html: str) -> etree._Element:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*DROPPED, "rt", "rp")):
        element.drop_tree()
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree()
    return root


def _walk(fragment: _Fragment) -> list[_Fragment]:
    """``fragment`` and every nested fragment, parents first."""
    found = [fragment]
    for slot in fragment.slots:
        if slot.fragment is not None:
            found.extend(_walk(slot.fragment))
    return found


def _split(translation: str, count: int) -> tuple[list[str | int], list[int]]:
    """Pieces of text and slot numbers (each at most once); the slot numbers not found."""
    parts: list[str | int] = []
    used: set[int] = set()
    cursor = 0
    for match in _TOKEN.finditer(translation):
        parts.append(translation[cursor : match.start()])
        cursor = match.end()
        n = int(match.group(1))
        if 1 <= n <= count and n not in used:
            used.add(n)
            parts.append(n)
    parts.append(translation[cursor:])
    return parts, [n for n in range(1, count + 1) if n not in used]


def _fill(fragment: _Fragment, glue: str) -> None:
    """Rebuild the element of ``fragment`` from its translated lines (children first)."""
    for slot in fragment.slots:
        if slot.fragment is not None:
            _fill(slot.fragment, glue)
    element = fragment.element
    items: list[str | etree._Element] = []
    lost_all: set[int] = set(range(1, len(fragment.slots) + 1))
    for index, line in enumerate(fragment.translated):
        if index:
            items.append(fragment.breaks[index - 1])
        parts, _ = _split(line, len(fragment.slots))
        for part in parts:
            if isinstance(part, int):
                if part in lost_all:
                    lost_all.discard(part)
                    items.append(fragment.slots[part - 1].element)
            else:
                items.append(re.sub(r"  +", " ", part))
    for n in sorted(lost_all):
        items.append(glue)
        items.append(fragment.slots[n - 1].element)
    for child in list(element):
        element.remove(child)
    element.text = None
    last: etree._Element | None = None
    for item in items:
        if isinstance(item, str):
            if last is None:
                element.text = (element.text or "") + item
            else:
                last.tail = (last.tail or "") + item
        else:
            item.tail = None
            element.append(item)
            last = item


def _plain(fragment: _Fragment, translated: bool) -> str:
    """The text of a fragment with its tokens replaced by the children's text."""
    lines = fragment.translated if translated else fragment.lines
    text = " ".join(line for line in lines if line)
    return _substitute(text, fragment, translated, None)


def _slot_text(slot: _Slot, translated: bool) -> str:
    if slot.fragment is None:
        return " ".join(slot.element.text_content().split())
    return _plain(slot.fragment, translated)


def _substitute(text: str, fragment: _Fragment, translated: bool, only: set[int] | None) -> str:
    """Tokens replaced by their element's text; each once, and only ``only`` when given."""
    done: set[int] = set()

    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(fragment.slots) or n in done or (only is not None and n not in only):
            return ""
        done.add(n)
        return _slot_text(fragment.slots[n - 1], translated)

    return re.sub(r"  +", " ", _TOKEN.sub(swap, text)).strip()


def _merge(fragment: _Fragment, glue: str) -> list[Segment]:
    """The block's segments with the inline elements' text, terms and flags folded in.

    An inline element belongs to the segment whose translation holds its token, or, when the
    token was lost (or its line had no words), to the block's last segment, where its text is
    appended as in the HTML.
    """
    segments = list(fragment.segments)
    if not segments:
        return []
    owner: dict[int, int] = {}  # slot number -> segment index
    for index, segment in enumerate(segments):
        for match in _TOKEN.finditer(segment.translation):
            n = int(match.group(1))
            if 1 <= n <= len(fragment.slots):
                owner.setdefault(n, index)
    last = len(segments) - 1
    terms = [list(s.terms) for s in segments]
    flags = [list(s.flags) for s in segments]
    appended: list[str] = []
    for n, slot in enumerate(fragment.slots, start=1):
        index = owner.get(n, last)
        if n not in owner:
            appended.append(_slot_text(slot, True))
        if slot.fragment is not None:
            for child in _merge_all(slot.fragment, glue):
                terms[index].extend(child.terms)
                flags[index].extend(f for f in child.flags if f not in flags[index])
    merged: list[Segment] = []
    for index, segment in enumerate(segments):
        wanted = {n for n, i in owner.items() if i == index}
        translation = _substitute(segment.translation, fragment, True, wanted)
        if index == last:
            translation = glue.join(t for t in [translation, *appended] if t)
        merged.append(
            Segment(
                segment.paragraph,
                _substitute(segment.source, fragment, False, None),
                translation,
                tuple(flags[index]),
                tuple(terms[index]),
            )
        )
    return merged


def _merge_all(fragment: _Fragment, glue: str) -> list[Segment]:
    """Segments of a fragment, or (when it sent nothing to the engine) of its children."""
    if fragment.segments:
        return _merge(fragment, glue)
    return [s for slot in fragment.slots if slot.fragment for s in _merge_all(slot.fragment, glue)]


def translate_html(
    html: str,
    *,
    engine: Engine | Route,
    matcher: Matcher | None = None,
    cache: SentenceCache | None = None,
    policy: ReviewPolicy = DEFAULT_POLICY,
) -> HtmlTranslation:
    """Translate an HTML fragment keeping blocks, links and emphasis (see the module doc).

    Every text of the document goes through one :func:`translate_texts` call.
    """
    target = engine.target
    glue = "" if target in _SPACELESS else " "
    languages = engine.languages if isinstance(engine, Route) else (engine.source, target)
    if not html.strip():
        empty = TranslationResult((), languages, False, 0, 0)
        return HtmlTranslation("", empty, 0)
    root = _parse(html)
    elements: list[etree._Element] = []
    _blocks(root, elements)
    blocks = [
        block
        for block in map(_fragment, elements)
        if any(_has_words(line) for f in _walk(block) for line in f.lines)
    ]
    fragments = [f for block in blocks for f in _walk(block)]
    texts: list[str] = []
    for fragment in fragments:
        for line in fragment.lines:
            fragment.texts.append(len(texts) if _has_words(line) else -1)
            if _has_words(line):
                texts.append(line)
    results = translate_texts(texts, engine=engine, matcher=matcher, cache=cache, policy=policy)
    for fragment in fragments:
        for line, index in zip(fragment.lines, fragment.texts, strict=True):
            if index < 0:
                fragment.translated.append(line)
                continue
            result = results[index]
            fragment.translated.append(
                " ".join(result.paragraphs()) if glue else "".join(result.paragraphs())
            )
            fragment.segments.extend(result.segments)
    segments: list[Segment] = []
    for number, block in enumerate(blocks):
        for segment in _merge_all(block, glue):
            segments.append(
                Segment(number, segment.source, segment.translation, segment.flags, segment.terms)
            )
        _fill(block, glue)
    for wrapper in list(root.iter(_WRAP)):
        wrapper.drop_tag()
    out = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    hits = sum(r.cache_hits for r in results)
    reasons = review_reasons(segments, policy)
    result = TranslationResult(
        segments=tuple(segments),
        route=results[0].route if results else languages,
        needs_review=bool(reasons),
        cache_hits=hits,
        cache_misses=sum(r.cache_misses for r in results),
        review_reasons=tuple(reasons),
    )
    return HtmlTranslation(out, result, len(blocks))
