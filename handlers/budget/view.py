"""How budget figures read: summaries, lines, filters, import reports (HTML, translated)."""

from __future__ import annotations

import base64
import binascii
import html
from datetime import date

from babel.dates import format_date
from babel.numbers import format_percent

from bot.i18n import N_, Translator
from handlers.budget.spreadsheet import Problem
from storage.budget import Entry, Filters, ImportReport, Line, LineInput, Loan, Summary, Totals

FIELD_LABELS = {
    "lingkungan": N_("Environment"),
    "sosial": N_("Social"),
    "ekonomi": N_("Economy"),
}
SOURCE_LABELS = {
    "BLM": "BLM",
    "APBD": "APBD",
    "swadaya": N_("Community self-help (swadaya)"),
    "CSR": "CSR",
    "lainnya": N_("Other"),
}
FIELD_CODES = {"lingkungan": "l", "sosial": "s", "ekonomi": "e"}
SOURCE_CODES = {"BLM": "b", "APBD": "a", "swadaya": "w", "CSR": "c", "lainnya": "o"}


def percent(tr: Translator, part: int, whole: int) -> str:
    """One decimal, localized: 45,3 % in Indonesian, 45.3% in English."""
    value = part / whole if whole else 0.0
    return format_percent(value, "#,##0.0%", locale=tr.babel_locale)


def day(tr: Translator, value: date) -> str:
    return format_date(value, "d MMMM y", locale=tr.babel_locale)


def field_label(tr: Translator, code: str) -> str:
    return tr._(FIELD_LABELS[code])


def source_label(tr: Translator, code: str) -> str:
    label = SOURCE_LABELS[code]
    return label if label in ("BLM", "APBD", "CSR") else tr._(label)


def rw_label(tr: Translator, rw: int | None) -> str:
    return tr._("Whole kelurahan") if rw is None else f"RW {rw:02d}"


def ksm_label(ksm: str) -> str:
    """The executing group as written, with "KSM" in front when the file left it out."""
    if not ksm:
        return ""
    return html.escape(ksm if ksm.casefold().startswith("ksm") else f"KSM {ksm}")


def totals_line(tr: Translator, label: str, totals: Totals) -> str:
    return tr._("• {label}: {realised} of {allocation} ({percent})").format(
        label=html.escape(label),
        realised=tr.money(totals.realised),
        allocation=tr.money(totals.allocation),
        percent=percent(tr, totals.realised, totals.allocation),
    )


def summary_text(tr: Translator, summary: Summary) -> str:
    total = summary.total
    parts = [
        tr._("<b>BKM budget {year}</b>").format(year=summary.year),
        tr._("Allocation: {allocation}\nRealised: {realised} ({percent})").format(
            allocation=tr.money(total.allocation),
            realised=tr.money(total.realised),
            percent=percent(tr, total.realised, total.allocation),
        ),
        "",
        tr._("<b>Per field</b>"),
        *(totals_line(tr, field_label(tr, str(t.label)), t) for t in summary.by_field),
        "",
        tr._("<b>Per source of funds</b>"),
        *(totals_line(tr, source_label(tr, str(t.label)), t) for t in summary.by_source),
    ]
    return "\n".join(parts)


def rw_blocks(tr: Translator, year: int, rows: list[Totals]) -> list[str]:
    head = tr._("<b>Budget {year} per RW</b>").format(year=year)
    return [head, *(totals_line(tr, rw_label(tr, t.label), t) for t in rows)]  # type: ignore[arg-type]


def program_lines(tr: Translator, rows: list[Totals]) -> list[str]:
    return [totals_line(tr, str(t.label), t) for t in rows]


def loans_text(tr: Translator, year: int, loans: list[Loan]) -> str:
    head = tr._("<b>Revolving loans {year}</b> (totals per KSM)").format(year=year)
    if not loans:
        return head + "\n" + tr._("No revolving-loan figures for this year.")
    rows = [
        tr._("• {ksm}: disbursed {disbursed}, repaid {repaid}, arrears {arrears}").format(
            ksm=html.escape(loan.ksm),
            disbursed=tr.money(loan.disbursed),
            repaid=tr.money(loan.repaid),
            arrears=tr.money(loan.arrears),
        )
        for loan in loans
    ]
    return "\n".join([head, *rows])


def filters_text(tr: Translator, filters: Filters, year_given: bool) -> str:
    """Which filters answered the question, so a wrong guess is visible."""
    used = [
        tr._("year {year}").format(year=filters.year)
        if year_given
        else tr._("year {year} (not named: the current budget year)").format(year=filters.year)
    ]
    if filters.rw is not None:
        used.append(rw_label(tr, filters.rw))
    if filters.field is not None:
        used.append(tr._("field {field}").format(field=field_label(tr, filters.field)))
    if filters.source is not None:
        used.append(tr._("source {source}").format(source=source_label(tr, filters.source)))
    if filters.keywords:
        words = ", ".join(f"“{html.escape(w)}”" for w in filters.keywords)
        used.append(tr._("words {words}").format(words=words))
    return tr._("Filters: {filters}").format(filters="; ".join(used))


def line_block(tr: Translator, number: int, line: Line, proposal: str | None = None) -> str:
    where = " · ".join(
        x
        for x in (
            rw_label(tr, line.rw),
            ksm_label(line.ksm),
            source_label(tr, line.source),
        )
        if x
    )
    text = tr._(
        "{number}. <b>{program}</b> — {activity}\n{where}\n"
        "Allocation {allocation} · realised {realised} ({percent})"
    ).format(
        number=number,
        program=html.escape(line.program),
        activity=html.escape(line.activity),
        where=where,
        allocation=tr.money(line.allocation),
        realised=tr.money(line.realised),
        percent=percent(tr, line.realised, line.allocation),
    )
    if proposal:
        text += "\n" + proposal
    return text


def line_detail(
    tr: Translator,
    line: Line,
    entries: list[Entry],
    proposal: str | None = None,
    count: int | None = None,
) -> str:
    parts = [
        f"<b>{html.escape(line.program)}</b> — {html.escape(line.activity)}",
        tr._("Year {year} · field {field} · source {source}\n{rw} · {ksm}").format(
            year=line.year,
            field=field_label(tr, line.field),
            source=source_label(tr, line.source),
            rw=rw_label(tr, line.rw),
            ksm=ksm_label(line.ksm) or "-",
        ),
        tr._("Allocation: {allocation}\nRealised: {realised} ({percent})").format(
            allocation=tr.money(line.allocation),
            realised=tr.money(line.realised),
            percent=percent(tr, line.realised, line.allocation),
        ),
    ]
    if line.realised_entries and line.realised_imported:
        parts.append(
            tr._("From the treasurer's file: {imported}; recorded entries: {entries}").format(
                imported=tr.money(line.realised_imported),
                entries=tr.money(line.realised_entries),
            )
        )
    if proposal:
        parts.append(proposal)
    if entries:
        parts.append(tr._("<b>Spending recorded</b>"))
        if count is not None and count > len(entries):
            parts.append(
                tr._("The latest {shown} of {count} entries:").format(
                    shown=tr.number(len(entries)), count=tr.number(count)
                )
            )
        for index, item in enumerate(entries, start=1):
            receipt = " " + tr._("(receipt {number})").format(number=index) if item.receipt else ""
            what = html.escape(item.description)
            parts.append(f"• {day(tr, item.spent_on)} — {tr.money(item.amount)} — {what}{receipt}")
    return "\n".join(parts)


# ---- queries in callback data ----------------------------------------------------------------
def pack_filters(filters: Filters) -> str:
    """The filters of a budget question as one field of button data (`bud:q:<page>:<here>`)."""
    payload = "|".join(
        (
            str(filters.year),
            "" if filters.rw is None else str(filters.rw),
            FIELD_CODES.get(filters.field or "", ""),
            SOURCE_CODES.get(filters.source or "", ""),
            " ".join(filters.keywords),
        )
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def unpack_filters(packed: str) -> Filters | None:
    """The filters from `pack_filters`, or None when forged or garbled."""
    try:
        payload = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)).decode()
        year, rw, field_code, source_code, words = payload.split("|")
        fields = {v: k for k, v in FIELD_CODES.items()}
        sources = {v: k for k, v in SOURCE_CODES.items()}
        filters = Filters(
            year=int(year),
            rw=int(rw) if rw else None,
            field=fields[field_code] if field_code else None,
            source=sources[source_code] if source_code else None,
            keywords=tuple(words.split()),
        )
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError):
        return None
    return filters


# ---- import reports ---------------------------------------------------------------------------
def describe(tr: Translator, line: LineInput) -> str:
    return tr._("{year} {program} — {activity} ({rw}, {source})").format(
        year=line.year,
        program=html.escape(line.program),
        activity=html.escape(line.activity),
        rw=rw_label(tr, line.rw),
        source=source_label(tr, line.source),
    )


def report_blocks(
    tr: Translator, report: ImportReport, *, applied: bool, show: int = 20
) -> list[str]:
    """The diff of an import: counts first, then the lines (a few of each kind)."""
    years = ", ".join(str(y) for y in report.years)
    head = (
        tr._("<b>Budget imported</b> for {years}.")
        if applied
        else tr._("<b>Check before importing</b> ({years}).")
    ).format(years=years)
    counts = tr._(
        "Lines added: {added}\nLines removed: {removed}\nLines changed: {changed}\n"
        "Unchanged: {unchanged}\nRealisation conflicts: {conflicts}"
    ).format(
        added=tr.number(len(report.added)),
        removed=tr.number(len(report.removed)),
        changed=tr.number(len(report.changed)),
        unchanged=tr.number(report.unchanged),
        conflicts=tr.number(len(report.conflicts)),
    )
    blocks = [head + "\n" + counts]

    def listing(title: str, items: list[str]) -> None:
        if not items:
            return
        more = len(items) - show
        lines = [title, *items[:show]]
        if more > 0:
            lines.append(
                tr.ngettext("…and {n} more.", "…and {n} more.", more).format(n=tr.number(more))
            )
        blocks.append("\n".join(lines))

    listing(tr._("<b>Added</b>"), ["+ " + describe(tr, x) for x in report.added])
    listing(tr._("<b>Removed</b>"), ["− " + describe(tr, x) for x in report.removed])
    listing(
        tr._("<b>Changed</b>"),
        [
            "~ "
            + describe(tr, c.after)
            + "\n  "
            + tr._("allocation {before} → {after}; realised {rbefore} → {rafter}").format(
                before=tr.money(c.before.allocation),
                after=tr.money(c.after.allocation),
                rbefore=tr.money(c.before.realised),
                rafter=tr.money(c.after.realised),
            )
            for c in report.changed
        ],
    )
    conflicts = []
    for c in report.conflicts:
        if c.file_realised is None:
            note = tr._(
                "not in the file, but it has recorded spending ({entries}); the line is kept"
            ).format(entries=tr.money(c.entries_total))
        else:
            note = tr._(
                "the file says realised {file}, the line has {realised} "
                "(of which {entries} recorded by chat); the line's figure is kept"
            ).format(
                file=tr.money(c.file_realised),
                realised=tr.money(c.realised),
                entries=tr.money(c.entries_total),
            )
        conflicts.append("! " + describe(tr, c.line) + "\n  " + note)
    listing(tr._("<b>Realisation conflicts</b> (check these with the treasurer)"), conflicts)
    return blocks


def problem_blocks(tr: Translator, problems: list[Problem], show: int = 150) -> list[str]:
    head = tr.ngettext(
        "<b>The file was not imported</b>: {n} problem. Nothing was changed.",
        "<b>The file was not imported</b>: {n} problems. Nothing was changed.",
        len(problems),
    ).format(n=tr.number(len(problems)))
    lines = [html.escape(p.text(tr)) for p in problems[:show]]
    if len(problems) > show:
        more = len(problems) - show
        lines.append(
            tr.ngettext(
                "…and {n} more (all are in the attached list).",
                "…and {n} more (all are in the attached list).",
                more,
            ).format(n=tr.number(more))
        )
    return [head, "\n".join(lines)]
