"""The translation memory as TMX 1.4b, the exchange format translation tools read. Pure:
text in, units and line-numbered errors out; units in, bytes out.

A translation unit (``<tu>``) holds the Japanese sentence (``srclang``) and one or more
translations (``<tuv xml:lang=...>``); each translation becomes one :class:`TmxUnit`. Two
properties of ours travel with a unit: ``x-kakehashi-terms`` (the glossary renderings the
translation was made under, JSON ``[[entry id, rendering], ...]``) and ``x-kakehashi-stale``.
The source language is a ``<tu>``'s own ``srclang`` if it has one, else the header's (TMX 1.4b
§3: the unit's attribute overrides the header's; translate-toolkit's ``po2tmx`` writes a header
``srclang="en"`` over units ``srclang="ja"``); a header ``srclang="*all*"`` names no default.
The memory stores plain sentences: inline markup keeps the plain text of its segment (the text
of ``<hi>``; the native codes inside ``<bpt>``, ``<ept>``, ``<it>``, ``<ph>`` and ``<ut>`` are
dropped), as CAT tools do when they export a segment as text. Entity references are refused
with their name (entities are never expanded). Every unit is checked and every problem
reported, so an importer can apply all or nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

__all__ = ["TmxError", "TmxParse", "TmxUnit", "parse_tmx", "write_tmx"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TERMS_PROP = "x-kakehashi-terms"
STALE_PROP = "x-kakehashi-stale"
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
ALL_LANGUAGES = "*all*"  # a header srclang meaning "each unit says"
_CODES = frozenset({"bpt", "ept", "it", "ph", "ut"})  # inline native codes: not text
_TEXT = frozenset({"hi"})  # inline elements whose content is text
_SPACES = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class TmxUnit:
    source: str
    lang: str
    translation: str
    terms: tuple[tuple[str, str], ...] = ()
    stale: bool = False
    creator: str = ""
    line: int = 0


@dataclass(frozen=True)
class TmxError:
    line: int
    message: str


@dataclass(frozen=True)
class TmxParse:
    units: list[TmxUnit] = field(default_factory=list)
    errors: list[TmxError] = field(default_factory=list)


def _lang(raw: str | None) -> str | None:
    """A TMX language code as our language code: its primary subtag, lower case."""
    if raw is None or not _LANG.match(raw):
        return None
    return raw.split("-")[0].lower()


def _plain(element: etree._Element, parts: list[str]) -> str | None:
    """Append the plain text of ``element``'s content to ``parts``; a problem, or None."""
    parts.append(element.text or "")
    for child in element:
        if child.tag is etree.Entity:
            return (
                f"entity reference {child.text} refused: TMX segments are plain text and "
                "entities declared in a DOCTYPE are never read"
            )
        if isinstance(child.tag, str):
            if child.tag in _TEXT:
                problem = _plain(child, parts)
                if problem is not None:
                    return problem
            elif child.tag not in _CODES:
                return f"<{child.tag}> is not TMX inline markup"
        parts.append(child.tail or "")  # comments and processing instructions: their tail only
    return None


def _seg_text(tuv: etree._Element) -> tuple[str | None, str | None]:
    """(text, problem) of a ``<tuv>``'s single ``<seg>``."""
    segs = tuv.findall("seg")
    if len(segs) != 1:
        return None, "a <tuv> needs exactly one <seg>"
    parts: list[str] = []
    problem = _plain(segs[0], parts)
    if problem is not None:
        return None, problem
    text = _SPACES.sub(" ", "".join(parts)).strip() if len(segs[0]) else "".join(parts).strip()
    if not text:
        return None, "empty <seg>"
    return text, None


def _props(tu: etree._Element, errors: list[TmxError]) -> tuple[tuple[tuple[str, str], ...], bool]:
    terms: tuple[tuple[str, str], ...] = ()
    stale = False
    for prop in tu.findall("prop"):
        kind, value = prop.get("type"), (prop.text or "").strip()
        if kind == TERMS_PROP:
            try:
                data = json.loads(value)
                if not isinstance(data, list) or not all(
                    isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                    for p in data
                ):
                    raise ValueError("not a list of [entry id, rendering] pairs")
                terms = tuple(sorted({(p[0], p[1]) for p in data}))
            except ValueError as exc:
                errors.append(TmxError(prop.sourceline or 0, f"{TERMS_PROP}: {exc}"))
        elif kind == STALE_PROP:
            if value not in ("true", "false"):
                errors.append(TmxError(prop.sourceline or 0, f"{STALE_PROP} must be true or false"))
            stale = value == "true"
    return terms, stale


def _header_srclang(root: etree._Element, errors: list[TmxError]) -> str | None:
    """The header's default source language (None for ``*all*`` or after an error)."""
    header = root.find("header")
    if header is None:
        errors.append(TmxError(root.sourceline or 0, "no <header> (TMX requires one)"))
        return None
    raw = header.get("srclang")
    if raw is None:
        message = f"the <header> has no srclang (TMX requires one; {ALL_LANGUAGES} is allowed)"
        errors.append(TmxError(header.sourceline or 0, message))
        return None
    if raw == ALL_LANGUAGES:
        return None
    code = _lang(raw)
    if code is None:
        errors.append(TmxError(header.sourceline or 0, f"srclang {raw!r} is not a language code"))
    return code


def _check_srclang(
    tu: etree._Element, default: str | None, source_lang: str, errors: list[TmxError]
) -> None:
    """A unit's own srclang overrides the header's; the memory reads Japanese sources only."""
    raw = tu.get("srclang")
    srclang = default if raw is None or raw == ALL_LANGUAGES else _lang(raw)
    if raw is not None and raw != ALL_LANGUAGES and srclang is None:
        errors.append(TmxError(tu.sourceline or 0, f"srclang {raw!r} is not a language code"))
    elif srclang is not None and srclang != source_lang:
        errors.append(
            TmxError(tu.sourceline or 0, f"srclang must be {source_lang!r}, not {srclang!r}")
        )


def _variants(
    tu: etree._Element, source_lang: str, errors: list[TmxError]
) -> tuple[str | None, list[tuple[str, str, int]]]:
    """A <tu>'s source sentence (None: it has none) and its (language, text, line) translations;
    a variant without a language or text is reported to ``errors`` instead."""
    line = tu.sourceline or 0
    source: str | None = None
    targets: list[tuple[str, str, int]] = []
    for tuv in tu.findall("tuv"):
        tuv_line = tuv.sourceline or line
        lang = _lang(tuv.get(XML_LANG))
        text, problem = _seg_text(tuv)
        if lang is None:
            errors.append(TmxError(tuv_line, "a <tuv> needs an xml:lang language code"))
        elif problem is not None or text is None:
            errors.append(TmxError(tuv_line, problem or "empty <seg>"))
        elif lang == source_lang:
            if source is not None:
                errors.append(TmxError(tuv_line, f"two {source_lang!r} variants in one <tu>"))
            source = text
        else:
            targets.append((lang, text, tuv_line))
    return source, targets


def parse_tmx(data: bytes, *, source_lang: str = "ja") -> TmxParse:
    """The units of a TMX file, or every problem found (with its line)."""
    # No DTD loading, no entities, no network: a TMX file is data, not instructions.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        return TmxParse(errors=[TmxError(line, f"not well-formed XML: {exc.msg}")])
    if root.tag != "tmx":
        return TmxParse(errors=[TmxError(root.sourceline or 0, "the root element is not <tmx>")])
    errors: list[TmxError] = []
    if root.get("version") not in ("1.4", "1.4b"):
        errors.append(TmxError(root.sourceline or 0, "only TMX version 1.4 is read"))
    default = _header_srclang(root, errors)
    body = root.find("body")
    if body is None:
        errors.append(TmxError(root.sourceline or 0, "no <body>"))
        return TmxParse(errors=errors)
    units: list[TmxUnit] = []
    seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], int] = {}
    for tu in body.iterchildren("tu"):
        line = tu.sourceline or 0
        reported = len(errors)
        _check_srclang(tu, default, source_lang, errors)
        terms, stale = _props(tu, errors)
        source, targets = _variants(tu, source_lang, errors)
        if len(errors) > reported:
            continue  # this unit's variants are already reported
        if source is None:
            errors.append(TmxError(line, f"the <tu> has no {source_lang!r} variant"))
            continue
        if not targets:
            errors.append(TmxError(line, "the <tu> has no translation"))
            continue
        for lang, text, tuv_line in targets:
            key = (source, lang, terms)
            if key in seen:
                errors.append(
                    TmxError(tuv_line, f"the same sentence and language as line {seen[key]}")
                )
                continue
            seen[key] = tuv_line
            creator = tu.get("creationid") or ""
            units.append(TmxUnit(source, lang, text, terms, stale, creator, tuv_line))
    return TmxParse(units=units if not errors else [], errors=errors)


def write_tmx(units: Iterable[TmxUnit], *, source_lang: str = "ja", tool_version: str) -> bytes:
    """A TMX 1.4 document of ``units``, one ``<tu>`` each."""
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="kakehashi",
        creationtoolversion=tool_version,
        segtype="sentence",
        adminlang="en",
        srclang=source_lang,
        datatype="plaintext",
        attrib={"o-tmf": "kakehashi"},
    )
    body = etree.SubElement(root, "body")
    for unit in units:
        tu = etree.SubElement(body, "tu")
        if unit.creator:
            tu.set("creationid", unit.creator)
        prop = etree.SubElement(tu, "prop", type=TERMS_PROP)
        prop.text = json.dumps([list(p) for p in unit.terms], ensure_ascii=False)
        if unit.stale:
            etree.SubElement(tu, "prop", type=STALE_PROP).text = "true"
        for lang, text in ((source_lang, unit.source), (unit.lang, unit.translation)):
            tuv = etree.SubElement(tu, "tuv", attrib={XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
