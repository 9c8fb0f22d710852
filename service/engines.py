"""Loaded translation engines, one per installed package per process, shared by all threads.

A pair with no direct package is reached through English when both halves are installed.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from service.settings import Settings
from translators import package as packages
from translators.batching import BatchingEngine
from translators.engine import Engine
from translators.package import InstalledPackage
from translators.route import Route

log = logging.getLogger(__name__)

SOURCE_LANG = "ja"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def intra_threads(configured: int, worker_threads: int, cores: int | None = None) -> int:
    """CTranslate2 threads per call: ``configured``, or when 0 the cores shared out among the
    worker threads (each runs at most one model call at a time), so the CPU is never
    oversubscribed: ``max(1, cores // worker_threads)``."""
    if configured > 0:
        return configured
    return max(1, (cores or _cores()) // max(1, worker_threads))


def inter_threads(worker_threads: int, cores: int | None = None) -> int:
    """Calls one model runs at once: one per worker thread (two jobs of the same language do
    not queue behind each other), no more than the cores. CTranslate2 shares the weights
    between these replicas on one device, so memory does not grow with it."""
    return max(1, min(worker_threads, cores or _cores()))


class EngineRegistry:
    """Finds the packages for a language pair and loads each once; notices new ones."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._loaded: dict[tuple[Path, str], Engine] = {}
        self.worker_threads = max(1, settings.worker_threads)

    def set_worker_threads(self, threads: int) -> None:
        """How many worker threads share this process's cores (engines loaded later use it)."""
        self.worker_threads = max(1, threads)

    @property
    def models_dir(self) -> Path:
        return self._settings.resolved_models_dir

    def plan(self, target: str, source: str = SOURCE_LANG) -> list[InstalledPackage] | None:
        return packages.plan_route(
            self.models_dir, source, target, extra_dirs=self._settings.extra_model_dirs
        )

    def installed(self) -> list[InstalledPackage]:
        return packages.list_installed(self.models_dir, extra_dirs=self._settings.extra_model_dirs)

    def available(self, target: str, source: str = SOURCE_LANG) -> bool:
        return self.plan(target, source) is not None

    def routes(self, targets: tuple[str, ...]) -> dict[str, list[str] | None]:
        """For each target, the languages its route goes through, or None when unreachable."""
        out: dict[str, list[str] | None] = {}
        for target in targets:
            plan = self.plan(target)
            out[target] = [SOURCE_LANG, *(p.target for p in plan)] if plan else None
        return out

    def missing_pairs(self, targets: tuple[str, ...]) -> list[str]:
        return [f"{SOURCE_LANG}:{t}" for t in targets if not self.available(t)]

    def engine(self, target: str, source: str = SOURCE_LANG) -> Engine | Route | None:
        """The engine (or pivot route) for a pair, loading packages on first use."""
        plan = self.plan(target, source)
        if plan is None:
            return None
        engines = [self._load(package) for package in plan]
        return engines[0] if len(engines) == 1 else Route(engines)

    def _load(self, package: InstalledPackage) -> Engine:
        key = (package.path, package.version)
        with self._lock:
            engine = self._loaded.get(key)
            if engine is None:
                from translators.ctranslate import CTranslate2Engine

                log.info("loading model %s %s from %s", package.code, package.version, package.path)
                engine = CTranslate2Engine(
                    package,
                    compute_type=self._settings.ct2_compute_type,
                    inter_threads=inter_threads(self.worker_threads),
                    intra_threads=intra_threads(self._settings.ct2_threads, self.worker_threads),
                    beam_size=self._settings.beam_size,
                )
                if self._settings.batch_wait_ms > 0:
                    # Sentences of jobs running at once on other threads share one batch.
                    engine = BatchingEngine(engine, max_wait_ms=self._settings.batch_wait_ms)
                # Drop engines of packages that were upgraded or removed.
                for old in [k for k in self._loaded if k[0] == package.path]:
                    _close(self._loaded.pop(old))
                self._loaded[key] = engine
            return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._loaded.values():
                _close(engine)
            self._loaded.clear()


def _close(engine: Engine) -> None:
    if isinstance(engine, BatchingEngine):
        engine.close()
