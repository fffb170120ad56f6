"""Budget charts (allocation beside realisation, per field or per RW) and the budget's
/transparansi and digest sections."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.access import answer, reply, stale_button
from bot.charts import Series, render_bars_async
from bot.context import BKMContext
from bot.i18n import Translator
from bot.paginate import paginate
from handlers.budget import buttons as btn
from handlers.budget import view as text
from storage import budget
from storage.db import Database

MAX_BARS = 24  # bars per chart: 1200 px wide, ≈ 5,000 px tall at most


async def chart_png(db: Database, tr: Translator, year: int, kind: str) -> bytes | None:
    """Allocation beside realisation per field ("f") or per RW ("r")."""
    if kind == "f":
        summary = await db.read(budget.summary, year)
        if summary is None:
            return None
        rows = summary.by_field
        labels = [text.field_label(tr, str(t.label)) for t in rows]
        title = tr._("Budget {year} per field").format(year=year)
    else:
        rows = await db.read(budget.by_rw, year)
        if not rows:
            return None
        labels = [text.rw_label(tr, t.label) for t in rows]  # type: ignore[arg-type]
        if len(rows) > MAX_BARS:  # keep the picture within Telegram's photo proportions
            ranked = sorted(range(len(rows)), key=lambda i: -rows[i].allocation)
            kept = sorted(ranked[: MAX_BARS - 1])
            rest = [rows[i] for i in ranked[MAX_BARS - 1 :]]
            labels = [labels[i] for i in kept] + [tr._("Other RWs")]
            rows = [rows[i] for i in kept] + [
                budget.Totals(
                    None,
                    sum(t.allocation for t in rest),
                    sum(t.realised for t in rest),
                    sum(t.lines for t in rest),
                )
            ]
        title = tr._("Budget {year} per RW").format(year=year)
    series = [
        Series(tr._("Allocation"), [t.allocation for t in rows]),
        Series(tr._("Realised"), [t.realised for t in rows]),
    ]
    return await render_bars_async(title, labels, series, lambda v: tr.money(int(v)))


async def chart_pressed(update: Update, context: BKMContext) -> None:
    query = update.callback_query
    assert query is not None
    press = btn.Chart.pressed(update)
    year, kind = press.year, press.by
    png = await chart_png(context.db, context.tr, year, kind)
    if png is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    caption = (
        tr._("Allocation and realisation {year}, per field")
        if kind == "f"
        else tr._("Allocation and realisation {year}, per RW")
    ).format(year=year)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, png, caption=caption)
    if kind == "f":
        summary = await context.db.read(budget.summary, year)
        assert summary is not None  # the chart above was drawn from this year's lines
        await reply(update, context, text.summary_text(tr, summary))
    else:
        rows = await context.db.read(budget.by_rw, year)
        for page in paginate(text.rw_blocks(tr, year, rows)):
            await reply(update, context, page)


# ---- registries ---------------------------------------------------------------------------------
async def _latest(db: Database) -> int | None:
    years = await db.read(budget.years)
    return years[0] if years else None


async def transparency_section(db: Database, tr: Translator, now: datetime) -> str | None:
    year = await _latest(db)
    summary = await db.read(budget.summary, year) if year else None
    if summary is None:
        return None
    total = summary.total
    lines = [
        tr._("<b>Budget {year}</b>").format(year=year),
        tr._("Realised {realised} of {allocation} ({percent}).").format(
            realised=tr.money(total.realised),
            allocation=tr.money(total.allocation),
            percent=text.percent(tr, total.realised, total.allocation),
        ),
        *(text.totals_line(tr, text.field_label(tr, str(t.label)), t) for t in summary.by_field),
        tr._("Details: /budget"),
    ]
    return "\n".join(lines)


async def digest_chart(db: Database, tr: Translator, now: datetime) -> bytes | None:
    year = await _latest(db)
    return await chart_png(db, tr, year, "f") if year else None
