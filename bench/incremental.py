"""End to end through the service: a 30-sentence article, then a one-sentence edit of it.

Usage: .venv/bin/python bench/incremental.py [--articles 3] [--languages en,fr,de]
       [--threads 2] [--load 0] [--cache-dir .bench-cache]

Runs a real app (create_app with its worker threads, embedded Redis, SQLite in a temporary
data dir) with the realistic-size random packages of bench/throughput.py (one per language,
built once into --cache-dir) and, for each of --articles different 30-sentence articles made of
WMT21 sentences: POST, wait until every language is done (polling GET /v1/articles/{id} every
10 ms); PUT the same article with one sentence edited, wait again. Prints each time, the
medians and the ratio edit / first (goal <= 1/20 = 0.05): the sentence cache makes the edit
cheap, only the edited sentence misses it.

``--load N`` also POSTs N more articles at once and reports articles/min until all languages
are done, beside the in-process baseline: the same articles through translate_texts, one
language after the other, on engines with the same thread settings (what the cores compute
without the service around it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from terminology import shared_dir
from throughput import bench_package
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli_app
from service.engines import intra_threads
from service.settings import Settings
from translators.ctranslate import CTranslate2Engine
from translators.normalize import normalize
from translators.package import InstalledPackage, find, install
from translators.pipeline import translate_texts
from translators.segment import split_paragraphs, split_sentences
from translators.toymodel import build_package


def _package(cache_dir: Path, wmt: Path, target: str) -> InstalledPackage:
    if target == "en":
        return bench_package(cache_dir, wmt)
    models = cache_dir / "models"
    found = find(models, "ja", target)
    if found is not None:
        return found
    english = (wmt / "newstest2021.ja-en.src.ja").read_text(encoding="utf-8").splitlines()
    archive = build_package(
        cache_dir / "archives",
        target=target,
        num_layers=6,
        d_model=512,
        num_heads=8,
        ffn_dim=2048,
        vocab_size=8000,
        training_text=english,
        seed=len(target) + ord(target[0]),
    )
    return install(archive, models)


def _articles(wmt: Path, count: int, size: int = 30) -> list[list[str]]:
    sentences: list[str] = []
    for line in (wmt / "newstest2021.ja-en.docs.jsonl").read_text(encoding="utf-8").splitlines():
        for seg in json.loads(line)["segments"]:
            norm = normalize(seg["src"]).text
            sentences += [
                s for p in split_paragraphs(norm) for s in split_sentences(p) if s.endswith("。")
            ]
    unique = list(dict.fromkeys(sentences))
    return [unique[i * size : (i + 1) * size] for i in range(count)]


def _payload(article_id: str, sentences: list[str]) -> dict[str, object]:
    paragraphs = ["".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return {
        "id": article_id,
        "title": f"記事{article_id}",
        "body": "\n\n".join(paragraphs),
        "url": f"https://news.example.jp/{article_id}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["bench"],
    }


def _wait(client: TestClient, token: str, ids: list[str], revision: int, langs: list[str]) -> None:
    pending = set(ids)
    deadline = time.monotonic() + 1800
    while pending:
        for article_id in list(pending):
            got = client.get(
                f"/v1/articles/{article_id}", headers={"Authorization": f"Bearer {token}"}
            )
            if got.status_code != 200:  # e.g. a 429: never read a refusal as a state
                raise RuntimeError(f"status poll answered {got.status_code}: {got.text[:200]}")
            status = got.json()
            states = status["languages"]
            if all(
                states[lang]["state"] == "done" and states[lang]["translated_revision"] == revision
                for lang in langs
            ):
                pending.discard(article_id)
            elif any(states[lang]["state"] == "failed" for lang in langs):
                raise RuntimeError(f"a job failed: {status}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not done in time: {sorted(pending)}")
        time.sleep(0.01)


def _breakdown(
    client: TestClient, headers: dict[str, str], article_id: str, langs: list[str]
) -> str:
    """Per language, the newest job's wait in the queue and its run time."""
    from datetime import datetime

    status = client.get(f"/v1/articles/{article_id}", headers=headers).json()
    parts = []
    for lang in langs:
        job = client.get(f"/v1/jobs/{status['languages'][lang]['job_id']}", headers=headers).json()
        created, started, finished = (
            datetime.fromisoformat(job[k]) for k in ("created_at", "started_at", "finished_at")
        )
        wait = (started - created).total_seconds() * 1000
        run = (finished - started).total_seconds() * 1000
        parts.append(f"{lang} {wait:.0f}/{run:.0f}")
    return ", ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--articles", type=int, default=3)
    parser.add_argument("--languages", default="en,fr,de")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--load", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=Path(".bench-cache"))
    args = parser.parse_args()
    wmt = shared_dir() / "eval" / "wmt21-news-jaen"
    if not (wmt / "newstest2021.ja-en.docs.jsonl").is_file():
        print(f"skipped: shared evaluation data not found under {shared_dir()}")
        return 0
    langs = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    packages = {lang: _package(args.cache_dir, wmt, lang) for lang in langs}
    articles = _articles(wmt, args.articles + args.load)
    with tempfile.TemporaryDirectory(prefix="kakehashi-incremental-") as tmp:
        env = {
            "KAKEHASHI_DATA_DIR": tmp,
            "KAKEHASHI_TARGET_LANGUAGES": ",".join(langs),
            "KAKEHASHI_WORKER_THREADS": str(args.threads),
            # Polling every 10 ms is ~6,000 requests a minute from one key: above the
            # default per-key limit, which is not what this bench measures.
            "KAKEHASHI_RATE_LIMIT_PER_KEY": "1000000/minute",
            "KAKEHASHI_RATE_LIMIT_PER_IP": "1000000/minute",
            # The bench packages, used in place (read only).
            "KAKEHASHI_MODELS_DIR": str((args.cache_dir / "models").resolve()),
        }
        os.environ.update(env)
        runner = CliRunner()
        out = runner.invoke(
            cli_app, ["keys", "create", "--role", "publisher", "--name", "bench", "--json"]
        )
        if out.exit_code != 0:
            print(out.output)
            return 1
        token = json.loads(out.output)["token"]
        headers = {"Authorization": f"Bearer {token}"}
        settings = Settings()
        firsts: list[float] = []
        edits: list[float] = []
        with TestClient(create_app(settings)) as client:
            print(
                f"{len(langs)} languages ({', '.join(langs)}), {args.threads} worker threads, "
                f"{os.cpu_count()} cores; 30-sentence articles",
                flush=True,
            )
            for k, sentences in enumerate(articles[: args.articles]):
                article_id = f"inc-{k}"
                start = time.perf_counter()
                posted = client.post(
                    "/v1/articles", json=_payload(article_id, sentences), headers=headers
                )
                assert posted.status_code == 202, posted.text
                _wait(client, token, [article_id], 1, langs)
                firsts.append(time.perf_counter() - start)
                edited = list(sentences)
                edited[10] = edited[10][:-1] + "！"
                start = time.perf_counter()
                body = {k: v for k, v in _payload(article_id, edited).items() if k != "id"}
                put = client.put(f"/v1/articles/{article_id}", json=body, headers=headers)
                assert put.status_code in (200, 202), put.text
                _wait(client, token, [article_id], 2, langs)
                edits.append(time.perf_counter() - start)
                breakdown = _breakdown(client, headers, article_id, langs)
                print(
                    f"  {article_id}: first {firsts[-1]:.2f} s, one sentence edited "
                    f"{edits[-1]:.3f} s ({edits[-1] / firsts[-1]:.3f}); edit jobs "
                    f"(queued -> started / started -> done, ms): {breakdown}",
                    flush=True,
                )
            first, edit = statistics.median(firsts), statistics.median(edits)
            print(f"median first translation (POST -> all languages done): {first:.2f} s")
            print(f"median one-sentence edit (PUT -> all languages done):  {edit:.3f} s")
            print(f"edit / first: {edit / first:.3f}  (goal <= 0.05)")
            if args.load:
                batch = articles[args.articles :]
                start = time.perf_counter()
                for k, sentences in enumerate(batch):
                    client.post(
                        "/v1/articles", json=_payload(f"load-{k}", sentences), headers=headers
                    )
                _wait(client, token, [f"load-{k}" for k in range(len(batch))], 1, langs)
                service_s = time.perf_counter() - start
        if args.load:
            threads = intra_threads(settings.ct2_threads, args.threads)
            engines = {
                lang: CTranslate2Engine(
                    package,
                    beam_size=settings.beam_size,
                    compute_type=settings.ct2_compute_type,
                    intra_threads=os.cpu_count() or 1,
                )
                for lang, package in packages.items()
            }
            start = time.perf_counter()
            for sentences in batch:
                payload = _payload("x", sentences)
                for engine in engines.values():
                    translate_texts([str(payload["title"]), str(payload["body"])], engine=engine)
            inproc_s = time.perf_counter() - start
            print(
                f"load: {len(batch)} articles x {len(langs)} languages through the service "
                f"({args.threads} workers x {threads} CTranslate2 threads): "
                f"{len(batch) / service_s * 60:.1f} articles/min; in-process baseline "
                f"(one call at a time, {os.cpu_count()} threads): "
                f"{len(batch) / inproc_s * 60:.1f} articles/min; "
                f"ratio {inproc_s / service_s:.2f} (goal >= 0.9)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
