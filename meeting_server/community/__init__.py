"""A street's communities (小区/社区), their staff (社工) and each community's roster (名册): pure rules.

Like ``meeting_server.core`` for a meeting: ``decide(state, actor, command, now) -> events`` and
``evolve(state, event) -> state``, with no I/O. Two kinds of stream hold the events: the street directory
(communities and staff accounts, ``street_rules``) and one stream per community (its roster,
``roster_rules``). Passwords reach the rules only as argon2 hashes made at the edge; ids and time come in
as arguments.
"""
