"""Bar charts as PNG bytes, readable on a small phone: polls, budget, the digest.

matplotlib's object API (Figure + Agg canvas, no pyplot global state), so rendering is
thread-safe; callers run it off the event loop with `await render_bars_async(...)`.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH_PX = 1200  # ≥ 1080: sharp on a phone held upright, still small to send
DPI = 100
COLOURS = ("#1b6ca8", "#f29f05", "#4caf50", "#b23a48")


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend, already translated
    values: Sequence[float]


def render_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_label: Callable[[float], str] = lambda v: f"{v:g}",
) -> bytes:
    """Horizontal bars (long labels stay readable), one group per label, values written
    at the bar ends with `value_label` (e.g. tr.money)."""
    rows = max(len(labels), 1)
    bar_height = 0.8 / max(len(series), 1)
    height_px = max(700, 160 + rows * (110 + 50 * len(series)))
    # imported when the first chart is drawn: matplotlib takes about half a second of CPU to
    # import, paid otherwise by every start of the bot and every CLI command
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    largest = max((v for s in series for v in s.values), default=0) or 1
    for index, one in enumerate(series):
        positions = [row + index * bar_height for row in range(len(labels))]
        bars = axes.barh(
            positions, one.values, height=bar_height, label=one.name, color=COLOURS[index % 4]
        )
        axes.bar_label(bars, labels=[value_label(v) for v in one.values], padding=6, fontsize=15)
    axes.set_yticks(
        [row + bar_height * (len(series) - 1) / 2 for row in range(len(labels))], list(labels)
    )
    axes.invert_yaxis()
    axes.tick_params(axis="y", labelsize=18)
    axes.tick_params(axis="x", labelsize=13)
    axes.set_xlim(0, largest * 1.45)  # room for the value written after the longest bar
    axes.xaxis.set_major_formatter(lambda value, _pos: value_label(value))
    axes.set_title(title, fontsize=22, loc="left", pad=18)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if len(series) > 1:
        axes.legend(fontsize=16, loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def render_bars_async(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_label: Callable[[float], str] = lambda v: f"{v:g}",
) -> bytes:
    """render_bars in a worker thread: a chart takes ~100 ms of CPU, too long for the loop."""
    return await asyncio.to_thread(render_bars, title, labels, series, value_label)
