"""Paragraph and sentence splitting for Japanese news text (bracket aware)."""

from __future__ import annotations

import re

__all__ = ["MAX_SENTENCE_CHARS", "bound_sentence", "split_paragraphs", "split_sentences"]

MAX_SENTENCE_CHARS = 200
"""The longest piece handed to an engine. A Japanese news sentence runs 40-120 characters; a
longer one is cut at clause marks, then by length. Decoding time grows with the square of a
sentence's length (a 1,000-character sentence took 6.7 s on the toy model, 300 took 0.5 s)
and CTranslate2 silently cuts input at 1,024 tokens, so an unbounded "sentence" (300,000 x
あ, one line) would hold a worker for half an hour and still lose most of its text."""
_CLAUSE_MARKS = frozenset("、，,;；:：")

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_PAIRS = {
    "「": "」",
    "『": "』",
    "(": ")",
    "（": "）",
    "【": "】",
    "〔": "〕",
    "［": "］",
    "〈": "〉",
    "《": "》",
}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
_HARD_STOPS = frozenset("。！？")
_SOFT_STOPS = frozenset("!?")
_TRAILING = frozenset("。！？!?…‥")
_TRAILING_CLOSE = frozenset("」』)）】〕］〉》\"'”’")
_SPACES = frozenset(" \t\u3000")


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, stripped, without empties."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]


def _matched_openers(text: str) -> set[int]:
    """Positions of opening brackets that have a matching closer on the same line."""
    matched: set[int] = set()
    stack: list[int] = []
    for i, char in enumerate(text):
        if char == "\n":
            stack.clear()
        elif char in _PAIRS:
            stack.append(i)
        elif char in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if text[stack[depth]] == _CLOSERS[char]:
                    matched.add(stack[depth])
                    del stack[depth:]
                    break
    return matched


def _is_katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30ff"


def _is_stop(text: str, i: int) -> bool:
    char = text[i]
    if char in _HARD_STOPS:
        return True
    if char in _SOFT_STOPS:
        # "Yahoo!ニュース": an ASCII mark glued between a latin word and more text is a name.
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        glued = before.isascii() and before.isalpha()
        return not (glued and (_is_katakana(after) or (after.isascii() and after.isalnum())))
    if char == ".":
        # Latin sentence end ("... the end. Next"), never decimals (3.5), list markers (1.)
        # or initials (U.S.).
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        before2 = text[i - 2] if i > 1 else " "
        if after not in _SPACES or not before.isascii():
            return False
        if not (before.islower() or before in ")\"'"):
            return False
        return before2 not in " ."
    return False


def bound_sentence(sentence: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """``sentence`` in pieces of at most ``max_chars`` characters, in order, nothing dropped:
    cut after the last clause mark (、，,;；：) that keeps a piece within the bound, else
    after the last space, else at the bound itself. A short sentence is returned whole."""
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        window = rest[: max_chars + 1]
        cut = max(
            (i + 1 for i, c in enumerate(window[:max_chars]) if c in _CLAUSE_MARKS), default=0
        )
        if cut == 0:
            cut = max((i + 1 for i, c in enumerate(window[:max_chars]) if c in _SPACES), default=0)
        cut = cut or max_chars
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return [p.strip() for p in pieces if p.strip()]


def split_sentences(paragraph: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Sentences of ``paragraph``, in order, each stripped; no character is dropped.

    Sentences end at 。！？!? (and a latin ". ") outside brackets 「」『』（）()【】, and at
    every line break. Closing brackets, quotes, ellipses and further marks right after the
    end mark stay with the sentence. Joining the result gives back the paragraph, except for
    whitespace at the boundaries. A sentence over ``max_chars`` is cut into pieces that are
    not (:func:`bound_sentence`), so no engine call is unbounded.
    """
    text = paragraph
    matched = _matched_openers(text)
    sentences: list[str] = []
    depth: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            depth.clear()
            sentences.append(text[start:i])
            start = i + 1
        elif char in _PAIRS and i in matched:
            depth.append(_PAIRS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif not depth and _is_stop(text, i):
            j = i + 1
            while j < n and (text[j] in _TRAILING or text[j] in _TRAILING_CLOSE):
                j += 1
            sentences.append(text[start:j])
            start = i = j
            continue
        i += 1
    sentences.append(text[start:])
    return [piece for s in sentences if s.strip() for piece in bound_sentence(s, max_chars)]
