"""Split long output into messages within Telegram's 4096-character limit."""

from __future__ import annotations

from collections.abc import Iterable

from bot.transport.rules import MAX_TEXT, plain_text, utf16_len

# Headroom for tags: we measure the HTML source, which is never shorter than what is shown.
LIMIT = MAX_TEXT - 96


def paginate(blocks: Iterable[str], limit: int = LIMIT) -> list[str]:
    """Join blocks with blank lines into as few pages as fit; a block never splits its tags.

    A single block longer than a page is cut at line boundaries (lines are expected to be
    well-formed on their own).
    """
    pages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                pages.append(current)
                current = piece
    if current:
        pages.append(current)
    return pages


def _fit(block: str, limit: int) -> list[str]:
    if utf16_len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        while utf16_len(line) > limit:  # one enormous line: cut by visible text
            head = plain_text(line, None)[: limit // 2]
            pieces.append(head)
            line = line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces
