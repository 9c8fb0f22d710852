"""What a generator model folder says about itself (``kakehashi-generator.json``), and the
glossary part of its prompts. Pure: reading one small JSON file, no inference library (the
engine is :mod:`translators.generator`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from translators.engine import Hints
from translators.package import InstalledPackage, PackageError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_PROMPT",
    "NAMES",
    "TOKENIZER_FILE",
    "GeneratorConfig",
    "glossary_block",
    "read_config",
]

CONFIG_FILE = "kakehashi-generator.json"
TOKENIZER_FILE = "tokenizer.model"
DEFAULT_PROMPT = (
    "Translate the {source_name} sentence into {target_name}.{glossary}\n"
    "{source_name}: {text}\n{target_name}:"
)
NAMES = {
    "ja": "Japanese",
    "en": "English",
    "zh": "Chinese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "ru": "Russian",
}


@dataclass(frozen=True)
class GeneratorConfig:
    """What ``kakehashi-generator.json`` says about a converted model."""

    path: Path
    name: str
    version: str
    source: str
    targets: tuple[str, ...]
    prompt: str = DEFAULT_PROMPT
    stop: tuple[str, ...] = ("</s>",)
    bos: bool = True  # start the prompt with the tokenizer's <s> (Llama and Mistral do)
    names: dict[str, str] = field(default_factory=dict)

    def packages(self) -> list[InstalledPackage]:
        """One entry per target, as the registry lists models (all share this folder)."""
        return [
            InstalledPackage(
                path=self.path,
                code=f"generate-{self.name}",
                name=f"{self.name} ({self.source} → {target})",
                source=self.source,
                target=target,
                version=self.version,
            )
            for target in self.targets
        ]


def _strings(data: dict[str, Any], key: str, where: Path) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PackageError(f"{where}: '{key}' must be a non-empty list of strings")
    return tuple(value)


def read_config(path: Path) -> GeneratorConfig:
    """The configuration of the generator model in folder ``path`` (PackageError if none)."""
    where = path / CONFIG_FILE
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{where}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise PackageError(f"{where}: must hold a JSON object")
    for key in ("name", "source"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise PackageError(f"{where}: lacks a '{key}' string")
    prompt = data.get("prompt", DEFAULT_PROMPT)
    if not isinstance(prompt, str) or "{text}" not in prompt:
        raise PackageError(f"{where}: 'prompt' must be a string containing {{text}}")
    return GeneratorConfig(
        path=path,
        name=data["name"],
        version=str(data.get("version") or "0"),
        source=data["source"],
        targets=_strings(data, "targets", where),
        prompt=prompt,
        stop=_strings(data, "stop", where) if "stop" in data else ("</s>",),
        bos=data.get("bos", True) is not False,
        names={k: v for k, v in (data.get("names") or {}).items() if isinstance(v, str)},
    )


def glossary_block(hints: Hints) -> str:
    """The ``{glossary}`` of a prompt: empty without terms, else one line per term."""
    if not hints:
        return ""
    lines = [f"- {h.source} → {h.rendering}" for h in hints]
    return "\nUse exactly these translations for these terms:\n" + "\n".join(lines)
