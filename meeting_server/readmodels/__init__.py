"""Read models: pure folds of the event log into what pages and commands show (no I/O here)."""
