"""A meeting's hot words, from its state: place, agenda places and titles, people present, the roster."""

from __future__ import annotations

import dataclasses

from asr.hotwords import MAX_WORDS, clean_hotwords
from meeting_server.core.commands import LeaveMeeting
from meeting_server.core.electorate import Elector, SetElectorate
from meeting_server.hub.hotwords import community_places, meeting_hotwords
from tests.core.sim import SYS, Sim, resident, running


def test_the_words_come_from_the_meeting_most_important_first() -> None:
    sim = running(online=2, room=1)
    sim.do(resident("p2"), LeaveMeeting())
    words = meeting_hotwords(sim.state)
    # place, the places the agenda names, the agenda titles, the people present (p2 left)
    assert words[:4] == ["社区活动中心", "东门", "东门增设临时停车位", "加装电梯"]
    assert "居民1" in words and "现场居民1" in words and "主持人张" in words
    assert "居民2" not in words


def test_the_roster_snapshot_adds_buildings_and_names_and_the_list_stays_bounded() -> None:
    sim = Sim()
    roster = tuple(Elector(f"r{i}", f"居民{i:03d}", f"{i % 20 + 1}号楼", "1单元", "101") for i in range(300))
    sim.do(SYS, SetElectorate("c-1", roster))
    words = meeting_hotwords(sim.state)
    assert words.index("1号楼") < words.index("居民000")
    assert len([w for w in words if w.endswith("号楼")]) == 20  # each building once
    cleaned = clean_hotwords(words)
    assert len(cleaned) == MAX_WORDS and cleaned[0] == "社区活动中心"


def test_linked_topic_titles_and_the_community_places_come_after_the_agenda() -> None:
    sim = running(online=1, room=0)
    first = dataclasses.replace(sim.state.agenda[0], topic_id="t-7")
    state = dataclasses.replace(sim.state, agenda=(first, *sim.state.agenda[1:]), community_id="c-1")
    titles = {"t-7": "北苑5号楼门口电动车乱停", "t-8": "别的议题"}
    entries = ("幸福路商业街", "c-1:阳光新城", "c-2:别的小区")
    places = community_places(entries, "c-1")
    assert places == ["幸福路商业街", "阳光新城"]
    words = meeting_hotwords(state, titles, places)
    agenda_end = max(words.index(item.title) for item in state.agenda)
    # The topic's places and its title right after the agenda; the configured places after the people.
    assert words.index("5号") > agenda_end and words.index("北苑5号楼门口电动车乱停") > agenda_end
    assert "别的议题" not in words and "别的小区" not in words
    assert words.index("居民1") < words.index("幸福路商业街") < words.index("阳光新城")
    # A meeting whose agenda links no topic gets no topic words; one outside the community no c-1 places.
    assert "北苑5号楼门口电动车乱停" not in meeting_hotwords(sim.state, titles)
    assert community_places(entries, None) == ["幸福路商业街"]
