"""Small lxml helpers shared by the RSS and Atom renderers; every string goes through
:func:`feeds.html.clean_text` on its way into the tree."""

from __future__ import annotations

from lxml import etree

from feeds.html import clean_text

__all__ = ["XML_LANG", "child", "serialize"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def child(
    parent: etree._Element,
    tag: str,
    text: str | None = None,
    attrib: dict[str, str] | None = None,
) -> etree._Element:
    """Append ``<tag attrib...>text</tag>`` to *parent*, with text and values made XML-safe."""
    element = etree.SubElement(parent, tag)
    for name, value in (attrib or {}).items():
        element.set(name, clean_text(value))
    if text is not None:
        element.text = clean_text(text)
    return element


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration; the same tree always gives the same bytes."""
    body: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return body
