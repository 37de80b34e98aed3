"""Meeting records on disk: crash-safe Ogg Opus recordings of the floor audio with an index of turns
(``writer``), and transcript exports to SRT, WebVTT, TXT and JSON (``exports``)."""
