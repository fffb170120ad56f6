"""Profile the BKM bot's measured bursts of a figure: `python -m tests.perf.profiling`.

    python -m tests.perf.profiling features "vote press"

Runs the figure with quick sizes and pyinstrument (the test extra) sampling the event-loop
thread during every measured throughput burst on the bkm target whose label contains the
workload text; prints the tree. Work done in aiosqlite's thread shows as waiting
(`epoll.poll`); the note of issue 9 says how it was timed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from telegram import Update

from tests.perf import harness


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(prog="python -m tests.perf.profiling")
    parser.add_argument("figure", help="a module of tests.perf, e.g. features")
    parser.add_argument("workload", help="text in the measured rounds' label, e.g. 'vote press'")
    parser.add_argument("--all-frames", action="store_true", help="do not hide library frames")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    profiler = Profiler(async_mode="disabled", interval=0.0005)
    measured = harness.Target.throughput

    async def throughput(
        self: harness.Target, updates: Sequence[Update], what: str
    ) -> harness.Throughput:
        if self.name != "bkm" or args.workload not in what or "warm" in what:
            return await measured(self, updates, what)
        profiler.start()
        try:
            return await measured(self, updates, what)
        finally:
            profiler.stop()

    harness.Target.throughput = throughput  # type: ignore[method-assign]
    figure = importlib.import_module(f"tests.perf.{args.figure}").FIGURE
    with tempfile.TemporaryDirectory(prefix="bkm-profile-") as workdir:
        context = harness.RunContext(harness.Sizes.quick(), Path(workdir), quiet=True)
        rows = asyncio.run(figure.run(context))
    for row in rows:
        print(f"{row.name}: {row.updates_per_s:,.0f}/s p50 {row.p50_ms:.2f} p99 {row.p99_ms:.2f}")
    print(profiler.output_text(unicode=True, color=False, show_all=args.all_frames))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
