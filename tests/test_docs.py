"""The README's settings table stays in step with the Settings class."""

from __future__ import annotations

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
    from glossaries.exchange import _META

    assert header.split("\t")[:6] == [m for m in _META if m != "id"]


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


def test_every_service_module_is_in_the_architecture_table() -> None:
    section = README.read_text().split("### Inside `service/`", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(service/[a-z_/]+\.py)` \| \S", section, re.M)
    root = README.parent
    modules = sorted(
        str(p.relative_to(root))
        for folder in ("service", "service/routes", "service/cli")
        for p in root.glob(f"{folder}/*.py")
        if p.name != "__init__.py" or folder == "service/cli"
    )
    assert sorted(documented) == modules
    assert len(documented) == len(set(documented))
