"""Residents' topics (议题征集): the topic engine (triage, similar topics), heat, and the triage CLI."""
