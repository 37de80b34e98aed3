"""Handlers for connection presence and 旁听 (see ``core.presence`` for the rules they carry out), and the
fold of their events."""

from __future__ import annotations

import dataclasses
from typing import assert_never

from .errors import ErrorCode
from .guards import fail, require_known, require_not_closed
from .presence import (
    AllowListenersToSpeak,
    ListenersSpeakingAllowed,
    MarkConnected,
    MarkDisconnected,
    ParticipantDisconnected,
    ParticipantReconnected,
    PresenceEvent,
    name_key,
)
from .registry import Event
from .roles import Actor, Role
from .state import MeetingState, Participant
from .values import Channel


def _online(state: MeetingState, participant_id: str) -> Participant:
    require_not_closed(state)
    person = require_known(state, participant_id)
    if person.channel is not Channel.ONLINE:
        fail(ErrorCode.INVALID, f"{person.name} is in the hall; the recorder checks them out")
    if not person.present:
        fail(ErrorCode.NOT_PRESENT, f"{person.name} has left the meeting")
    return person


def mark_disconnected(state: MeetingState, actor: Actor, cmd: MarkDisconnected, now: float) -> list[Event]:
    person = _online(state, cmd.participant_id)
    if not person.connected:
        fail(ErrorCode.DUPLICATE, f"{person.name} is already marked disconnected")
    if person.connection != cmd.connection:
        # They came back (here or through another server process) after the drop the server saw.
        fail(ErrorCode.WRONG_STATE, f"{person.name} has reconnected since (connection {person.connection})")
    return [ParticipantDisconnected(person.participant_id, person.connection, now)]


def mark_connected(state: MeetingState, actor: Actor, cmd: MarkConnected, now: float) -> list[Event]:
    # Also for someone still marked connected: in scale-out a process that did not have them says so,
    # which moves the connection number on and voids a drop noticed by another process.
    person = _online(state, cmd.participant_id)
    return [ParticipantReconnected(person.participant_id, person.connection + 1, now)]


def allow_listeners_to_speak(
    state: MeetingState, actor: Actor, cmd: AllowListenersToSpeak, now: float
) -> list[Event]:
    require_not_closed(state)
    if state.listeners_may_speak == cmd.allowed:
        fail(ErrorCode.DUPLICATE, "listeners may already speak" if cmd.allowed else "listeners may not speak")
    return [ListenersSpeakingAllowed(cmd.allowed, actor.participant_id, now)]


def joins_as_listener(state: MeetingState, actor: Actor) -> bool:
    """A resident who joins (or is checked in) without a roster person in a meeting with a roster."""
    return state.has_roster and actor.person_id is None and actor.role is Role.PARTICIPANT


def refuse_same_name(state: MeetingState, participant_id: str, name: str) -> None:
    """In a meeting without a roster, one name is one resident: refuse a join with the name of a resident
    present (online or in the hall) — a rejoin from another browser would otherwise vote twice."""
    key = name_key(name)
    for p in state.participants.values():
        if p.participant_id == participant_id or not (p.present and p.is_voter) or name_key(p.name) != key:
            continue
        if p.channel is Channel.ROOM:
            fail(ErrorCode.NAME_TAKEN, f"「{p.name}」已在会场签到；如需用手机参会，请先找记录员签退")
        if p.connected:
            fail(ErrorCode.NAME_TAKEN, f"已有居民以「{p.name}」参会；同名请加上楼栋或称呼以便区分")
        fail(
            ErrorCode.NAME_TAKEN,
            f"「{p.name}」已经加入过本次会议：请用原来的手机或浏览器重新打开链接，即可以原身份继续参会",
        )


def require_may_raise_hand(state: MeetingState, person: Participant) -> None:
    if person.listener and not state.listeners_may_speak:
        fail(ErrorCode.LISTENERS_MAY_NOT_SPEAK, "旁听人员需主持人允许后才能举手发言")


def evolve_presence(state: MeetingState, ev: PresenceEvent) -> MeetingState:
    replace = dataclasses.replace
    match ev:
        case ListenersSpeakingAllowed():
            return replace(state, listeners_may_speak=ev.allowed)
        case ParticipantDisconnected():
            # Out of the queue (the place was kept through the grace period); a held floor is kept until
            # the clock or the moderator ends it.
            person = replace(state.participants[ev.participant_id], connected=False, disconnected_at=ev.at)
            queue = tuple(pid for pid in state.queue if pid != ev.participant_id)
        case ParticipantReconnected():
            person = replace(
                state.participants[ev.participant_id],
                connected=True,
                connection=ev.connection,
                disconnected_at=None,
            )
            queue = state.queue
        case _:
            assert_never(ev)
    return replace(state, participants={**state.participants, ev.participant_id: person}, queue=queue)
