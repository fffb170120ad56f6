"""`python -m tests.perf`: run the benchmark figures, print one table, write JSON."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import importlib.metadata
import json
import logging
import math
import os
import pkgutil
import platform
import sqlite3
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.perf.harness import (
    BenchmarkError,
    Figure,
    Row,
    RunContext,
    Sizes,
    install_error_counter,
)

DEFAULT_JSON = Path("perf-results.json")
DEFAULT_LEVELS = ",".join(map(str, Sizes.default().latency_concurrency))


def discover() -> list[Figure]:
    """Every module of tests.perf that defines FIGURE, in order."""
    package = importlib.import_module("tests.perf")
    figures = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        figure = getattr(importlib.import_module(f"tests.perf.{info.name}"), "FIGURE", None)
        if isinstance(figure, Figure):
            figures.append(figure)
    return sorted(figures, key=lambda f: (f.order, f.name))


@dataclasses.dataclass
class FigureResult:
    figure: Figure
    seconds: float
    rows: list[Row]


@dataclasses.dataclass
class FigureFailure:
    figure: Figure
    seconds: float
    error: str


async def run_figures(
    figures: list[Figure], sizes: Sizes
) -> tuple[list[FigureResult], list[FigureFailure]]:
    """Run every figure to the end: one that fails is reported and the next one runs."""
    results: list[FigureResult] = []
    failures: list[FigureFailure] = []
    for figure in figures:
        print(f"{figure.name}: {figure.title}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix=f"bkm-perf-{figure.name}-") as workdir:
                rows = await figure.run(RunContext(sizes=sizes, workdir=Path(workdir)))
        except Exception as exc:  # a failed figure must not hide the others' figures
            seconds = time.perf_counter() - started
            error = (
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, BenchmarkError) else str(exc)
            )
            print(f"  FAILED after {seconds:.1f} s: {error}", file=sys.stderr, flush=True)
            failures.append(FigureFailure(figure, seconds, error))
            continue
        seconds = time.perf_counter() - started
        print(f"  done in {seconds:.1f} s", file=sys.stderr, flush=True)
        results.append(FigureResult(figure, seconds, rows))
    return results, failures


def _number(value: float | None, digits: int) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def environment(sizes: Sizes, quick: bool) -> dict[str, Any]:
    def version(distribution: str) -> str | None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "quick": quick,
        "sizes": dataclasses.asdict(sizes),
        "versions": {
            "bkm-bot": version("bkm-bot"),
            "python-telegram-bot": version("python-telegram-bot"),
            "aiosqlite": version("aiosqlite"),
            "sqlite": sqlite3.sqlite_version,
        },
    }


def as_json(env: dict[str, Any], results: list[FigureResult]) -> dict[str, Any]:
    return {
        **env,
        "ratio_means": "time per update relative to the reference row "
        "(reference updates/s divided by this row's updates/s)",
        "figures": [
            {
                "name": result.figure.name,
                "title": result.figure.title,
                "seconds": round(result.seconds, 2),
                "rows": [
                    {
                        "name": row.name,
                        "updates_per_s": _number(row.updates_per_s, 1),
                        "p50_ms": _number(row.p50_ms, 3),
                        "p99_ms": _number(row.p99_ms, 3),
                        "reference": row.reference,
                        "ratio": _number(row.ratio, 3),
                        "details": row.details,
                    }
                    for row in result.rows
                ],
            }
            for result in results
        ],
    }


def table(env: dict[str, Any], results: list[FigureResult]) -> str:
    sizes = env["sizes"]
    levels = sizes["latency_concurrency"]
    others = ", ".join(f"{level} in flight" for level in levels[1:])
    lines = [
        f"BKM bot benchmarks · {env['timestamp']} · Python {env['python']} · "
        f"{env['cpu_count']} CPU(s) · {'quick' if env['quick'] else 'default'} sizes",
        f"throughput: {sizes['throughput_updates']} updates from distinct people put into "
        f"update_queue at once, median of {sizes['rounds']} rounds",
        f"latency: put -> the update's last Bot API call, {levels[0]} update(s) in flight, "
        f"{sizes['latency_updates']} samples (the JSON also has {others or 'no other level'})",
        "",
    ]
    header = ("figure", "row", "updates/s", "p50 ms", "p99 ms", "reference", "ratio")
    body = [
        (
            result.figure.name,
            row.name,
            f"{row.updates_per_s:,.0f}",
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            row.reference or "",
            "" if row.ratio is None else f"{row.ratio:.2f}x",
        )
        for result in results
        for row in result.rows
    ]
    widths = [max(len(cells[i]) for cells in (header, *body)) for i in range(len(header))]
    right = {2, 3, 4, 6}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines.append(line(header))
    lines.append("  ".join("-" * width for width in widths))
    lines.extend(line(cells) for cells in body)
    lines.append("")
    lines.append("ratio: time per update relative to the reference (its updates/s / this row's)")
    return "\n".join(lines)


def _levels(raw: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {raw!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("every level must be at least 1")
    return levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf", description="Run the BKM bot's benchmark figures."
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs (seconds, noisier)")
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help=f"where to write the figures as JSON (default: {DEFAULT_JSON})",
    )
    parser.add_argument(
        "--only", action="append", metavar="FIGURE", help="run only this figure (repeatable)"
    )
    parser.add_argument(
        "--latency-concurrency",
        type=_levels,
        metavar="N[,N...]",
        help="updates in flight while latency is measured; the first level goes in the "
        f"table, all go in the JSON (default: {DEFAULT_LEVELS})",
    )
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    args = parser.parse_args(argv)

    figures = discover()
    if args.list:
        for figure in figures:
            print(f"{figure.name}\t{figure.title}")
        return 0
    if args.only:
        known = {figure.name for figure in figures}
        unknown = sorted(set(args.only) - known)
        if unknown:
            parser.error(f"no figure {', '.join(unknown)} (there are: {', '.join(sorted(known))})")
        figures = [figure for figure in figures if figure.name in args.only]

    warnings.filterwarnings(
        "ignore", message="If 'per_message=False', 'CallbackQueryHandler' will not be tracked"
    )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    install_error_counter()

    sizes = Sizes.quick() if args.quick else Sizes.default()
    if args.latency_concurrency is not None:
        sizes = dataclasses.replace(sizes, latency_concurrency=args.latency_concurrency)
    env = environment(sizes, args.quick)
    results, failures = asyncio.run(run_figures(figures, sizes))
    print(table(env, results))
    report = as_json(env, results)
    report["failed"] = [
        {"name": f.figure.name, "seconds": round(f.seconds, 2), "error": f.error} for f in failures
    ]
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}", file=sys.stderr)
    for failure in failures:
        print(f"benchmark failed: {failure.figure.name}: {failure.error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
