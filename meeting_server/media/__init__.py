"""The media layer: WebRTC audio in (``peers``), ICE settings (``ice``) and the floor gate (``gate``).

Nothing here knows the meeting rules; the owner wires the gate to floor events and the sinks to ASR and
recording.
"""
