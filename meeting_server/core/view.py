"""The public snapshot of a meeting that clients render: JSON-safe, and safe to show to anyone.

What it never shows: the choices of a secret vote (not even who voted) and the running counts of a secret
vote before it closes (they could be matched with the order people pressed the button), nor of a named vote
unless the meeting's settings show running counts (``show_running_counts``). Everything except
``you`` is the same for every viewer, so one broadcast snapshot serves the whole room; building/unit of
in-room residents is shown to all, as it is said aloud in the hall ("3号楼的刘大爷").
"""

from __future__ import annotations

from typing import Any

from . import publicity
from .clock import remaining
from .motion_events import VoteClosed
from .payload import to_payload
from .roles import Actor
from .state import Floor, MeetingState, Motion, Poll
from .values import MeetingStatus
from .vote_rules import DELEGATES_GROUP, in_scope, result_text, rule_label, scope_label


def public_view(state: MeetingState, viewer: Actor | None, now: float) -> dict[str, Any]:
    """A JSON-safe snapshot of ``state`` at ``now``; with a ``viewer``, adds ``you`` (their own standing)."""
    names = {pid: p.name for pid, p in state.participants.items()}
    present_voters = len(state.present_voters())
    # A closed meeting has no item in progress (the state keeps the last one: late captions and key points
    # are filed under it).
    current = state.current_item if state.status is MeetingStatus.OPEN else None
    view: dict[str, Any] = {
        "meeting": {
            "meeting_id": state.meeting_id,
            "community_id": state.community_id,
            "title": state.title,
            "level": state.level.value,
            "level_label": state.level.label,
            "place": state.place,
            "scheduled_at": state.scheduled_at,
            "status": state.status.value,
            "opened_at": state.opened_at,
            "closed_at": state.closed_at,
            "settings": to_payload(state.settings),
            # 到会: voters in the hall or online with a device connected (core.presence); 旁听 not counted.
            "present_voters": present_voters,
            "listeners": sum(1 for p in state.participants.values() if p.listener and p.attending),
            "listeners_may_speak": state.listeners_may_speak,
            "has_roster": state.has_roster,
            "quorum_min": state.quorum_min,
            "quorum_met": present_voters >= state.quorum_min,
        },
        "agenda": [
            {
                "index": i,
                "title": item.title,
                "planned_minutes": item.planned_minutes,
                "topic_id": item.topic_id,
                "current": i == current,
            }
            for i, item in enumerate(state.agenda)
        ],
        "current_item": current,
        "item_started_at": state.item_started_at,
        "participants": [
            {
                "participant_id": p.participant_id,
                "name": p.name,
                "role": p.role.value,
                "channel": p.channel.value,
                "present": p.present,
                "building": p.building,
                "unit": p.unit,
                "organisation": p.organisation,
                "listener": p.listener,
                "connected": p.connected,
                "disconnected_at": p.disconnected_at,
            }
            for p in state.participants.values()
        ],
        "queue": [
            {
                "participant_id": pid,
                "name": names.get(pid, pid),
                "role": _role(state, pid),
                "listener": pid in state.participants and state.participants[pid].listener,
                "position": i + 1,
                "turns_this_round": state.turns_taken(pid),
            }
            for i, pid in enumerate(state.queue)
        ],
        "round": {
            "number": state.round,
            "open": state.round_open,
            "max_turns": state.settings.max_turns_per_round,
        },
        "floor": _floor(state.floor, state, names, now),
        "motions": [_motion(m, state, names) for m in state.motions.values() if m.parent_id is None],
        "vote": _vote(state.vote, state) if state.vote is not None else None,
        "vote_scopes": _vote_scopes(state),
        "results": [_result(r) for r in state.results],
        "resolutions": [
            {
                "resolution_id": r.resolution_id,
                "motion_id": r.motion_id,
                "agenda_index": r.agenda_index,
                "title": r.title,
                "text": r.text,
                "at": r.at,
            }
            for r in state.resolutions
        ],
        "key_points": [
            {
                "key_point_id": k.key_point_id,
                "agenda_index": k.agenda_index,
                "text": k.text,
                "caption_seq": k.caption_seq,
                "at": k.at,
            }
            for k in state.key_points
        ],
        "minutes": _minutes(state),
    }
    if viewer is not None:
        view["you"] = _you(state, viewer)
    return view


def _role(state: MeetingState, participant_id: str) -> str | None:
    person = state.participants.get(participant_id)
    return person.role.value if person is not None else None


def _floor(
    floor: Floor | None, state: MeetingState, names: dict[str, str], now: float
) -> dict[str, Any] | None:
    if floor is None:
        return None
    left = remaining(state, now)
    return {
        "turn_id": floor.turn_id,
        "participant_id": floor.participant_id,
        "name": names.get(floor.participant_id, floor.participant_id),
        "role": _role(state, floor.participant_id),
        # The badge beside the name (旁听 listeners may be given the floor when the moderator allows it).
        "listener": floor.participant_id in state.participants
        and state.participants[floor.participant_id].listener,
        "channel": floor.channel.value,
        "agenda_index": floor.agenda_index,
        "round": floor.round,
        "granted_at": floor.granted_at,
        "clock": {
            "started": floor.started,
            "running": floor.running_since is not None,
            "remaining_s": round(left, 3) if left is not None else None,
            "limit_s": floor.limit_s,
            "warned": floor.warned,
        },
    }


def _motion(m: Motion, state: MeetingState, names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "motion_id": m.motion_id,
        "agenda_index": m.agenda_index,
        "title": m.title,
        "text": m.text,
        "mover": m.mover,
        "mover_name": names.get(m.mover, m.mover),
        # Set when the recorder entered the move (the second) for an in-room resident: who entered it.
        "entered_by": m.entered_by,
        "seconder": m.seconder,
        "seconder_name": names.get(m.seconder, m.seconder) if m.seconder is not None else None,
        "second_entered_by": m.second_entered_by,
        "status": m.status.value,
        "parent_id": m.parent_id,
    }
    if m.parent_id is None:
        out["amendments"] = [_motion(a, state, names) for a in state.amendments_of(m.motion_id)]
    return out


def _vote(poll: Poll, state: MeetingState) -> dict[str, Any]:
    motion = state.motions.get(poll.motion_id)
    out: dict[str, Any] = {
        "motion_id": poll.motion_id,
        "title": motion.title if motion is not None else "",
        "secret": poll.secret,
        "threshold": poll.threshold.value,
        "present": poll.present,
        "quorum_min": poll.quorum_min,
        "eligible_online": len(poll.eligible_online),
        "room_present": poll.room_present,
        "ballots_cast": poll.ballots_cast,
        "opened_at": poll.opened_at,
        # A named vote's hall count is public (a show of hands); a secret vote's (paper ballots) is not
        # shown to anyone: with the totals it would give the online choices away.
        "room": to_payload(poll.room) if poll.room is not None and not poll.secret else None,
        "room_entered": poll.room_entered,
        # A secret vote with a hall part and very few online voters: their page tells them, above the
        # buttons, before they cast (a warning, not a refusal: the ballot is theirs to cast).
        "secrecy_at_risk": poll.secrecy_at_risk,
        # The voting rule (core.vote_rules) and its wording; under a per-person rule the recorder enters
        # each in-room voter's ballot (how many may be entered; the view names no voter of any vote).
        "rule": to_payload(poll.rule),
        "rule_text": rule_label(poll.rule),
        "scope_text": scope_label(poll.rule),  # pages: 「本次表决仅限…参加」
        "per_person": poll.rule.per_person,
        "room_eligible": len(poll.eligible_room),
        "heads_in_scope": poll.heads_in_scope,
        "quorum_basis": poll.quorum_basis,
    }
    # Running counts (and who voted what) only for a named vote in a meeting that shows them; otherwise
    # how many ballots were cast, and the totals at close (``results``).
    out["running_counts"] = not poll.secret and state.settings.show_running_counts
    if out["running_counts"]:
        out["online"] = to_payload(poll.online_counts())
        if poll.rule.per_person:  # the hall's ballots, entered one by one (a named vote: shown like these)
            out["room"] = to_payload(poll.room_ballot_counts())
        out["voters"] = [{"participant_id": pid, "choice": c.value} for pid, c in poll.ballots.items()]
    return out


def _vote_scopes(state: MeetingState) -> dict[str, Any] | None:
    """What the moderator may scope a vote to: the roster's buildings and units (no person, no room)."""
    if not state.has_roster:
        return None
    units: dict[str, set[str]] = {}
    for e in state.electors.values():
        if e.building:
            units.setdefault(e.building, set()).update([e.unit] if e.unit else [])
    return {
        "buildings": [{"building": b, "units": sorted(u)} for b, u in sorted(units.items())],
        "delegates": any(DELEGATES_GROUP in e.groups for e in state.electors.values()),
    }


def _result(r: VoteClosed) -> dict[str, Any]:
    """A closed vote with the rule applied in words (logs from before voting rules have none) and the
    ballots cast by channel."""
    out = to_payload(r)
    # A secret vote shows its choices only as totals, even where an old log kept the split.
    choices = r.channel_choices()
    out["counts"] = to_payload(choices) if choices is not None else None
    out["ballots"] = to_payload(r.ballots_by_channel())
    if r.rule is not None and r.sums is not None:
        out["rule_text"] = result_text(r.rule, r.sums, r.passed)
    return out


def _out_of_scope(state: MeetingState, poll: Poll | None, pid: str) -> str | None:
    if poll is None or not poll.rule.per_person or pid in poll.eligible:
        return None
    me = state.participants.get(pid)
    if me is None or not me.is_voter:
        return None
    elector = state.electors.get(me.person_id) if me.person_id is not None else None
    if elector is not None and in_scope(poll.rule, elector):
        return None
    return f"本次表决仅限{scope_label(poll.rule)}参加"


def _you(state: MeetingState, viewer: Actor) -> dict[str, Any]:
    pid = viewer.participant_id
    me = state.participants.get(pid)
    position = state.queue.index(pid) + 1 if pid in state.queue else None
    poll = state.vote
    return {
        "participant_id": pid,
        "role": viewer.role.value,
        "present": me.present if me is not None else False,
        "listener": me.listener if me is not None else False,
        "in_queue": position is not None,
        "position": position,
        "turns_this_round": state.turns_taken(pid),
        "has_floor": state.floor is not None and state.floor.participant_id == pid,
        "may_vote": poll is not None and pid in poll.eligible_online and pid not in poll.ballots,
        # Why not, in the participant's words: outside the vote's scope (「本次表决仅限…」).
        "out_of_scope": _out_of_scope(state, poll, pid),
        "has_voted": poll is not None and pid in poll.ballots,
    }


def _minutes(state: MeetingState) -> dict[str, object] | None:
    """The minutes' standing for the public view (the text itself is fetched over HTTP)."""
    m = state.minutes
    if m is None:
        return None
    return {
        "version": m.version,
        "status": "published" if m.published else ("edited" if m.edits else "draft"),
        "edits": m.edits,
        "basis_seq": m.basis_seq,
        "basis_hash": m.basis_hash,
        "sections": [{"section_id": s.section_id, "title": s.title} for s in m.sections],
        "published_hash": m.published_hash,
        "published_at": m.published_at,
        "publicity_until": m.publicity_until,
        "eligible": state.eligible_residents(),
        "objection_percent": state.settings.objection_percent,
        "objections": {rid: len(objs) for rid, objs in m.objections.items()},
        "flagged": list(m.flagged),
        # 公示 (core.publicity): each resolution's base (its vote's roster scope) and outcome once decided.
        "roster": state.has_roster,
        "bases": {r.resolution_id: publicity.base(state, r) for r in state.resolutions},
        "decided": dict(m.decided),
    }
