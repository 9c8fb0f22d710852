import pytest

from glossaries.model import Entry, Glossary, entry_id


def test_rendering_uses_targets_and_falls_back_to_source_for_dnt() -> None:
    plain = Entry("冷たい平和", {"en": "cold peace"})
    name = Entry("永田町", {"en": "Nagatacho"}, do_not_translate=True)
    brand = Entry("SIPRI", {}, do_not_translate=True)
    assert plain.rendering("en") == "cold peace"
    assert plain.rendering("fr") is None
    assert name.rendering("en") == "Nagatacho"
    assert name.rendering("de") == "永田町"
    assert brand.rendering("ko") == "SIPRI"


def test_surfaces_and_default_id() -> None:
    e = Entry("マスカロフカ", {"en": "maskirovka"}, aliases=("マスキロフカ",))
    assert e.surfaces() == ("マスカロフカ", "マスキロフカ")
    assert e.id == entry_id("マスカロフカ") and len(e.id) == 12
    assert Entry("マスカロフカ", {}, id="custom").id == "custom"


def test_entries_are_immutable_and_hashable() -> None:
    targets = {"en": "ceasefire"}
    e = Entry("停戦", targets)
    targets["en"] = "changed"
    assert e.rendering("en") == "ceasefire"
    with pytest.raises(TypeError):
        e.targets["en"] = "x"  # type: ignore[index]
    assert len({e, Entry("停戦", {"en": "ceasefire"})}) == 1


def test_bad_status_and_empty_source_are_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        Entry("停戦", {}, status="maybe")
    with pytest.raises(ValueError, match="source"):
        Entry("", {})


def test_version_is_order_independent_and_content_sensitive() -> None:
    a = Entry("停戦", {"en": "ceasefire", "fr": "cessez-le-feu"})
    b = Entry("制裁", {"en": "sanctions"})
    g1 = Glossary("g", (a, b))
    assert g1.version() == Glossary("renamed", (b, a), "other words").version()
    assert g1.version() != Glossary("g", (a, Entry("制裁", {"en": "sanction"}))).version()
    assert g1.version() != Glossary("g", (a,)).version()
    assert g1.version() != Glossary("g", (a, b), source_lang="zh").version()


def test_approved_keeps_order_and_drops_drafts() -> None:
    a, b, c = Entry("一", {}, status="draft"), Entry("二", {}), Entry("三", {})
    assert Glossary("g", (a, b, c)).approved() == (b, c)
