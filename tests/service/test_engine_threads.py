"""CTranslate2 thread defaults: the cores shared out among worker threads."""

from __future__ import annotations

from pathlib import Path

from service.jobs.engines import EngineRegistry, inter_threads, intra_threads
from service.settings import Settings


def test_auto_threads_never_oversubscribe() -> None:
    assert intra_threads(0, 2, cores=2) == 1
    assert intra_threads(0, 1, cores=2) == 2
    assert intra_threads(0, 4, cores=16) == 4
    assert intra_threads(0, 8, cores=2) == 1  # at least one
    assert intra_threads(0, 0, cores=4) == 4  # no worker threads: the API alone
    assert intra_threads(3, 2, cores=2) == 3  # an explicit setting wins


def test_one_replica_per_worker_thread_up_to_the_cores() -> None:
    assert inter_threads(2, cores=2) == 2
    assert inter_threads(8, cores=2) == 2
    assert inter_threads(0, cores=4) == 1
    # Together: never more busy threads than cores.
    for workers, cores in [(2, 2), (4, 16), (3, 8), (1, 2)]:
        assert (
            min(workers, inter_threads(workers, cores)) * intra_threads(0, workers, cores) <= cores
        )


def test_registry_learns_the_worker_threads(tmp_path: Path) -> None:
    registry = EngineRegistry(Settings(data_dir=tmp_path, worker_threads=2))
    assert registry.worker_threads == 2
    registry.set_worker_threads(6)
    assert registry.worker_threads == 6
