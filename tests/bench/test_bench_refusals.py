"""The benches' refusals: a figure is not printed when the workload is not what it claims.
Cheap checks of the pure functions the benches decide with (the benches themselves are run
by hand, as bench/README.md says; speed is never asserted here)."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from service.settings import Settings

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the benches import each other by bare name
    return importlib.import_module(name)


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:18200/feeds/en.json
  2 threads and 32 connections
  Latency Distribution
     50%    1.20ms
     75%    2.00ms
     90%    3.00ms
     99%   12.50ms
  31337 requests in 3.00s, 4.24GB read
Requests/sec:  10445.67
"""


def test_wrk_output_is_read_with_its_request_count() -> None:
    serving = _bench("feed_serving")
    assert serving.parse_wrk(WRK_OUTPUT) == (10445.67, 1.2, 12.5, "")
    assert serving.wrk_requests(WRK_OUTPUT) == 31337
    with pytest.raises(ValueError):
        serving.wrk_requests("Requests/sec: 1.0")


def test_usage_comparison_refuses_when_counting_was_not_on_or_not_off() -> None:
    check = _bench("feed_serving").check_counted
    # Every answer of the counting server counted (a few more: answers wrk cut off), none
    # of the other's: the comparison stands.
    assert check((10_005, 4_001), on=(10_000, 4_000), off=(9_000, 3_000)) is None
    # Fewer counted than the counting server answered: counting was not on.
    assert "not on" in check((9_999, 4_000), on=(10_000, 4_000), off=(9_000, 3_000))
    assert "not on" in check((10_000, 0), on=(10_000, 4_000), off=(9_000, 3_000))
    # The switched-off server's answers counted too: the switch did not turn counting off.
    assert "did not turn" in check((19_000, 7_000), on=(10_000, 4_000), off=(9_000, 3_000))


def test_a_short_page_is_refused() -> None:
    seed = _bench("feed_seed")
    body = b'{"items": [' + b",".join(b'{"id": "%d"}' % i for i in range(49)) + b"]}"
    with pytest.raises(SystemExit, match="49 items, not 50"):
        seed.require_page("first page", body, 50)
    assert seed.require_page("first page", body, 49) == 49


def test_usage_counting_switch_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """`KAKEHASHI_USAGE_ENABLED=false` is what bench/feed_serving.py's "off" server runs with."""
    monkeypatch.setenv("KAKEHASHI_USAGE_ENABLED", "false")
    assert Settings(_env_file=None).usage_enabled is False  # type: ignore[call-arg]
    monkeypatch.setenv("KAKEHASHI_USAGE_ENABLED", "true")
    assert Settings(_env_file=None).usage_enabled is True  # type: ignore[call-arg]


def test_scale_out_refuses_dropped_doubled_or_unfinished_work() -> None:
    scale = _bench("scale_out")

    def phase(**changed: object) -> Any:
        fields: dict[str, object] = {
            "workers": 2,
            "articles": 40,
            "seconds": 10.0,
            "jobs": 40,
            "done": 40,
            "attempts_over_one": 0,
            "translations": 40,
            "duplicates": 0,
            "left": 0,
            "statuses": {202: 40},
        }
        fields.update(changed)
        return scale.Phase(**fields)

    assert scale.refusal(phase(), 1) is None
    assert phase().per_minute == 240.0
    assert "POST statuses" in scale.refusal(phase(statuses={202: 39, 503: 1}), 1)
    assert "jobs made" in scale.refusal(phase(jobs=39), 1)
    assert "still queued" in scale.refusal(phase(done=39, left=1), 1)
    assert "more than once" in scale.refusal(phase(attempts_over_one=1), 1)
    assert "duplicates" in scale.refusal(phase(translations=41, duplicates=1), 1)
    assert "not 80" in scale.refusal(phase(), 2)  # two languages: 80 jobs were due


def test_scale_out_articles_are_each_their_own() -> None:
    """No sentence-cache hit may make a later article cheap: every sentence is numbered."""
    scale = _bench("scale_out")
    first, second = scale.payload("w1", 0, 8), scale.payload("w1", 1, 8)
    assert first["id"] != second["id"]
    assert not set(str(first["body"]).split("。")) & set(str(second["body"]).split("。")) - {""}


def test_steady_rss_growth_is_from_the_first_minute() -> None:
    growth = _bench("steady_rss").growth
    line = growth("serve", [100 * 1024, 110 * 1024, 120 * 1024, 121 * 1024, 122 * 1024])
    assert "100.0 MB after minute 1" in line
    assert "growth +22.0 MB over 4 min" in line
    assert "+1.00 MB/min over the second half" in line  # 120 -> 122 over 2 minutes


def test_steady_rss_reads_its_own_memory() -> None:
    steady = _bench("steady_rss")
    assert steady.rss_kb(os.getpid()) > 1000  # this test process: some MB
    assert steady.rss_kb(2**22 + 12345) == 0  # no such process


def test_the_uvicorn_floor_serves_the_same_bytes_and_validators() -> None:
    """bench/asgi_floor.py stands for "the server with no app code": it must answer the
    feed's exact bytes and headers, and its 304 to the same ETag, or the ratio means nothing."""
    import asyncio

    floor = _bench("asgi_floor")
    headers = {"etag": '"abc"', "content-type": "application/feed+json", "vary": "Authorization"}
    app = floor.make_app(b"x" * 1000, headers)

    def call(sent_headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/feeds/en.json"}
        asyncio.run(app({**scope, "headers": sent_headers}, receive, send))
        return sent

    full = call([])
    assert full[0]["status"] == 200 and full[1]["body"] == b"x" * 1000
    assert dict(full[0]["headers"])[b"content-type"] == b"application/feed+json"
    assert dict(full[0]["headers"])[b"content-length"] == b"1000"
    not_modified = call([(b"if-none-match", b'"abc"')])
    assert not_modified[0]["status"] == 304 and not_modified[1]["body"] == b""
    assert dict(not_modified[0]["headers"])[b"etag"] == b'"abc"'
    assert call([(b"if-none-match", b'"other"')])[0]["status"] == 200


def test_rounds_are_reported_as_medians_per_case() -> None:
    serving = _bench("feed_serving")
    result = serving.Result
    rounds = [
        [result("a 200", 200, 10.0, 1.0, 5.0, ""), result("b 200", 200, 1.0, 2.0, 9.0, "")],
        [result("b 200", 200, 3.0, 2.0, 7.0, "x"), result("a 200", 200, 30.0, 3.0, 6.0, "")],
        [result("a 200", 200, 20.0, 2.0, 4.0, ""), result("b 200", 200, 2.0, 2.0, 8.0, "")],
    ]
    a, b = serving.medians(rounds, ["a 200", "b 200"])
    assert (a.name, a.rps, a.p50_ms, a.p99_ms) == ("a 200", 20.0, 2.0, 5.0)
    assert (b.rps, b.p99_ms, b.errors) == (2.0, 8.0, "x")
