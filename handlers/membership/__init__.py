"""Membership: /daftar and the board's verification, registration in person, the members'
list (revoke, move, merge, erase) and the board's own roles (two-person promotion)."""

from bot.features import combine
from handlers.membership import board, members, register

FEATURE = combine("membership", 10, register.PART, board.PART, members.PART)
