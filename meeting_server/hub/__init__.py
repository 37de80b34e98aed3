"""The real-time hub: aiohttp app, socket.io handlers, and one runtime (single writer) per meeting."""
