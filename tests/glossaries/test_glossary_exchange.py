import pytest

from glossaries.exchange import FORMATS, GlossaryDiff, LineError, diff, export, parse
from glossaries.model import Entry, Glossary

KAKEHASHI_HEADER = "source,aliases,dnt,case_sensitive,status,note,en,fr\n"


def errors(text: str, **kwargs: str) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in parse(text, **kwargs).errors]


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("停戦\tceasefire\n", "deepl-tsv"),
        ("停戦,ceasefire\n", "deepl-csv"),
        ("ja,en,fr\n停戦,ceasefire,cessez-le-feu\n", "aws-csv"),
        ("\nja\ten\n停戦\tceasefire\n", "aws-tsv"),
        (KAKEHASHI_HEADER + "停戦,,,,,,ceasefire,cessez-le-feu\n", "kakehashi-csv"),
        ("\ufeffsource\ten\n停戦\tceasefire\n", "kakehashi-tsv"),
    ],
)
def test_auto_detection(text: str, expected: str) -> None:
    result = parse(text, target_lang="en")
    assert result.format == expected
    assert result.errors == []
    assert [e.source for e in result.entries] == ["停戦"]
    assert result.entries[0].rendering("en") == "ceasefire"


def test_undetectable_text_is_an_error_on_its_line() -> None:
    result = parse("\n\n停戦だけ\n")
    assert result.format == "unknown"
    assert result.errors == [LineError(3, result.errors[0].message)]
    assert "cannot detect" in result.errors[0].message


# --- DeepL -------------------------------------------------------------------------------


def test_deepl_entries_use_target_lang() -> None:
    result = parse('停戦\tceasefire\n引用\t"Quote" marks\n', format="deepl-tsv", target_lang="EN")
    # Issue 20.3: DeepL's TSV has no quoting; a quote is part of the term.
    assert [(e.source, dict(e.targets)) for e in result.entries] == [
        ("停戦", {"en": "ceasefire"}),
        ("引用", {"en": '"Quote" marks'}),
    ]


def test_deepl_needs_a_target_language() -> None:
    with pytest.raises(ValueError, match="target_lang"):
        parse("停戦\tceasefire\n", format="deepl-tsv")
    with pytest.raises(ValueError, match="target_lang"):
        parse("停戦\tceasefire\n", format="deepl-tsv", target_lang="english")


def test_deepl_line_errors() -> None:
    text = "停戦,ceasefire\n制裁\n,orphan\n主権,\n停戦,truce\n\n国有化,a,b\n"
    shape = "2 or 4 columns (source, target[, source language, target language])"
    assert errors(text, format="deepl-csv", target_lang="en") == [
        (2, f"expected {shape}, found 1"),
        (3, "empty source"),
        (4, "empty rendering for 'en' of '主権'"),
        (5, "duplicate source '停戦' (first on line 1)"),
        (7, f"expected {shape}, found 3"),
    ]
    assert [e.text for e in parse(text, format="deepl-csv", target_lang="en").errors] == [
        "制裁",
        ",orphan",
        "主権,",
        "停戦,truce",
        "国有化,a,b",
    ]


def test_deepl_tsv_line_errors() -> None:
    text = "停戦\tceasefire\n制裁\n国有化\ta\tb\n"
    assert errors(text, format="deepl-tsv", target_lang="en") == [
        (2, "expected 2 columns (source, target), found 1"),
        (3, "expected 2 columns (source, target), found 3"),
    ]


def test_deepl_csv_with_language_columns() -> None:
    """Issue 20.4: DeepL documents two optional columns, the source and target languages."""
    text = '"マスカロフカ","maskirovka","ja","en"\n停戦,ceasefire,JA,EN\n'
    result = parse(text, format="deepl-csv")  # the file names its target language
    assert result.errors == []
    assert [(e.source, dict(e.targets)) for e in result.entries] == [
        ("マスカロフカ", {"en": "maskirovka"}),
        ("停戦", {"en": "ceasefire"}),
    ]
    assert parse(text, target_lang="en").format == "deepl-csv"
    assert errors(text, format="deepl-csv", target_lang="fr") == [
        (1, "column 4 is 'en' but the target language is 'fr'"),
        (2, "column 4 is 'EN' but the target language is 'fr'"),
    ]
    assert errors("停戦,ceasefire,de,en\n", format="deepl-csv") == [
        (1, "column 3 is 'de' but the source language is 'ja'")
    ]


def test_missing_target_language_is_worded_for_the_caller() -> None:
    with pytest.raises(ValueError, match="set --target-lang to"):
        parse("停戦\tceasefire\n", format="deepl-tsv", target_lang_name="--target-lang")


def test_quoted_newline_keeps_line_numbers_right() -> None:
    text = '停戦,"cease\nfire"\n,x\n'
    result = parse(text, format="deepl-csv", target_lang="en")
    assert result.entries[0].rendering("en") == "cease\nfire"
    assert [e.line for e in result.errors] == [3]


def test_unterminated_quote_is_reported() -> None:
    result = parse('停戦,ceasefire\n制裁,"sanctions\n', format="deepl-csv", target_lang="en")
    assert [e.line for e in result.errors] == [2]
    assert "unreadable CSV" in result.errors[0].message
    assert [e.source for e in result.entries] == ["停戦"]


# --- AWS ---------------------------------------------------------------------------------


def test_aws_rows_and_empty_cells() -> None:
    result = parse("ja,en,zh-Hans\n停戦,ceasefire,停火\n制裁,sanctions,\n", format="aws-csv")
    assert result.errors == []
    assert [dict(e.targets) for e in result.entries] == [
        {"en": "ceasefire", "zh-Hans": "停火"},
        {"en": "sanctions"},
    ]


def test_aws_header_errors() -> None:
    assert errors("ja,en,english,fr_ca,xx\n停戦,a,b,c,d\n", format="aws-csv") == [
        (1, "column 3: 'english' is not a language code"),
        (1, "column 5: 'xx' is not a language code"),
    ]
    assert errors("ja,en,EN\n", format="aws-csv") == [(1, "column 3: language 'en' appears twice")]
    assert errors("en,ja\n", format="aws-csv") == [
        (1, "column 1 is 'en' but the source language is 'ja'")
    ]
    assert errors("ja\n", format="aws-tsv") == [
        (1, "header needs the source language and at least one target language")
    ]


def test_aws_line_errors() -> None:
    text = "ja,en,fr\n停戦,ceasefire,cessez-le-feu\n制裁,sanctions\n主権,,\n停戦,truce,trêve\n"
    assert errors(text, format="aws-csv") == [
        (3, "expected 3 columns, found 2"),
        (4, "empty rendering: '主権' has no rendering in any language"),
        (5, "duplicate source '停戦' (first on line 2)"),
    ]


# --- kakehashi ---------------------------------------------------------------------------


def test_kakehashi_fields() -> None:
    text = KAKEHASHI_HEADER + (
        "マスカロフカ,マスキロフカ| マスキローフカ |,false,,draft,deception,maskirovka,\n"
        "SIPRI,,TRUE,true,,,,\n"
    )
    result = parse(text, format="kakehashi-csv")
    assert result.errors == []
    mask, sipri = result.entries
    assert mask.aliases == ("マスキロフカ", "マスキローフカ")
    assert (mask.status, mask.note, dict(mask.targets)) == (
        "draft",
        "deception",
        {"en": "maskirovka"},
    )
    assert (sipri.do_not_translate, sipri.case_sensitive, sipri.status) == (True, True, "approved")
    assert sipri.rendering("fr") == "SIPRI"


def test_kakehashi_header_errors() -> None:
    assert errors("source,aliases,colour,en\n", format="kakehashi-csv") == [
        (1, "column 3: 'colour' is neither a field nor a language code"),
    ]
    assert errors("source,en,note,en\n", format="kakehashi-csv") == [
        (1, "column 4: 'en' appears twice"),
    ]
    assert errors("en,source\n", format="kakehashi-csv") == [(1, "column 1 must be 'source'")]


def test_kakehashi_line_errors() -> None:
    text = KAKEHASHI_HEADER + (
        "停戦,,,,,,ceasefire,cessez-le-feu\n"
        "制裁,,yes,,,,sanctions,\n"
        "主権,,,maybe,,,sovereignty,\n"
        "国有化,,,,final,,nationalization,\n"
        "第三国,,,,,,,\n"
        ",,,,,,orphan,\n"
        "停戦,,,,,,truce,\n"
        "地政学,,,\n"
    )
    assert errors(text, format="kakehashi-csv") == [
        (3, "dnt: expected true, false or empty, found 'yes'"),
        (4, "case_sensitive: expected true, false or empty, found 'maybe'"),
        (5, "status: expected draft, approved or empty, found 'final'"),
        (6, "empty rendering: '第三国' has no rendering and is not dnt"),
        (7, "empty source"),
        (8, "duplicate source '停戦' (first on line 2)"),
        (9, "expected 8 columns, found 4"),
    ]
    assert [e.source for e in parse(text, format="kakehashi-csv").entries] == ["停戦"]


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown glossary format"):
        parse("a,b\n", format="excel")
    with pytest.raises(ValueError, match="unknown glossary format"):
        export(Glossary("g", ()), format="json")


# --- round trips -------------------------------------------------------------------------

RICH = (
    Entry(
        "マスカロフカ",
        {"en": "maskirovka", "de": "Maskirowka", "zh-Hant": "偽裝"},
        aliases=("マスキロフカ", "マスキローフカ"),
        note='Russian "deception", doctrine',
    ),
    Entry("SIPRI", {}, do_not_translate=True, case_sensitive=True),
    Entry("永田町", {"en": "Nagatacho"}, do_not_translate=True, status="draft"),
    Entry("核の\t恫喝", {"en": "nuclear blackmail, by threat", "fr": "chantage\nnucléaire"}),
)


@pytest.mark.parametrize("fmt", ["kakehashi-csv", "kakehashi-tsv"])
def test_kakehashi_round_trip_keeps_everything(fmt: str) -> None:
    glossary = Glossary("g", RICH)
    text = export(glossary, format=fmt)
    result = parse(text)
    assert result.format == fmt
    assert result.errors == []
    assert tuple(result.entries) == RICH


def test_kakehashi_round_trip_keeps_custom_ids() -> None:
    entries = (Entry("停戦", {"en": "ceasefire"}, id="e-1"), Entry("制裁", {"en": "sanctions"}))
    text = export(Glossary("g", entries), format="kakehashi-csv")
    assert text.splitlines()[0].split(",")[6] == "id"
    assert tuple(parse(text).entries) == entries


@pytest.mark.parametrize("fmt", ["aws-csv", "aws-tsv"])
def test_aws_round_trip_keeps_approved_renderings(fmt: str) -> None:
    text = export(Glossary("g", RICH), format=fmt)
    result = parse(text)
    assert (result.format, result.errors) == (fmt, [])
    header = text.splitlines()[0].split("\t" if fmt == "aws-tsv" else ",")
    assert header == ["ja", "en", "zh", "ko", "fr", "de", "es", "zh-Hant"]
    # Issue 20.5: each alias is an entry of its own; a term with a tab (which AWS and DeepL
    # refuse) is left out.
    expected = {
        spelling: {lang: v for lang in header[1:] if (v := e.rendering(lang))}
        for e in RICH
        if e.status == "approved" and "\t" not in e.source
        for spelling in e.surfaces()
    }
    assert {e.source: dict(e.targets) for e in result.entries} == expected
    assert set(expected) == {"マスカロフカ", "マスキロフカ", "マスキローフカ", "SIPRI"}
    assert expected["SIPRI"]["ko"] == "SIPRI"  # do-not-translate renders as its source


@pytest.mark.parametrize("fmt", ["deepl-csv", "deepl-tsv"])
def test_deepl_round_trip(fmt: str) -> None:
    entries = (
        Entry("停戦", {"en": "ceasefire"}),
        Entry("核の恫喝", {"en": 'nuclear "blackmail", by threat'}),
        Entry("制裁", {"fr": "sanctions"}),  # no English: not exported
    )
    text = export(Glossary("g", entries), format=fmt, target_lang="en")
    result = parse(text, format=fmt, target_lang="en")
    assert result.errors == []
    assert tuple(result.entries) == entries[:2]


def test_every_format_is_exportable() -> None:
    glossary = Glossary("g", RICH)
    for fmt in FORMATS:
        text = export(glossary, format=fmt, target_lang="en")
        assert parse(text, format=fmt, target_lang="en").errors == []


# --- diff --------------------------------------------------------------------------------


def test_diff_by_source() -> None:
    keep = Entry("停戦", {"en": "ceasefire"})
    old_change = Entry("制裁", {"en": "sanction"})
    new_change = Entry("制裁", {"en": "sanctions"})
    gone = Entry("主権", {"en": "sovereignty"})
    new = Entry("国有化", {"en": "nationalization"})
    result = diff([keep, old_change, gone], [new, new_change, keep])
    assert result == GlossaryDiff(
        added=(new,), changed=((old_change, new_change),), removed=(gone,), unchanged=(keep,)
    )
    assert result
    assert not diff([keep], [keep])


# Issue 11, row 8: exports wrote cells starting with = + - @ verbatim (formula injection).
HOSTILE = Entry(
    '=HYPERLINK("http://evil.example","x")',
    {"en": "+cmd|' /C calc'!A0", "fr": "-2+3", "de": "@SUM(A1:A9)", "es": "plain"},
    aliases=("@alias",),
    note="=1+1",
)


SPREADSHEET_FORMATS = [f for f in FORMATS if f.startswith("kakehashi")]
SERVICE_FORMATS = [f for f in FORMATS if not f.startswith("kakehashi")]


@pytest.mark.parametrize("format", SPREADSHEET_FORMATS)
def test_export_prefixes_cells_a_spreadsheet_would_run(format: str) -> None:
    import csv
    import io

    text = export(Glossary("g", (HOSTILE,)), format=format, target_lang="en")
    delimiter = "\t" if format.endswith("tsv") else ","
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
    assert cells, text
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (format, cell)
    assert "'=HYPERLINK(" in text
    assert "'+cmd|" in text


@pytest.mark.parametrize("format", SERVICE_FORMATS)
def test_service_bound_exports_carry_the_exact_terms(format: str) -> None:
    """Issue 20.2: DeepL and AWS store a guard's apostrophe as part of the term."""
    text = export(Glossary("g", (HOSTILE,)), format=format, target_lang="en")
    assert "'=" not in text
    assert "'+" not in text
    assert "'@" not in text
    parsed = parse(text, format=format, target_lang="en")
    assert parsed.ok, parsed.errors
    by_source = {e.source: dict(e.targets) for e in parsed.entries}
    assert set(by_source) == {HOSTILE.source, "@alias"}
    assert by_source[HOSTILE.source]["en"] == HOSTILE.targets["en"]
    assert by_source["@alias"] == by_source[HOSTILE.source]


@pytest.mark.parametrize("format", SPREADSHEET_FORMATS)
def test_guarded_export_imports_back_unchanged(format: str) -> None:
    text = export(Glossary("g", (HOSTILE,)), format=format, target_lang="en")
    parsed = parse(text, format=format, target_lang="en")
    assert parsed.ok, parsed.errors
    [entry] = parsed.entries
    assert entry.source == HOSTILE.source
    assert entry.targets["en"] == HOSTILE.targets["en"]
    assert entry == HOSTILE


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("瀬戸際外交\tbrink\x00manship\n", "U+0000"),
        ("核\x01抑止\tdeterrence\n", "U+0001"),
        ("抑止\t\u202eecnerretted\n", "U+202E"),
        ("抑止\tdeter\u2066rence\n", "U+2066"),
        ("抑止\tdeter\ufffe\n", "U+FFFE"),
    ],
)
def test_import_refuses_characters_no_store_can_hold(text: str, bad: str) -> None:
    """Row 7: a NUL in an imported file gave a 500 on PostgreSQL (or failed every article
    using the term later)."""
    result = parse("ok\tfine\n" + text, format="deepl-tsv", target_lang="en")
    assert result.entries == []
    assert result.errors == [LineError(2, f"holds {bad}, a character glossaries refuse")]
