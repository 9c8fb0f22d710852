import subprocess
import sys

import glossaries


def test_public_surface() -> None:
    assert glossaries.__all__ == sorted(glossaries.__all__)
    assert set(glossaries.__all__) == {
        "Entry",
        "Glossary",
        "GlossaryDiff",
        "ImportResult",
        "LineError",
        "Match",
        "Matcher",
        "Suggestion",
        "diff",
        "export",
        "fold",
        "forbidden_character",
        "katakana_words",
        "parse",
        "shipped_glossaries",
        "suggest_variants",
    }
    assert all(hasattr(glossaries, name) for name in glossaries.__all__)


def test_importing_glossaries_loads_no_io_library() -> None:
    code = (
        "import sys, glossaries\n"
        "glossaries.shipped_glossaries()\n"
        "bad = [m for m in ('redis', 'sqlalchemy', 'ctranslate2', 'requests', 'httpx')"
        " if m in sys.modules]\n"
        "ours = [m for m in sys.modules"
        " if m.split('.')[0] in ('service', 'translators', 'feeds')]\n"
        "print(bad + ours)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
