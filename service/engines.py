"""Loaded translation engines, one per installed package per process, shared by all threads."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from service.settings import Settings
from translators import package as packages
from translators.engine import Engine
from translators.package import InstalledPackage

log = logging.getLogger(__name__)

SOURCE_LANG = "ja"


class EngineRegistry:
    """Finds the package for a language pair and loads it once; notices newly installed ones."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._loaded: dict[tuple[Path, str], Engine] = {}

    @property
    def models_dir(self) -> Path:
        return self._settings.resolved_models_dir

    def find_package(self, source: str, target: str) -> InstalledPackage | None:
        return packages.find(
            self.models_dir, source, target, extra_dirs=self._settings.extra_model_dirs
        )

    def installed(self) -> list[InstalledPackage]:
        return packages.list_installed(self.models_dir, extra_dirs=self._settings.extra_model_dirs)

    def available(self, target: str, source: str = SOURCE_LANG) -> bool:
        return self.find_package(source, target) is not None

    def missing_pairs(self, targets: tuple[str, ...]) -> list[str]:
        return [f"{SOURCE_LANG}:{t}" for t in targets if not self.available(t)]

    def engine(self, target: str, source: str = SOURCE_LANG) -> Engine | None:
        """The engine for a pair, loading it on first use; None when no package is installed."""
        package = self.find_package(source, target)
        if package is None:
            return None
        key = (package.path, package.version)
        with self._lock:
            engine = self._loaded.get(key)
            if engine is None:
                from translators.ctranslate import CTranslate2Engine

                log.info("loading model %s %s from %s", package.code, package.version, package.path)
                engine = CTranslate2Engine(
                    package,
                    compute_type=self._settings.ct2_compute_type,
                    intra_threads=self._settings.ct2_threads,
                    beam_size=self._settings.beam_size,
                )
                # Drop engines of packages that were upgraded or removed.
                for old in [k for k in self._loaded if k[0] == package.path]:
                    del self._loaded[old]
                self._loaded[key] = engine
            return engine
