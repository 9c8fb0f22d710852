"""Sample input the translator tests share."""

from __future__ import annotations

# An article body with every kind of markup the HTML path keeps, drops or translates apart.
HTML = (
    "<h2>モスクワの声明</h2>"
    "<p>クレムリンは<a href='https://example.jp/a?x=1&amp;y=2'>公式サイト</a>で"
    "<strong>最後通告</strong>を拒否した。ロシアは<em>マスカロフカ</em>を続ける。</p>"
    "<script>var secret = '秘密のスクリプト';</script><style>p { color: red }</style>"
    "<ul><li>項目一</li><li>項目二<ul><li>入れ子の項目</li></ul></li></ul>"
    "<blockquote><p>引用された文。</p></blockquote>"
    "<figure><img src='x.jpg' alt='写真'><figcaption>写真の説明。</figcaption></figure>"
    "<p>一行目<br>二行目<!-- comment --></p>"
)
