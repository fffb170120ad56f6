"""Benchmarks: `python -m tests.perf [--quick] [--json PATH] [--only NAME]`.

Not part of the pytest run: no module here is named test_*.py, so pytest never imports them.

How it fits together:
- harness.py: rows, sizes, the figure registry, and the measuring tools (a started
  Application on the offline transport, throughput and latency through update_queue);
- bare.py: a bare python-telegram-bot Application to compare against;
- one module per figure (interactive.py, ...), each defining `FIGURE = Figure(...)`;
  __main__.py discovers every module of this package that defines FIGURE, runs them in
  `order`, prints one table and writes the same figures as JSON.

To add a figure: a new module with an `async def run(ctx: RunContext) -> list[Row]` and
`FIGURE = Figure(name=..., title=..., order=..., run=run)`. Nothing central to edit.
"""
