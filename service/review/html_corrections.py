"""Editors' corrections of an HTML body's sentences, applied with the markup kept.

A sentence of an HTML body is plain text in the report, but in the stored body its words sit
in text nodes around links and emphasis. The correction is applied as a word diff
(difflib) of the old sentence against the new one onto those text nodes: unchanged words
keep their element, deleted ones leave it, inserted ones join the element they replace or follow.
So a corrected sentence keeps its `<a href>` and `<em>` wherever the editor kept their words.
Hand-written because no library maps a text diff onto lxml's text/tail slots; the walk is the
same one translators/markup.py serialises with.

:func:`apply_html` is the desk's whole correction step for an HTML body: the report's
corrections (:func:`translators.corrections.apply_corrections`) and the markup's, both pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import lxml.html
from lxml import etree

from translators.corrections import Corrected, Correction, apply_corrections
from translators.report import Report


class SentenceNotFound(ValueError):
    """The sentence's text is not in the body's text (the markup split it unusually)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"sentence {index} is not in the HTML body")
        self.index = index


class MarkupSplit(ValueError):
    """A corrected body sentence that the markup splits in a way the desk cannot follow."""

    message = (
        "this sentence is split by the markup in a way the desk cannot follow; "
        "correct it in the CMS"
    )

    def __init__(self, index: int) -> None:
        super().__init__(f"segment {index}: {self.message}")
        self.index = index  # in the report's flat order, as the editor named it


@dataclass
class _Slot:
    element: etree._Element
    attr: str  # "text" or "tail"
    value: str

    def write(self) -> None:
        setattr(self.element, self.attr, self.value or None)


def _slots(root: etree._Element) -> list[_Slot]:
    out: list[_Slot] = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str):  # comments and processing instructions hold no words
            out.append(_Slot(node, "text", node.text or ""))
            for child in node:
                walk(child)
        if node is not root:
            out.append(_Slot(node, "tail", node.tail or ""))

    walk(root)
    return out


_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


def _offsets(words: list[str]) -> list[int]:
    """The character offset of each word, and the total length at the end."""
    out = [0]
    for word in words:
        out.append(out[-1] + len(word))
    return out


def _apply(slots: list[_Slot], where: list[tuple[int, int]], at: int, old: str, new: str) -> None:
    """Replace `old`, found at text position `at`, by `new` (right to left, so that the
    positions still to edit stay valid)."""
    # Word by word, not character by character: a replaced word is replaced where it stood
    # (inside its link), not spliced from letters the two words happen to share.
    a_words, b_words = _WORDS.findall(old), _WORDS.findall(new)
    a_at = _offsets(a_words)
    b_at = _offsets(b_words)
    ops = SequenceMatcher(None, a_words, b_words, autojunk=False).get_opcodes()
    for tag, w1, w2, v1, v2 in reversed(ops):
        if tag == "equal":
            continue
        i1, i2, j1, j2 = a_at[w1], a_at[w2], b_at[v1], b_at[v2]
        a1, a2 = at + i1, at + i2
        for pos in range(a2 - 1, a1 - 1, -1):  # delete one character at a time, right first
            slot, offset = where[pos]
            text = slots[slot].value
            slots[slot].value = text[:offset] + text[offset + 1 :]
        inserted = new[j1:j2]
        if not inserted:
            continue
        if a2 > a1 or a1 == at:  # a replacement, or an insertion at the sentence's start
            slot, offset = where[a1]
        else:  # after the previous character, in its element
            slot, offset = where[a1 - 1]
            offset += 1
        text = slots[slot].value
        slots[slot].value = text[:offset] + inserted + text[offset:]


def correct_html(html: str, sentences: Sequence[str], changes: Mapping[int, str]) -> str:
    """`html` with the sentences numbered in `changes` (indices into `sentences`, the body's
    sentences in order as the report has them) replaced by their new text."""
    if not changes:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    slots = _slots(root)
    where = [(n, offset) for n, slot in enumerate(slots) for offset in range(len(slot.value))]
    text = "".join(slot.value for slot in slots)
    found: list[tuple[int, int]] = []  # (position, sentence index) of each changed sentence
    cursor = 0
    for index, sentence in enumerate(sentences):
        at = text.find(sentence, cursor) if sentence else -1
        if at < 0:
            if index in changes:
                raise SentenceNotFound(index)
            continue
        cursor = at + len(sentence)
        if index in changes:
            found.append((at, index))
    for at, index in reversed(found):
        _apply(slots, where, at, sentences[index], changes[index])
    for slot in slots:
        if slot.element is not root or slot.attr == "text":
            slot.write()
    return (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )


def apply_html(
    report: Report, corrections: Sequence[Correction], html: str
) -> tuple[Corrected, str]:
    """``corrections`` applied to ``report`` and to ``html``, the body's stored markup (its
    corrected sentences written into its text nodes, links and emphasis kept). Raises
    CorrectionError as :func:`~translators.corrections.apply_corrections` does, checked
    first, and MarkupSplit for a corrected sentence the markup does not hold as such."""
    done = apply_corrections(report, corrections)
    flat = report.flat()
    first = next((i for i, part, _ in flat if part == "body"), len(flat))
    changed = {c.index - first: c.after for c in done.changes if c.part == "body"}
    before = [s.translation for s in report.body.segments]
    try:
        return done, correct_html(html, before, changed)
    except SentenceNotFound as exc:
        raise MarkupSplit(first + exc.index) from exc
