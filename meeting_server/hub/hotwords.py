"""The hot words of a meeting: the names its recogniser should know, most important first.

From the meeting's own state: the place and the names in the title and the agenda (agenda items are often
accepted topics, so their titles carry the topics' places: 东门, 12号楼); then, from outside it, the titles of
the community topics its agenda items deliberate (``topic_id``; residents wrote them, often with the place
the staff's agenda title leaves out) and the places they name; the people taking part (they are the ones who
speak and are spoken to); the community's place names (those its staff keep on the 地名 page, then the
server's ``[meeting] places``: streets, estates, landmarks the rosters and agendas do not spell out); then
the roster snapshot's buildings and names.
``asr.hotwords`` cleans and bounds the list; the engine fits it into its token budget, so the order decides
what is kept in a meeting with a long roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from meeting_server.core.state import MeetingState
from meeting_server.topics.text import place_names


def meeting_hotwords(
    state: MeetingState, topic_titles: Mapping[str, str] | None = None, places: Sequence[str] = ()
) -> list[str]:
    """``topic_titles``: topic id → title for the community's topics; ``places``: its place names."""
    titles = [state.title, *(item.title for item in state.agenda)]
    topics = [t for item in state.agenda if item.topic_id and (t := (topic_titles or {}).get(item.topic_id))]
    title_places = [name for t in titles for name in place_names(t)]
    topic_places = [name for t in topics for name in place_names(t)]
    people = [p.name for p in state.participants.values() if p.present]
    electors = list(state.electors.values())
    buildings = [e.building for e in electors]
    words = [state.place, *title_places, *(item.title for item in state.agenda), *topic_places, *topics]
    words += [*people, *places, *buildings, *(e.name for e in electors)]
    return [w for w in dict.fromkeys(w.strip() for w in words) if w]


def community_places(entries: Iterable[str], community_id: str | None) -> list[str]:
    """The ``[meeting] places`` that apply to a community: ``"名"`` for every meeting of the server,
    ``"<community id>:名"`` for that community's meetings only."""
    out = []
    for entry in entries:
        owner, sep, name = entry.partition(":")
        if not sep:
            out.append(entry)
        elif owner == community_id:
            out.append(name)
    return out
