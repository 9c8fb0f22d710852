from __future__ import annotations

from translators.markup import html_to_text


def test_blocks_become_paragraphs_and_markup_never_reaches_the_text() -> None:
    html = (
        "<h2>見出し</h2><p>第一段落は<a href='https://x.jp'>リンク</a>を含む。<em>強調</em>も。</p>"
        "<script>alert('x')</script><ul><li>項目一</li><li>項目二</li></ul>"
        "<p>改行<br>のある段落。</p>ばらのテキスト"
    )
    assert html_to_text(html).split("\n\n") == [
        "見出し",
        "第一段落はリンクを含む。強調も。",
        "項目一",
        "項目二",
        "改行\nのある段落。",
        "ばらのテキスト",
    ]


def test_empty_and_plain() -> None:
    assert html_to_text("   ") == ""
    assert html_to_text("ただの文。") == "ただの文。"
