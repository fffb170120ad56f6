"""Stand-ins for Telegram's Bot API: in-process (offline) and over loopback HTTP."""
