from __future__ import annotations

import subprocess
import sys

IO_MODULES = ("redis", "sqlalchemy", "ctranslate2", "requests", "httpx", "urllib3", "sqlite3")


def test_importing_feeds_pulls_in_no_io_library() -> None:
    script = (
        "import sys, feeds, feeds.render, feeds.html, feeds.etag, feeds.pages\n"
        f"bad = sorted(m for m in {IO_MODULES!r} if m in sys.modules)\n"
        "ours = sorted(m.split('.')[0] for m in sys.modules\n"
        "              if m.split('.')[0] in ('service', 'translators', 'glossaries'))\n"
        "print(bad, sorted(set(ours)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[] []"
