"""The pure rules of a council meeting.

Nothing in this package does I/O or imports asyncio, aiohttp, socketio, aiortc, redis or sqlite.
Time, ids and randomness come in as arguments. The API:

    decide(state, actor, command, now) -> list[Event]   (raises DomainError with a named reason)
    evolve(state, event) -> state                       (pure, total over every event type)
"""
