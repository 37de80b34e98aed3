"""Gongzhi meeting server: the pure meeting rules (core), the event log (store) and the real-time hub."""
