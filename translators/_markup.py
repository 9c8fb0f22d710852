"""The machinery of `translators.markup`: HTML taken apart into blocks and texts, rebuilt.

See the `translators.markup` module doc for the method; this module holds its parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from translators.pipeline import Segment
from translators.protect import needs_engine

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


INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "ins", "kbd", "mark", "q", "ruby", "s", "samp", "small", "span", "strong", "sub",
        "sup", "time", "u", "var",
    }
)  # fmt: skip
VOID = frozenset({"img", "wbr", "input", "svg", "picture", "video", "audio", "math"})
_BREAK = "br"
WRAP = "kakehashi-run"  # temporary wrapper of loose inline content, unwrapped on output
_TOKEN = re.compile(r"(?<![A-Za-z0-9])Z\s?X\s?(\d{1,3})(?![0-9])", re.IGNORECASE)
SPACELESS = frozenset({"zh", "ja"})


@dataclass
class _Slot:
    element: etree._Element
    fragment: Fragment | None  # None: nothing to translate inside (image, empty element)


@dataclass
class Fragment:
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
    if _tag(element) not in INLINE | VOID | {_BREAK, WRAP}:
        return False
    return all(_tag(d) in INLINE | VOID | {_BREAK} for d in element.iterdescendants())


def has_words(line: str) -> bool:
    return needs_engine(_TOKEN.sub(" ", line))


def _spaced_token(before: str, after: str, n: int) -> str:
    left = " " if before[-1:].isascii() and before[-1:].isalnum() else ""
    right = " " if after[:1].isascii() and after[:1].isalnum() else ""
    return f"{left}ZX{n}{right}"


def fragment_of(element: etree._Element) -> Fragment:
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
            inner = fragment_of(child) if _tag(child) not in VOID else None
            if inner is not None and not inner.slots and not any(map(has_words, inner.lines)):
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
    return Fragment(element, lines, breaks, slots)


def _wrap_runs(container: etree._Element) -> None:
    """Put each run of loose inline content of ``container`` into a temporary wrapper."""
    children = list(container)
    text = container.text
    container.text = None
    out: list[etree._Element] = []
    wrapper: etree._Element | None = None
    if text and text.strip():
        wrapper = etree.Element(WRAP)
        wrapper.text = text
    else:
        container.text = text
    for child in children:
        container.remove(child)
        if _is_inline(child):
            if wrapper is None:
                wrapper = etree.Element(WRAP)
            wrapper.append(child)
            continue
        if wrapper is not None:
            out.append(wrapper)
            wrapper = None
        tail, child.tail = child.tail, None
        out.append(child)
        if tail and tail.strip():
            wrapper = etree.Element(WRAP)
            wrapper.text = tail
        else:
            child.tail = tail
    if wrapper is not None:
        out.append(wrapper)
    container.extend(out)


def find_blocks(element: etree._Element, out: list[etree._Element]) -> None:
    if all(_is_inline(child) for child in element):
        if (element.text and element.text.strip()) or len(element):
            out.append(element)
        return
    _wrap_runs(element)
    for child in element:
        if _tag(child) == WRAP:
            out.append(child)
        elif isinstance(child.tag, str):
            find_blocks(child, out)


def parse(html: str) -> etree._Element:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*DROPPED, "rt", "rp")):
        element.drop_tree()
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree()
    return root


def walk(fragment: Fragment) -> list[Fragment]:
    """``fragment`` and every nested fragment, parents first."""
    found = [fragment]
    for slot in fragment.slots:
        if slot.fragment is not None:
            found.extend(walk(slot.fragment))
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


def fill(fragment: Fragment, glue: str) -> None:
    """Rebuild the element of ``fragment`` from its translated lines (children first)."""
    for slot in fragment.slots:
        if slot.fragment is not None:
            fill(slot.fragment, glue)
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


def _plain(fragment: Fragment, translated: bool) -> str:
    """The text of a fragment with its tokens replaced by the children's text."""
    lines = fragment.translated if translated else fragment.lines
    text = " ".join(line for line in lines if line)
    return _substitute(text, fragment, translated, None)


def _slot_text(slot: _Slot, translated: bool) -> str:
    if slot.fragment is None:
        return " ".join(slot.element.text_content().split())
    return _plain(slot.fragment, translated)


def _substitute(text: str, fragment: Fragment, translated: bool, only: set[int] | None) -> str:
    """Tokens replaced by their element's text; each once, and only ``only`` when given."""
    done: set[int] = set()

    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(fragment.slots) or n in done or (only is not None and n not in only):
            return ""
        done.add(n)
        return _slot_text(fragment.slots[n - 1], translated)

    return re.sub(r"  +", " ", _TOKEN.sub(swap, text)).strip()


def _merge(fragment: Fragment, glue: str) -> list[Segment]:
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
            for child in merge_all(slot.fragment, glue):
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


def merge_all(fragment: Fragment, glue: str) -> list[Segment]:
    """Segments of a fragment, or (when it sent nothing to the engine) of its children."""
    if fragment.segments:
        return _merge(fragment, glue)
    return [s for slot in fragment.slots if slot.fragment for s in merge_all(slot.fragment, glue)]
