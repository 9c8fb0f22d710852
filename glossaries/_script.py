"""Character classes shared by matching and kana folding."""

from __future__ import annotations

__all__ = ["is_katakana", "is_latin_letter", "is_latin_word_char"]


def is_katakana(char: str) -> bool:
    """Katakana letters, the long-vowel mark ー and iteration marks; not the middle dot ・."""
    code = ord(char)
    return (
        0x30A1 <= code <= 0x30FA
        or 0x30FC <= code <= 0x30FF
        or 0x31F0 <= code <= 0x31FF
        or 0xFF66 <= code <= 0xFF9F
    )


def is_latin_letter(char: str) -> bool:
    """Letters of the Latin script (Basic Latin to Latin Extended-B)."""
    return char.isalpha() and ord(char) < 0x250


def is_latin_word_char(char: str) -> bool:
    """Characters that continue a Latin word: Latin letters and ASCII digits."""
    return is_latin_letter(char) or ("0" <= char <= "9")
