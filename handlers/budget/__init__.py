"""The budget (anggaran): residents ask (/anggaran), the board imports the treasurer's file
and records realisation; charts, texts and the `bkm-bot budget import` command."""

from bot.features import combine
from handlers.budget import ask, imports, realise

FEATURE = combine("budget", 40, ask.PART, imports.PART, realise.PART)
