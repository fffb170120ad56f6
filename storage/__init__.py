"""Everything about the database. Nothing here imports telegram."""
