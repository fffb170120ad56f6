"""Pure rules at the bottom: status machines, the tally, working days, recurrence, and the
parsers of what people type (amounts, dates, RT/RW, budget questions, paper ballots).

Nothing here imports telegram, sqlite3, storage, bot or handlers (tests/test_layers.py):
storage and every layer above may import it."""
