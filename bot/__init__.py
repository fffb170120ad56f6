"""BKM Bot: a Telegram bot for a kelurahan's Badan Keswadayaan Masyarakat."""

__version__ = "0.1.0"
