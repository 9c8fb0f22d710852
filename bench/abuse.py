"""A legitimate partner's feed latency with and without a flood of invented tokens, side by
side in one run (issue 19.2: a bad-token flood took a partner's p99 from 111 ms to 1.33 s).

Usage: .venv/bin/python bench/abuse.py [--duration 10] [--store sqlite|postgresql]
                                [--partner-connections 8] [--flood-connections 64]

In one run, on 127.0.0.1 only: seeds a store through the write path (bench/feed_seed.py),
starts `kakehashi serve --workers 2` with the DEFAULT abuse limits but the per-key and
per-address ones raised (the partner's own polling must not be what is limited), twice, one
after the other: with the failed-authentication tarpit off (KAKEHASHI_FAILED_AUTH_TARPIT_SECONDS=0:
every 429 answered at once, as before the tarpit), then with the defaults; against each:
  1. quiet: wrk with the partner's token on its cached feed (a 200 of every item);
  2. flood: the same partner run while a second wrk sends a fresh random token per request
     (a Lua script) from the same address, as from behind one NAT;
  3. quiet again, so a drift of the machine's load shows; 2 and 3 `--rounds` times (3), and
     the ratio is of the medians (on a shared machine a single pair is mostly its load).
Prints the partner's req/s, p50 and p99 per server and phase with the feed's bytes and items,
the ratio of its flood p99 to its quiet p99 (target <= 3), and how the flood was answered and
how fast (401 until the address's failed-authentication limit, then 429 without a database
lookup, held by the tarpit; a partner 429, a flood status other than 401/429 or a flood that
never reached its limit refuses the run). Exits 0 with a message when wrk is not installed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import feed_seed
import feed_serving as fs

FLOOD_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  s401, s429, other = 0, 0, 0
end
function request()
  local token = string.format("kh_par_%08x%08x", math.random(0, 0x7fffffff),
                              math.random(0, 0x7fffffff))
  return wrk.format("GET", "/feeds/en.json?token=" .. token)
end
function response(status, headers, body)
  if status == 401 then s401 = s401 + 1
  elseif status == 429 then s429 = s429 + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s401"); b = b + t:get("s429"); c = c + t:get("other")
  end
  io.write(string.format("STATUSES 401=%d 429=%d other=%d\n", a, b, c))
end
"""


@dataclass(frozen=True)
class Phase:
    name: str
    rps: float
    p50: float
    p99: float
    errors: str


def _wrk(
    wrk: str, url: str, connections: int, seconds: int, script: Path | None = None
) -> subprocess.Popen[str]:
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    return subprocess.Popen([*cmd, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str], seconds: int) -> str:
    out, err = process.communicate(timeout=seconds + 60)
    if process.returncode != 0:
        raise SystemExit(f"wrk failed ({process.returncode}): {err or out}")
    return out


def partner_phase(
    wrk: str, url: str, args: argparse.Namespace, name: str, flood: str | None
) -> tuple[Phase, str]:
    """The partner's wrk run, with the flood's wrk beside it when `flood` (its URL) is set."""
    flooding = None
    if flood is not None:
        script = args.root / "flood.lua"  # removed with the run's temporary folder
        script.write_text(FLOOD_LUA, encoding="utf-8")
        flooding = _wrk(wrk, flood, args.flood_connections, args.duration + 2, script)
    partner = _wrk(wrk, url, args.partner_connections, args.duration)
    rps, p50, p99, errors = fs.parse_wrk(_finish(partner, args.duration))
    if "Non-2xx" in errors:
        raise SystemExit(f"refusing to report: the partner got other statuses ({errors})")
    flood_out = _finish(flooding, args.duration + 2) if flooding is not None else ""
    return Phase(name, rps, p50, p99, errors), flood_out


@dataclass(frozen=True)
class Flood:
    statuses: str
    rps: float


def _flood_of(output: str) -> Flood:
    """How the flood was answered; refuses the run unless it was all 401s and 429s, with the
    address's limit reached (else the flood measured is not the one meant)."""
    found = re.search(r"STATUSES 401=(\d+) 429=(\d+) other=(\d+)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None or rate is None:
        raise SystemExit(f"refusing to report: could not read the flood's wrk output:\n{output}")
    if int(found.group(3)) or not int(found.group(2)):
        raise SystemExit(f"refusing to report: the flood was answered {found.group(0)}")
    return Flood(found.group(0), float(rate.group(1)))


def measure(
    wrk: str, port: int, token: str, args: argparse.Namespace
) -> tuple[list[Phase], list[Flood]]:
    """quiet, flood, quiet, ... (`--rounds` floods, each between two quiet runs) against one
    server: on a machine shared with other work, one pair of runs is mostly its load."""
    feed = f"http://{fs.HOST}:{port}{fs.FEED_PATH}?token={token}"
    flood_url = f"http://{fs.HOST}:{port}{fs.FEED_PATH}"
    phases = []
    floods = []
    for n in range(2 * args.rounds + 1):
        flooding = flood_url if n % 2 else None
        name = "flood" if flooding else "quiet"
        print(f"  {name} ...", flush=True)
        phase, flood_out = partner_phase(wrk, feed, args, name, flooding)
        phases.append(phase)
        if flood_out:
            floods.append(_flood_of(flood_out))
    return phases, floods


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--partner-connections", type=int, default=8)
    parser.add_argument("--flood-connections", type=int, default=64)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="flood runs per server")
    args = parser.parse_args()
    wrk = fs._which("wrk")
    if wrk is None:
        print("bench/abuse: wrk not installed (Debian: apt-get install -y wrk); skipped")
        return 0
    with ExitStack() as stack:
        root = args.root = Path(tempfile.mkdtemp(prefix="kakehashi-abuse-"))
        stack.callback(shutil.rmtree, root, True)
        data_dir = root / "data"
        data_dir.mkdir()
        url = stack.enter_context(fs.store(args.store, data_dir))
        print(f"seeding {args.articles} articles through the write path ({args.store}) ...")
        token = fs.seed(url, args.articles)
        results = []
        began_load = os.getloadavg()[0]
        # The same store and settings twice: the tarpit off (each 429 answered at once, as
        # before it), then the defaults (what is measured). One server at a time, so neither
        # takes CPU from the other.
        for label, tarpit in (("tarpit off", "0"), ("defaults", None)):
            with ExitStack() as server:
                env = fs._serve_env(data_dir, url)
                env.pop("KAKEHASHI_RATE_LIMIT_FAILED_AUTH_PER_IP")  # the default is measured
                if tarpit is not None:
                    env["KAKEHASHI_FAILED_AUTH_TARPIT_SECONDS"] = tarpit
                folder = root / label.replace(" ", "-")
                folder.mkdir()
                port = fs.start_serve(server, folder, data_dir, url, 2, env)
                body, _ = fs.fetch_feed(port, token, args.articles)
                print(
                    f"{label}: partner wrk -c{args.partner_connections}, flood wrk "
                    f"-c{args.flood_connections} (a new token per request), {args.duration} s "
                    f"each; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                results.append((label, *measure(wrk, port, token, args)))
        items = feed_seed.items_of(body)
        print(
            f"\npartner's feed ({args.store}): {len(body)} bytes, {items} items, status 200 "
            f"throughout; load average {began_load:.1f} before, {os.getloadavg()[0]:.1f} after"
        )
        print(f"{'server':<11} {'phase':<12} {'req/s':>8} {'p50':>10} {'p99':>10}")
        for label, phases, _flood in results:
            for p in phases:
                print(
                    f"{label:<11} {p.name:<12} {p.rps:>8.0f} {fs._fmt_ms(p.p50):>10} "
                    f"{fs._fmt_ms(p.p99):>10}"
                )
                if p.errors:
                    print(f"    wrk: {p.errors}")
        for label, phases, floods in results:
            quiet = statistics.median(p.p99 for p in phases if p.name == "quiet")
            flooded = [p.p99 for p in phases if p.name == "flood"]
            answered = "; ".join(f"{f.statuses} at {f.rps:.1f} req/s" for f in floods)
            print(
                f"{label}: flood answered {answered}\n  partner p99 under flood / quiet "
                f"(medians of {len(flooded)} and {len(phases) - len(flooded)} runs): "
                f"{statistics.median(flooded) / quiet:.2f}x (target <= 3); worst flood run "
                f"{max(flooded) / quiet:.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
