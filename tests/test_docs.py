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
