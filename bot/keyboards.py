"""Inline keyboards from (label, callback_data) pairs."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def column(items: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per row: easiest to hit on a small screen."""
    return keyboard([[item] for item in items])
