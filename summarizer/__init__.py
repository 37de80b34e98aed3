"""Minutes produced from a meeting's event log (issue 6; not built yet)."""
