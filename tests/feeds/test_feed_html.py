from __future__ import annotations

import pytest

from feeds import clean_text, lead_image, paragraphs_to_html, sanitize_html


def test_paragraphs_escape_and_break() -> None:
    html = paragraphs_to_html(['a <b> & "c"', "line one\nline two", "   ", "crlf\r\nend"])
    assert html == (
        "<p>a &lt;b&gt; &amp; &quot;c&quot;</p>\n<p>line one<br>line two</p>\n<p>crlf<br>end</p>"
    )


def test_paragraphs_empty() -> None:
    assert paragraphs_to_html([]) == ""


def test_paragraphs_survive_sanitizing_unchanged() -> None:
    html = paragraphs_to_html(["x < y", "1\n2"])
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok</p><script>alert(1)</script>", "<p>ok</p>"),
        ("<style>p{color:red}</style><p>ok</p>", "<p>ok</p>"),
        ('<img src=x onerror="alert(1)">', "<img>"),
        ('<img src="http://a.example/i.png" alt="a">', '<img alt="a">'),
        (
            '<img src="https://a.example/i.png" alt="a">',
            '<img src="https://a.example/i.png" alt="a">',
        ),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener">x</a>'),
        ('<a href="/relative">x</a>', '<a rel="noopener">x</a>'),
        (
            '<a href="http://a.example/" rel="x">x</a>',
            '<a href="http://a.example/" rel="noopener">x</a>',
        ),
        (
            '<a href="https://a.example/" onclick="x()">x</a>',
            '<a href="https://a.example/" rel="noopener">x</a>',
        ),
        ("<h1>t</h1><h2>u</h2>", "t<h2>u</h2>"),
        ("<iframe src='https://e.example'></iframe>after", "after"),
        ("<p>a<!-- comment -->b</p>", "<p>ab</p>"),
        (
            "<figure><img src='https://a.example/i.png'><figcaption>c</figcaption></figure>",
            '<figure><img src="https://a.example/i.png"><figcaption>c</figcaption></figure>',
        ),
        (
            "<ul><li><em>e</em><strong>s</strong><b>b</b><i>i</i></li></ul>",
            "<ul><li><em>e</em><strong>s</strong><b>b</b><i>i</i></li></ul>",
        ),
        (
            "<blockquote><q>q</q></blockquote><ol><li>1</li></ol>",
            "<blockquote><q>q</q></blockquote><ol><li>1</li></ol>",
        ),
        ("<p style='x' class='y' id='z'>p</p>", "<p>p</p>"),
        ("a\x00b\x0bc", "abc"),
    ],
)
def test_sanitize(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_clean_text_removes_only_forbidden_characters() -> None:
    kept = "tab\t nl\n cr\r 🇯🇵 مرحبا שלום ]]> \u2028 \ud7ff \ue000 \ufffd \U0010ffff"
    forbidden = "".join(chr(c) for c in range(0x20) if c not in (9, 10, 13))
    assert clean_text(forbidden + kept + "\ufffe\uffff\ud800\udfff") == kept


def test_tables_keep_their_shape_and_images_their_size() -> None:
    """Issue 20, finding 11: tables were flattened into one run of text, sizes dropped."""
    dirty = (
        "<table><caption>予算</caption><thead><tr><th scope='col'>項目</th>"
        "<th scope='bogus'>金額</th></tr></thead><tbody><tr><td rowspan='2'>a</td>"
        "<td colspan='x'>1</td></tr></tbody></table>"
        "<img src='https://i.example/a.png' width='640' height='-1' alt='a'>"
    )
    assert sanitize_html(dirty) == (
        '<table><caption>予算</caption><thead><tr><th scope="col">項目</th><th>金額</th></tr>'
        '</thead><tbody><tr><td rowspan="2">a</td><td>1</td></tr></tbody></table>'
        '<img src="https://i.example/a.png" width="640" alt="a">'
    )


def test_lead_image_is_the_first_https_image() -> None:
    assert lead_image("<p>no image</p>") is None
    assert lead_image(
        "<img src='http://plain.example/a.png'><img src='https://x/b.jpg?a=1&b=2'>"
    ) == ("https://x/b.jpg?a=1&b=2")
