"""Reading paper ballots typed by a board member after a rembug. No I/O.

- person numbers: "12, 15 17" -> [12, 15, 17];
- secret ballots, one per line, the option numbers marked on it: "1\n2\n1,3";
- open ballots, one per line, person number then options: "12: 1\n15: 2,3".
"""

from __future__ import annotations

import re

from rules.messages import N_
from rules.validate import Invalid

_NUMBERS = re.compile(r"^\d{1,9}(?:[\s,;]+\d{1,9})*$")
_OPEN_LINE = re.compile(r"^(\d{1,9})\s*[:=\-]\s*(\d{1,2}(?:\s*[,;\s]\s*\d{1,2})*)$")
MAX_BATCH = 500


def person_numbers(text: str) -> list[int]:
    value = text.strip().strip(",;").strip()
    if not _NUMBERS.match(value):
        raise Invalid(N_("Write the person numbers separated by commas, for example: 12, 15, 17."))
    numbers = [int(n) for n in re.split(r"[\s,;]+", value)]
    if len(set(numbers)) != len(numbers):
        raise Invalid(N_("A person number appears twice."))
    if len(numbers) > MAX_BATCH:
        raise Invalid(N_("At most {maximum} people at a time."), maximum=MAX_BATCH)
    return numbers


def _options(text: str, options: int, max_choices: int, line: int) -> list[int]:
    chosen = [int(n) for n in re.split(r"[\s,;]+", text.strip()) if n]
    if not chosen or any(not 1 <= c <= options for c in chosen) or len(set(chosen)) != len(chosen):
        raise Invalid(
            N_("Line {line}: use option numbers from 1 to {options}."), line=line, options=options
        )
    if len(chosen) > max_choices:
        raise Invalid(
            N_("Line {line}: at most {maximum} options may be marked."),
            line=line,
            maximum=max_choices,
        )
    return chosen


def secret_ballots(text: str, options: int, max_choices: int) -> list[list[int]]:
    """One ballot per line: the option numbers marked on it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > MAX_BATCH:
        raise Invalid(N_("Write one ballot per line: the option numbers marked on it."))
    return [_options(line, options, max_choices, i) for i, line in enumerate(lines, start=1)]


def open_ballots(text: str, options: int, max_choices: int) -> list[tuple[int, list[int]]]:
    """One voter per line: 'person number: options'."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > MAX_BATCH:
        raise Invalid(N_("Write one voter per line: person number, a colon, the options."))
    found: list[tuple[int, list[int]]] = []
    for i, line in enumerate(lines, start=1):
        match = _OPEN_LINE.match(line)
        if match is None:
            raise Invalid(
                N_("Line {line}: write the person number, a colon and the options, like 12: 1."),
                line=i,
            )
        found.append((int(match[1]), _options(match[2], options, max_choices, i)))
    people = [p for p, _ in found]
    if len(set(people)) != len(people):
        raise Invalid(N_("A person number appears twice."))
    return found
