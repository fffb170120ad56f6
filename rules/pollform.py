"""What a board member types while making a poll: options, an RW, a quorum. No I/O."""

from __future__ import annotations

import html

from rules.messages import N_
from rules.tally import MAX_OPTIONS
from rules.validate import Invalid, clean_text

OPTION_MAX = 100


def parse_options(text: str) -> list[str]:
    """One option per line: 2–10, each 1–100 characters, no two the same (ignoring case)."""
    lines = [clean_text(line) for line in text.split("\n")]
    options = [line.lstrip("-•*").strip() for line in lines if line.strip()]
    if len(options) < 2:
        raise Invalid(N_("Write at least 2 options, one per line."))
    if len(options) > MAX_OPTIONS:
        raise Invalid(
            N_("At most {maximum} options (you wrote {count})."),
            maximum=MAX_OPTIONS,
            count=len(options),
        )
    seen: set[str] = set()
    for option in options:
        if len(option) > OPTION_MAX:
            raise Invalid(
                N_('Each option may have at most {maximum} characters: "{option}…" is longer.'),
                maximum=OPTION_MAX,
                option=html.escape(option[:30]),
            )
        key = option.casefold()
        if key in seen:
            raise Invalid(N_('The option "{option}" appears twice.'), option=html.escape(option))
        seen.add(key)
    return options


def parse_rw(text: str) -> int:
    """'5', 'RW 5', 'rw.05' -> 5."""
    value = clean_text(text).upper().removeprefix("RW").strip(" .")
    if not value.isdigit() or not 1 <= int(value) <= 999:
        raise Invalid(N_("Write the RW as a number from 1 to 999."))
    return int(value)


def parse_quorum(text: str) -> int:
    """'50', '50%' -> 50 (a minimum turnout in percent, 1–100)."""
    value = clean_text(text).rstrip("%").strip()
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise Invalid(N_("Write the quorum as a percentage from 1 to 100, or choose no quorum."))
    return int(value)
