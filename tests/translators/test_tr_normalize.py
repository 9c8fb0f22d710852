from __future__ import annotations

from translators.normalize import normalize


def _check_map(original: str) -> None:
    norm = normalize(original)
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(original)
    assert list(norm.offsets) == sorted(norm.offsets)


def test_full_width_ascii_maps_back() -> None:
    original = "価格はＡＢＣ社の１２３円！？（速報）"
    norm = normalize(original)
    assert norm.text == "価格はABC社の123円!?(速報)"
    _check_map(original)
    start = norm.text.index("123")
    a, b = norm.original_span(start, start + 3)
    assert original[a:b] == "１２３"
    start = norm.text.index("(速報)")
    a, b = norm.original_span(start, start + 4)
    assert original[a:b] == "（速報）"
    for i, char in enumerate(norm.text):
        if char.isascii() and char.isalnum():
            assert original[norm.offsets[i]] in "ＡＢＣ１２３"


def test_newlines_unified_and_mapped() -> None:
    original = "一行目\r\n二行目\r三行目\u2028四"
    norm = normalize(original)
    assert norm.text == "一行目\n二行目\n三行目\n四"
    _check_map(original)
    assert original[norm.offsets[norm.text.index("二")]] == "二"
    assert original[norm.offsets[norm.text.index("四")]] == "四"


def test_half_width_kana_clusters_and_expansions() -> None:
    original = "ｶﾞｲﾄﾞ㈱"
    norm = normalize(original)
    assert norm.text == "ガイド(株)"
    _check_map(original)
    a, b = norm.original_span(0, 1)
    assert original[a:b] == "ｶﾞ"
    a, b = norm.original_span(norm.text.index("("), len(norm.text))
    assert original[a:b] == "㈱"


def test_empty() -> None:
    assert normalize("").text == ""
    assert normalize("").offsets == (0,)
