"""TMX 1.4b in and out: a round trip keeps every unit; every problem is reported with its line;
hostile XML (entities, DTDs) is data, never instructions."""

from __future__ import annotations

from translators.tmx import TmxUnit, parse_tmx, write_tmx

UNITS = [
    TmxUnit("瀬戸際外交が続いている。", "en", "Brinkmanship goes on.", (("e1", "brinkmanship"),)),
    TmxUnit("会談は予定通り行われた。", "en", "The talks went ahead.", (), True, "desk editor"),
    TmxUnit("会談は予定通り行われた。", "fr", "Les pourparlers ont eu lieu.", ()),
    TmxUnit('記号 <&> "も" 残る。', "en", 'Symbols <&> "stay".', ()),
]


def test_round_trip_keeps_every_unit() -> None:
    data = write_tmx(UNITS, tool_version="1")
    parsed = parse_tmx(data)
    assert parsed.errors == []
    assert [
        (u.source, u.lang, u.translation, u.terms, u.stale, u.creator) for u in parsed.units
    ] == [(u.source, u.lang, u.translation, u.terms, u.stale, u.creator) for u in UNITS]
    assert b'<tmx version="1.4">' in data and b'srclang="ja"' in data


def test_a_multilingual_unit_gives_one_entry_per_translation() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="ja-JP" creationtool="x" creationtoolversion="1"
 segtype="sentence" o-tmf="x" adminlang="en" datatype="plaintext"/>
<body>
<tu><tuv xml:lang="ja-JP"><seg>\xe6\x96\x87\xe3\x80\x82</seg></tuv>
<tuv xml:lang="en-US"><seg>A sentence.</seg></tuv><tuv xml:lang="de"><seg>Ein Satz.</seg></tuv></tu>
</body></tmx>"""
    parsed = parse_tmx(data)
    assert parsed.errors == []
    assert [(u.lang, u.translation) for u in parsed.units] == [
        ("en", "A sentence."),
        ("de", "Ein Satz."),
    ]


def test_every_problem_is_reported_with_its_line_and_no_unit_is_returned() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
<header srclang="ja" creationtool="x"/>
<body>
<tu><tuv xml:lang="ja"><seg>good</seg></tuv><tuv xml:lang="en"><seg>fine</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>no source</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg>only source</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg></seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg>a <ph>b</ph><foo/></seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>
<tu><prop type="x-kakehashi-terms">[1]</prop><tuv xml:lang="ja"><seg>t</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg>good</seg></tuv><tuv xml:lang="en"><seg>again</seg></tuv></tu>
<tu><tuv><seg>no lang</seg></tuv><tuv xml:lang="ja"><seg>s</seg></tuv></tu>
</body></tmx>"""
    parsed = parse_tmx(data)
    assert parsed.units == []
    assert [e.line for e in parsed.errors] == [6, 7, 8, 9, 10, 11, 12]
    messages = [e.message for e in parsed.errors]
    assert "no 'ja' variant" in messages[0]
    assert "no translation" in messages[1]
    assert "empty <seg>" in messages[2]
    assert "<foo> is not TMX inline markup" in messages[3]
    assert "x-kakehashi-terms" in messages[4]
    assert "line 5" in messages[5]
    assert "xml:lang" in messages[6]


def test_not_tmx_or_not_xml() -> None:
    assert parse_tmx(b"<tmx").errors[0].message.startswith("not well-formed XML")
    assert parse_tmx(b"<xliff/>").errors[0].message == "the root element is not <tmx>"
    wrong = parse_tmx(
        b'<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>a</seg>'
        b'</tuv><tuv xml:lang="ja"><seg>b</seg></tuv></tu></body></tmx>'
    )
    assert "srclang must be 'ja', not 'en'" in wrong.errors[0].message


def test_entities_are_not_expanded() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="ja"/><body>
<tu><tuv xml:lang="ja"><seg>&x;</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>
</body></tmx>"""
    parsed = parse_tmx(data)
    assert all("root:" not in u.source for u in parsed.units)
    assert parsed.units == [] and parsed.errors

    # Issue 19.11: the error named `<cyfunction Entity at 0x...>`.
    [error] = parsed.errors
    assert error.message.startswith("entity reference &x; refused")
    assert "cyfunction" not in error.message


def tmx(header: str, *units: str) -> bytes:
    body = "".join(units)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
        f'<tmx version="1.4"><header creationtool="t" {header}/><body>{body}</body></tmx>'
    ).encode()


def tu(ja: str, en: str, attrs: str = "") -> str:
    return (
        f'<tu {attrs}><tuv xml:lang="ja"><seg>{ja}</seg></tuv>'
        f'<tuv xml:lang="en"><seg>{en}</seg></tuv></tu>'
    )


def test_a_units_srclang_overrides_the_headers() -> None:
    """Issue 20.14: po2tmx writes header srclang="en" over units srclang="ja" (TMX 1.4b: the
    unit's attribute wins)."""
    parsed = parse_tmx(tmx('srclang="en"', tu("停戦。", "Ceasefire.", 'srclang="ja"')))
    assert parsed.errors == []
    assert [(u.source, u.translation) for u in parsed.units] == [("停戦。", "Ceasefire.")]
    wrong = parse_tmx(tmx('srclang="ja"', tu("停戦。", "Ceasefire.", 'srclang="en"')))
    assert [e.message for e in wrong.errors] == ["srclang must be 'ja', not 'en'"]


def test_header_srclang_all_is_accepted() -> None:
    parsed = parse_tmx(tmx('srclang="*all*"', tu("停戦。", "Ceasefire."), tu("制裁", "sanctions")))
    assert parsed.errors == []
    assert len(parsed.units) == 2
    missing = parse_tmx(tmx("", tu("停戦。", "Ceasefire.")))
    assert [e.message for e in missing.errors] == [
        "the <header> has no srclang (TMX requires one; *all* is allowed)"
    ]


def test_inline_markup_keeps_the_plain_text_of_its_segment() -> None:
    """Issue 20.14: one <bpt> rejected the whole file."""
    unit = tu(
        '<bpt i="1">&lt;b&gt;</bpt>停戦<ept i="1">&lt;/b&gt;</ept>が<hi>合意</hi>された。',
        'A <bpt i="1">&lt;b&gt;</bpt>ceasefire<ept i="1">&lt;/b&gt;</ept> was <ph>&lt;br/&gt;'
        "</ph> agreed.",
    )
    parsed = parse_tmx(tmx('srclang="ja"', unit, tu("制裁", "sanctions")))
    assert parsed.errors == []
    assert [(u.source, u.translation) for u in parsed.units] == [
        ("停戦が合意された。", "A ceasefire was agreed."),
        ("制裁", "sanctions"),
    ]
