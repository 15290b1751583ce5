"""Run every benchmark and print one table: `python -m tests.benchmarks [--runs N] [--only NAME] [--record]`.

--record also writes the table, with the date and the machine, to tests/benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import time
from pathlib import Path

from tests.benchmarks.common import table

BENCHMARKS = ["first_frame", "imports", "streaming", "long_session", "long_chat", "tool_overhead", "bench_tracking", "idle_cpu", "quit_time"]
RESULTS = Path(__file__).with_name("RESULTS.md")
HAND_WRITTEN = "\n## "  # the first section after the table: kept by hand, never rewritten


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def record(output: str) -> None:
    """Write the table to RESULTS.md, keeping the hand-written sections that follow it."""
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    at = previous.find(HAND_WRITTEN)
    kept = previous[at:] if at >= 0 else ""
    body = f"# Benchmark results\n\n`python -m tests.benchmarks --record` wrote this.\n\n{output}"
    RESULTS.write_text(body + kept, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (default 5)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only these (repeatable)")
    parser.add_argument("--record", action="store_true", help="also write the table to RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("CHUK_LLM_DISCOVERY_ENABLED", "false")
    measures = []
    for name in args.only or BENCHMARKS:
        started = time.perf_counter()
        print(f"… {name}", file=sys.stderr, flush=True)
        measures += importlib.import_module(f"tests.benchmarks.{name}").run(args.runs)
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    header = f"{datetime.date.today().isoformat()} · {machine()} · {args.runs} runs per measure"
    output = f"{header}\n\n{table(measures)}\n"
    print(output)
    if args.record:
        record(output)
    return 0 if all(m.met is not False for m in measures) else 1


if __name__ == "__main__":
    sys.exit(main())
