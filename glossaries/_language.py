"""Language codes accepted in glossary file headers."""

from __future__ import annotations

import re

__all__ = ["DEFAULT_TARGETS", "language_code"]

DEFAULT_TARGETS = ("en", "zh", "ko", "fr", "de", "es")

_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
"""
_ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
_TAG = re.compile(
    r"(?P<lang>[a-z]{2,3})(?:[-_](?P<script>[a-z]{4}))?(?:[-_](?P<region>[a-z]{2}|[0-9]{3}))?",
    re.IGNORECASE,
)


def language_code(text: str) -> str | None:
    """The canonical form of a language tag (``zh-Hant``, ``pt-BR``, ``en``), or None.

    Two-letter languages must be ISO 639-1 codes; three-letter ones (ISO 639-2/3) are taken
    on their shape. An optional script (four letters) and region (two letters or three
    digits) may follow, separated by ``-`` or ``_``.
    """
    found = _TAG.fullmatch(text.strip())
    if found is None:
        return None
    lang = found["lang"].lower()
    if len(lang) == 2 and lang not in _ISO_639_1:
        return None
    parts = [lang]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    return "-".join(parts)
