"""Durable storage of meetings: the append-only, hash-chained event log."""
