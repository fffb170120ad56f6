"""Telegram in, Telegram out: one module per feature, each defining FEATURE (bot.features)."""
