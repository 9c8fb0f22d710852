"""A container healthcheck that costs almost nothing: the standard library only.

`kakehashi healthcheck` starts the whole CLI (Typer, Rich, pydantic: about half a second of CPU
per check, several seconds on a loaded machine); a probe every 15 s should not. This module
imports nothing of kakehashi's, so it also reads its one setting, the port, from the
environment itself (the only reader besides `service.settings`, on purpose):

    python -m service.probe http                # GET http://127.0.0.1:$KAKEHASHI_PORT/healthz
    python -m service.probe heartbeat FILE [MAX_AGE_SECONDS]

Exit 0 when healthy, 1 with a one-line reason on stderr otherwise.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_PORT = 8000
DEFAULT_MAX_AGE = 30.0


def check_http(url: str, timeout: float = 4.0) -> str | None:
    """None when `url` answers 200, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {exc}"
    return None if status == 200 else f"{url} answered {status}"


def check_heartbeat(path: Path, max_age: float) -> str | None:
    """None when a worker touched `path` within `max_age` seconds, else why not."""
    try:
        age = time.time() - path.stat().st_mtime
    except OSError as exc:
        return f"no heartbeat at {path}: {exc.strerror}"
    return (
        None if age <= max_age else f"heartbeat {path} is {age:.0f} s old (limit {max_age:.0f} s)"
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["http"]:
        port = os.environ.get("KAKEHASHI_PORT", str(DEFAULT_PORT))
        problem = check_http(f"http://127.0.0.1:{port}/healthz")
    elif argv[:1] == ["heartbeat"] and len(argv) in (2, 3):
        problem = check_heartbeat(
            Path(argv[1]), float(argv[2]) if len(argv) == 3 else DEFAULT_MAX_AGE
        )
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
