"""Resident memory per loaded model, and the limit on loaded models holding it down.

Usage: .venv/bin/python bench/model_memory.py [--models 3] [--limit 1] [--threads 2]
       [--cache-dir .bench-cache]

Each figure comes from a fresh child process (so nothing loaded before skews it), reading its
own VmRSS from /proc (Linux). The model is bench/throughput.py's realistic-size random
package (6+6 layers, d512, 8,000 pieces: about the size of an argos ja→en package); the
other languages are copies of it under other target codes, so every model weighs the same.
Prints RSS of the bare process with the registry imported, after loading N models through
``EngineRegistry`` and translating 30 WMT21 sentences with each (the decoding buffers
count), and the same with ``KAKEHASHI_MAX_LOADED_MODELS=--limit``; the per-model figure is
the difference divided by N.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from terminology import shared_dir
from throughput import bench_package

TARGETS = ("en", "fr", "de", "es", "zh", "ko")

CHILD = """
import json, sys
from pathlib import Path
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from service.engines import EngineRegistry
from service.settings import Settings
models, text = sys.argv[1], sys.argv[5]
count, limit, threads = (int(a) for a in sys.argv[2:5])
settings = Settings(data_dir=Path(models).parent, models_dir=Path(models),
                    worker_threads=threads, max_loaded_models=limit, _env_file=None)
registry = EngineRegistry(settings)
bare = rss()
sentences = [s for s in text.splitlines() if s.strip()]
for target in ["en", "fr", "de", "es", "zh", "ko"][:count]:
    engine = registry.engine(target)
    assert engine is not None and len(engine.translate_batch(sentences)) == len(sentences)
    del engine
print(json.dumps({"bare": bare, "loaded": rss(), "models": len(registry.loaded())}))
"""


def _copies(package_path: Path, models: Path, count: int) -> None:
    for target in TARGETS[:count]:
        dest = models / f"translate-ja_{target}-bench"
        if dest.exists():
            continue
        shutil.copytree(package_path, dest)
        meta = json.loads((dest / "metadata.json").read_text(encoding="utf-8"))
        meta["to_code"] = target
        (dest / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")


def _measure(models: Path, count: int, limit: int, threads: int, text: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(models), str(count), str(limit), str(threads), text],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--models", type=int, default=3)
    parser.add_argument("--limit", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="worker threads (replicas)")
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    args = parser.parse_args()
    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    if not (wmt / "newstest2021.ja-en.src.ja").is_file():
        print(f"skipped: shared evaluation data not found under {shared_dir()}")
        return 0
    package = bench_package(args.cache_dir, wmt)
    text = "\n".join((wmt / "newstest2021.ja-en.src.ja").read_text("utf-8").splitlines()[:30])
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        _copies(package.path, models, args.models)
        size = sum(f.stat().st_size for f in package.path.rglob("*") if f.is_file()) / 2**20
        print(f"model: {package.path.name}, {size:.0f} MB on disk; {args.threads} worker threads")
        one = _measure(models, 1, 0, args.threads, text)
        many = _measure(models, args.models, 0, args.threads, text)
        bounded = _measure(models, args.models, args.limit, args.threads, text)
    per_model = (many["loaded"] - many["bare"]) / args.models
    print(f"bare process (registry imported): {one['bare']:.0f} MB")
    grown = one["loaded"] - one["bare"]
    print(f"1 model loaded and used:          {one['loaded']:.0f} MB (+{grown:.0f})")
    print(
        f"{args.models} models, no limit:             {many['loaded']:.0f} MB "
        f"({int(many['models'])} loaded; {per_model:.0f} MB per model)"
    )
    print(
        f"{args.models} models, limit {args.limit}:              {bounded['loaded']:.0f} MB "
        f"({int(bounded['models'])} loaded)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
