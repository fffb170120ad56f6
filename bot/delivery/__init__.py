"""Delivery: everything the bot sends to people who did not just write to it.

Modules, each importing only those listed before it (tests/test_delivery_imports.py):
- `send`: the one code path that puts a message on Telegram (text, photo or document) and
  what a Telegram error means;
- `ratelimit`: PTB's rate limiter, told to leave the engine's own calls to the engine;
- `engine`: sends the queued deliveries, paced, and records every outcome; it reports
  finished messages and failures through hooks it does not know the owners of;
- `outbox`: what features call (notify, notify_board, broadcast, post) to queue a message;
- `alerts`: rate-limited warnings to the board (it hooks into the engine's failures);
- `report`: the report a broadcast's author receives (it hooks into finished messages);
- `lifecycle`: starts the engine with those hooks and stops it.
"""
