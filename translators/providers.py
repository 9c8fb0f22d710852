"""Engine providers: where a kind of model is found on disk and how one is loaded.

A provider lists the models it finds in the model folders (as
:class:`~translators.package.InstalledPackage` rows, one per language pair), plans the
models a pair needs (one, or a pivot), and loads one into an
:class:`~translators.engine.Engine`. The service picks one by name
(``KAKEHASHI_ENGINE``, :data:`PROVIDERS`):

* ``argos`` (the default): argos-format packages on CTranslate2's ``Translator``
  (:mod:`translators.ctranslate`), pivoting through English when no direct package exists;
* ``generator``: decoder-only models on CTranslate2's ``Generator`` prompted with the
  glossary terms (:mod:`translators.generator`), one folder serving every target it lists.

Importing this module loads no inference library: each provider imports its engine when
it loads one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from translators import package as packages
from translators.engine import Engine
from translators.generator_config import CONFIG_FILE, GeneratorConfig, read_config
from translators.package import InstalledPackage, PackageError

__all__ = [
    "PROVIDERS",
    "ArgosProvider",
    "GeneratorProvider",
    "LoadOptions",
    "Provider",
]


@dataclass(frozen=True)
class LoadOptions:
    """How to load a model (CTranslate2 knobs shared by every provider here)."""

    compute_type: str = "int8"
    inter_threads: int = 1
    intra_threads: int = 0
    beam_size: int = 2


class Provider(Protocol):
    name: str

    def installed(self) -> list[InstalledPackage]: ...

    def plan(self, source: str, target: str) -> list[InstalledPackage] | None: ...

    def load(self, package: InstalledPackage, options: LoadOptions) -> Engine: ...


class ArgosProvider:
    """Argos-format packages in ``models_dir`` (then ``extra_dirs``), pivoting through en."""

    name = "argos"

    def __init__(self, models_dir: Path, extra_dirs: Sequence[Path] = ()) -> None:
        self.models_dir = models_dir
        self.extra_dirs = tuple(extra_dirs)

    def installed(self) -> list[InstalledPackage]:
        return packages.list_installed(self.models_dir, extra_dirs=self.extra_dirs)

    def plan(self, source: str, target: str) -> list[InstalledPackage] | None:
        return packages.plan_route(self.models_dir, source, target, extra_dirs=self.extra_dirs)

    def load(self, package: InstalledPackage, options: LoadOptions) -> Engine:
        from translators.ctranslate import CTranslate2Engine

        return CTranslate2Engine(
            package,
            compute_type=options.compute_type,
            inter_threads=options.inter_threads,
            intra_threads=options.intra_threads,
            beam_size=options.beam_size,
        )


class GeneratorProvider:
    """Generator model folders (holding ``kakehashi-generator.json``) in the model folders;
    the first folder listing a pair serves it (no pivot: one model translates directly)."""

    name = "generator"

    def __init__(self, models_dir: Path, extra_dirs: Sequence[Path] = ()) -> None:
        self.dirs = (models_dir, *extra_dirs)

    def _configs(self) -> list[GeneratorConfig]:
        found: list[GeneratorConfig] = []
        for directory in self.dirs:
            if not directory.is_dir():
                continue
            for child in sorted(directory.iterdir()):
                if child.name.startswith(".") or not (child / CONFIG_FILE).is_file():
                    continue
                try:
                    found.append(read_config(child))
                except PackageError:
                    continue  # a broken folder is not a model; `models list` shows the rest
        return found

    def installed(self) -> list[InstalledPackage]:
        return [p for c in self._configs() for p in c.packages()]

    def plan(self, source: str, target: str) -> list[InstalledPackage] | None:
        for package in self.installed():
            if package.source == source and package.target == target:
                return [package]
        return None

    def load(self, package: InstalledPackage, options: LoadOptions) -> Engine:
        from translators.generator import GeneratorEngine

        return GeneratorEngine(
            read_config(package.path),
            package.target,
            compute_type=options.compute_type,
            inter_threads=options.inter_threads,
            intra_threads=options.intra_threads,
        )


PROVIDERS: dict[str, Callable[[Path, Sequence[Path]], Provider]] = {
    "argos": ArgosProvider,
    "generator": GeneratorProvider,
}
