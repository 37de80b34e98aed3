"""The hot words of a meeting: the names its recogniser should know, most important first.

Read from the meeting's own state, never from elsewhere: the place and the names in the title and the
agenda (agenda items are often accepted topics, so their titles carry the topics' places: 东门, 12号楼),
the people taking part (they are the ones who speak and are spoken to), then the roster snapshot's
buildings and names. ``asr.hotwords`` cleans and bounds the list; the engine fits it into its token budget,
so the order decides what is kept in a meeting with a long roster.
"""

from __future__ import annotations

from meeting_server.core.state import MeetingState
from meeting_server.topics.text import place_names


def meeting_hotwords(state: MeetingState) -> list[str]:
    titles = [state.title, *(item.title for item in state.agenda)]
    places = [name for t in titles for name in place_names(t)]
    people = [p.name for p in state.participants.values() if p.present]
    electors = list(state.electors.values())
    buildings = [e.building for e in electors]
    words = [state.place, *places, *(item.title for item in state.agenda), *people, *buildings]
    words += [e.name for e in electors]
    return [w for w in dict.fromkeys(w.strip() for w in words) if w]
