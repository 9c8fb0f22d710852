"""Loaded translation engines, one per installed model per process, shared by all threads.

Models are found and loaded by the provider ``KAKEHASHI_ENGINE`` names
(:mod:`translators.providers`); with argos packages a pair with no direct package is reached
through English when both halves are installed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from service.settings import Settings
from translators.batching import BatchingEngine
from translators.engine import Engine
from translators.package import InstalledPackage
from translators.providers import PROVIDERS, LoadOptions, Provider
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
    """Finds the models for a language pair through the configured provider
    (``KAKEHASHI_ENGINE``) and loads each once; notices new ones.

    With ``KAKEHASHI_MAX_LOADED_MODELS`` > 0, loading one more model than that unloads the
    least recently used (a model is used each time a route through it is asked for). An
    unloaded engine is only dropped from the registry: a job still translating with it
    finishes, and its memory is freed with the last reference.
    """

    def __init__(self, settings: Settings, provider: Provider | None = None) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        # Keyed by the model's folder, most recently used last: one model, one entry, even
        # when it serves several targets (a generator model).
        self._loaded: OrderedDict[Path, dict[tuple[str, str], Engine]] = OrderedDict()
        self.worker_threads = max(1, settings.worker_threads)
        self.provider = provider or PROVIDERS[settings.engine](
            settings.resolved_models_dir, settings.extra_model_dirs
        )

    def set_worker_threads(self, threads: int) -> None:
        """How many worker threads share this process's cores (engines loaded later use it)."""
        self.worker_threads = max(1, threads)

    @property
    def models_dir(self) -> Path:
        return self._settings.resolved_models_dir

    def plan(self, target: str, source: str = SOURCE_LANG) -> list[InstalledPackage] | None:
        return self.provider.plan(source, target)

    def installed(self) -> list[InstalledPackage]:
        return self.provider.installed()

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

    def loaded(self) -> list[Path]:
        """Folders of the loaded models, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def engine(self, target: str, source: str = SOURCE_LANG) -> Engine | None:
        """The engine (a pivot :class:`Route` is one) for a pair, loading models on first
        use."""
        plan = self.plan(target, source)
        if plan is None:
            return None
        engines = [self._load(package) for package in plan]
        return engines[0] if len(engines) == 1 else Route(engines)

    def _options(self) -> LoadOptions:
        return LoadOptions(
            compute_type=self._settings.ct2_compute_type,
            inter_threads=inter_threads(self.worker_threads),
            intra_threads=intra_threads(self._settings.ct2_threads, self.worker_threads),
            beam_size=self._settings.beam_size,
        )

    def _load(self, package: InstalledPackage) -> Engine:
        key = (package.version, package.target)
        with self._lock:
            model = self._loaded.get(package.path)
            if model is not None and key in model:
                self._loaded.move_to_end(package.path)
                return model[key]
            if model is not None and any(v != package.version for v, _ in model):
                _close_all(self._loaded.pop(package.path))  # upgraded in place
                model = None
            if model is None:
                self._evict(keep=self._settings.max_loaded_models - 1)
                model = self._loaded[package.path] = {}
            log.info("loading model %s %s from %s", package.code, package.version, package.path)
            engine = self.provider.load(package, self._options())
            if self._settings.batch_wait_ms > 0:
                # Sentences of jobs running at once on other threads share one batch.
                engine = BatchingEngine(engine, max_wait_ms=self._settings.batch_wait_ms)
            model[key] = engine
            self._loaded.move_to_end(package.path)
            return engine

    def _evict(self, keep: int) -> None:
        """Unload the least recently used models until at most ``keep`` remain (if a limit
        is set). Called with the lock held."""
        if self._settings.max_loaded_models <= 0:
            return
        while len(self._loaded) > max(0, keep):
            path, engines = self._loaded.popitem(last=False)
            log.info("unloading model %s (KAKEHASHI_MAX_LOADED_MODELS)", path)
            _close_all(engines)

    def close(self) -> None:
        with self._lock:
            for engines in self._loaded.values():
                _close_all(engines)
            self._loaded.clear()


def _close_all(engines: dict[tuple[str, str], Engine]) -> None:
    for engine in engines.values():
        engine.close()
