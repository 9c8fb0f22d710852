"""Our TMX against translate-toolkit's TMX reader and writer (`translate-toolkit`, test extra):
it reads what we write, and we read what it writes, `po2tmx` included (issue 20.14)."""

from __future__ import annotations

import io

import pytest

from translators.tmx import TmxUnit, parse_tmx, write_tmx

toolkit_tmx = pytest.importorskip(
    "translate.storage.tmx",
    reason="translate-toolkit (pip install translate-toolkit, in the test extra) is missing",
)
pytestmark = pytest.mark.conformance

UNITS = [
    TmxUnit("瀬戸際外交が続いている。", "en", "Brinkmanship goes on.", (("e1", "brinkmanship"),)),
    TmxUnit("会談は予定通り行われた。", "en", "The talks went ahead.", (), True, "desk editor"),
    TmxUnit('記号 <&> "も" 残る。', "en", 'Symbols <&> "stay".', ()),
]
PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "停戦が合意された。"
msgstr "A ceasefire was agreed."

msgid "制裁"
msgstr "sanctions"
"""


def test_translate_toolkit_reads_our_tmx() -> None:
    store = toolkit_tmx.tmxfile.parsestring(write_tmx(UNITS, tool_version="1"))
    assert store.sourcelanguage == "ja"
    assert [(unit.source, unit.target) for unit in store.units] == [
        (u.source, u.translation) for u in UNITS
    ]


def test_we_read_po2tmx_output() -> None:
    from translate.convert import po2tmx

    # What `po2tmx -l en --source-language=ja` runs (convertpo writes into a tmxfile store).
    store = toolkit_tmx.tmxfile()
    po2tmx.po2tmx().convertfiles(io.BytesIO(PO.encode()), store, "ja", "en")
    written = bytes(store)
    assert b'<tu srclang="ja">' in written  # the header says srclang="en"
    parsed = parse_tmx(written)
    assert parsed.errors == []
    assert [(u.source, u.lang, u.translation) for u in parsed.units] == [
        ("停戦が合意された。", "en", "A ceasefire was agreed."),
        ("制裁", "en", "sanctions"),
    ]


def test_we_read_translate_toolkits_own_tmx_writer() -> None:
    store = toolkit_tmx.tmxfile(sourcelanguage="ja", targetlanguage="fr")
    store.addtranslation("停戦が合意された。", "ja", "Un cessez-le-feu a été conclu.", "fr")
    parsed = parse_tmx(bytes(store))
    assert parsed.errors == []
    assert [(u.source, u.lang, u.translation) for u in parsed.units] == [
        ("停戦が合意された。", "fr", "Un cessez-le-feu a été conclu.")
    ]
