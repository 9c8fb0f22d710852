"""HTML article bodies: the text the engine sees, one paragraph per block element.

Markup never reaches the engine. This is the plain-text path: block structure becomes
paragraphs; inline links and emphasis are not carried into the translation yet.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

BLOCKS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "figcaption",
        "pre",
        "td",
        "th",
        "dt",
        "dd",
        "caption",
    }
)
DROPPED = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


def html_to_text(html: str) -> str:
    """Paragraphs of text (separated by blank lines) from an HTML fragment, in document order."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*DROPPED)):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    paragraphs: list[str] = []
    loose: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(loose).split())
        if text:
            paragraphs.append(text)
        loose.clear()

    def walk(element: etree._Element) -> None:
        if element.tag in BLOCKS:
            flush()
            text = "\n".join(
                " ".join(line.split()) for line in element.text_content().split("\n")
            ).strip()
            if text:
                paragraphs.append(text)
        else:
            if element.text:
                loose.append(element.text)
            for child in element:
                if isinstance(child.tag, str):
                    walk(child)
                if child.tail:
                    loose.append(child.tail)
        if element.tag in BLOCKS or element.tag == "div":
            flush()

    walk(root)
    flush()
    return "\n\n".join(paragraphs)
