"""The README's settings table stays in step with the Settings class."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from service.settings import Settings

README = Path(__file__).parents[1] / "README.md"


def test_every_setting_is_documented_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `KAKEHASHI_([A-Z0-9_]+)` \|", README.read_text(), re.M))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_documented_numeric_defaults_match() -> None:
    text = README.read_text()
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            row = re.search(rf"^\| `KAKEHASHI_{name.upper()}` \| `([^`]*)` \|", text, re.M)
            assert row is not None, name
            assert row.group(1) == str(field.default), name


def test_glossary_format_in_readme_matches_the_shipped_file() -> None:
    shipped = Path(__file__).parents[1] / "glossaries/data/security.ja.tsv"
    header = shipped.read_text(encoding="utf-8").splitlines()[0]
    block = README.read_text().split("## Glossary files", 1)[1].split("```")[1].strip()
    assert block == header
    from glossaries._families import META

    assert header.split("\t")[:6] == [m for m in META if m != "id"]


def test_readme_points_newcomers_at_what_exists() -> None:
    text = README.read_text()
    for needle in (
        "/editor/",  # the editors' page
        "kakehashi glossary import",
        "kakehashi glossary export",
        "KAKEHASHI_SHARED_DIR",  # how tests find ../shared, and that they skip without it
        "kakehashi migrate",
        "--scale worker=3",
        "serve --workers",
    ):
        assert needle in text, needle
    from service.cli import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    commands |= {g.name for g in app.registered_groups if g.name}
    cli_section = text.split("## CLI", 1)[1].split("\n## ", 1)[0]
    for command in commands:
        assert f"kakehashi {command}" in cli_section, command


def test_every_service_package_is_in_the_architecture_table() -> None:
    """The README names each package of service/ (and each top-level module) once, and each
    package's __init__ says in a few lines what it holds."""
    section = README.read_text().split("### Inside `service/`", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`service/[^|]+) \| \S", section, re.M)
    documented: list[str] = []
    for row in rows:
        first, *rest = re.findall(r"`([^`]+)`", row)
        folder = first.rsplit("/", 1)[0] if first.endswith(".py") else "service"
        documented += [first] + [f"{folder}/{name}" for name in rest]
    root = README.parent / "service"
    actual = sorted(
        [f"service/{p.name}/" for p in root.iterdir() if (p / "__init__.py").is_file()]
        + [f"service/{p.name}" for p in root.glob("*.py") if p.name != "__init__.py"]
    )
    assert sorted(documented) == actual
    assert len(documented) == len(set(documented))
    for package in root.iterdir():
        init = package / "__init__.py"
        if init.is_file() and package.name != "cli":
            doc = ast.get_docstring(ast.parse(init.read_text()))
            assert doc and len(doc.splitlines()) <= 3, package.name
