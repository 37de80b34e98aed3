"""The street directory's rules: who may do what, the first admin, accounts and their epochs."""

from __future__ import annotations

import pytest

from meeting_server.community.commands import (
    CreateAccount,
    CreateCommunity,
    DisableAccount,
    EnableAccount,
    SetPassword,
)
from meeting_server.community.execution_rules import PERMISSIONS as EXECUTION_PERMISSIONS
from meeting_server.community.permissions import PERMISSIONS
from meeting_server.community.registry import COMMUNITY
from meeting_server.community.roles import StaffActor, StaffRole
from meeting_server.community.state import StreetState
from meeting_server.community.street_rules import decide_street
from meeting_server.community.topics_rules import PERMISSIONS as TOPIC_PERMISSIONS
from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.registry import MEETING, Command

from .fixtures import ADMIN, HASH, NOW, STAFF_A, STAFF_B, SYSTEM, street, street_do

NEW_STAFF = CreateAccount("newone", "qian", "钱社工", StaffRole.STAFF, "comma", HASH)

# Written out by hand, apart from permissions.PERMISSIONS: (command, role) -> allowed on a fresh street.
STREET_COMMANDS: dict[str, Command] = {
    "CreateCommunity": CreateCommunity("commc", "和平里"),
    "CreateAccount": NEW_STAFF,
    "DisableAccount": DisableAccount("staffb"),
    "EnableAccount": EnableAccount("staffb"),
    "SetPassword": SetPassword("staffa", HASH),
}
EXPECTED = {
    ("CreateCommunity", StaffRole.STREET_ADMIN): True,
    ("CreateCommunity", StaffRole.STAFF): False,
    ("CreateCommunity", StaffRole.SYSTEM): False,
    ("CreateAccount", StaffRole.STREET_ADMIN): True,
    ("CreateAccount", StaffRole.STAFF): False,
    ("CreateAccount", StaffRole.SYSTEM): False,  # an admin exists: the admin token no longer creates accounts
    ("DisableAccount", StaffRole.STREET_ADMIN): True,
    ("DisableAccount", StaffRole.STAFF): False,
    ("DisableAccount", StaffRole.SYSTEM): False,
    ("EnableAccount", StaffRole.STREET_ADMIN): True,  # (refused as wrong_state: it is enabled — see below)
    ("EnableAccount", StaffRole.STAFF): False,
    ("EnableAccount", StaffRole.SYSTEM): False,
    ("SetPassword", StaffRole.STREET_ADMIN): True,
    ("SetPassword", StaffRole.STAFF): True,  # staffa sets their own
    ("SetPassword", StaffRole.SYSTEM): False,
}
ACTORS = {StaffRole.STREET_ADMIN: ADMIN, StaffRole.STAFF: STAFF_A, StaffRole.SYSTEM: SYSTEM}


def test_the_registry_keeps_community_commands_apart_from_the_meetings() -> None:
    assert set(STREET_COMMANDS) <= set(COMMUNITY.commands)
    assert not set(COMMUNITY.commands) & set(MEETING.commands)
    assert not set(COMMUNITY.events) & set(MEETING.events)
    # Every community command has one permission table: the staff's, the topics' (residents too), or
    # the execution records' (supervision group members too).
    tables = [set(PERMISSIONS), set(TOPIC_PERMISSIONS), set(EXECUTION_PERMISSIONS)]
    assert sum(len(t) for t in tables) == len(set.union(*tables))
    assert set.union(*tables) == set(COMMUNITY.commands.values())
    with pytest.raises(DomainError):
        MEETING.parse_command({"type": "CreateCommunity", "community_id": "x", "title": "y"})


@pytest.mark.parametrize(("command", "role"), sorted(EXPECTED, key=str), ids=lambda x: str(x))
def test_role_command_matrix(command: str, role: StaffRole) -> None:
    state = street()
    try:
        decide_street(state, ACTORS[role], STREET_COMMANDS[command], NOW)
        allowed = True
    except DomainError as e:
        allowed = e.code is not ErrorCode.FORBIDDEN
    assert allowed is EXPECTED[(command, role)]


def test_first_admin_only_through_the_admin_token_and_only_once() -> None:
    first = CreateAccount("admin1", "Wang ", "王主任", StaffRole.STREET_ADMIN, None, HASH)
    with pytest.raises(DomainError) as e:
        decide_street(
            StreetState(), SYSTEM, CreateAccount("s1", "li", "李", StaffRole.STAFF, "comma", HASH), NOW
        )
    assert e.value.code is ErrorCode.FORBIDDEN
    s = street_do(StreetState(), SYSTEM, first)
    assert s.has_admin and s.accounts["admin1"].username == "wang"  # kept normalised
    with pytest.raises(DomainError) as e:
        decide_street(
            s, SYSTEM, CreateAccount("admin2", "zhou", "周", StaffRole.STREET_ADMIN, None, HASH), NOW
        )
    assert e.value.code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (CreateCommunity("comma", "别的名字"), ErrorCode.DUPLICATE),
        (CreateCommunity("commc", " 阳光新城 "), ErrorCode.DUPLICATE),
        (CreateCommunity("C-1", "和平里"), ErrorCode.INVALID),
        (CreateCommunity("commc", "  "), ErrorCode.INVALID),
        (CreateCommunity("commc", "和平\u202e里"), ErrorCode.INVALID),
        (CreateAccount("newone", "LI", "李二", StaffRole.STAFF, "comma", HASH), ErrorCode.DUPLICATE),
        (CreateAccount("staffa", "qian", "钱", StaffRole.STAFF, "comma", HASH), ErrorCode.DUPLICATE),
        (CreateAccount("newone", "q", "钱", StaffRole.STAFF, "comma", HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian qian", "钱", StaffRole.STAFF, "comma", HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian", "钱", StaffRole.STAFF, None, HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian", "钱", StaffRole.STAFF, "nosuch", HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian", "钱", StaffRole.STREET_ADMIN, "comma", HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian", "钱", StaffRole.SYSTEM, None, HASH), ErrorCode.INVALID),
        (CreateAccount("newone", "qian", "钱", StaffRole.STAFF, "comma", "secret123"), ErrorCode.INVALID),
        (DisableAccount("admin1"), ErrorCode.WRONG_STATE),  # not oneself
        (DisableAccount("nosuch"), ErrorCode.NOT_FOUND),
        (EnableAccount("staffa"), ErrorCode.WRONG_STATE),
        (SetPassword("staffa", "plain text"), ErrorCode.INVALID),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, Command) else str(x),
)
def test_refusals(command: Command, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as e:
        decide_street(street(), ADMIN, command, NOW)
    assert e.value.code is code, e.value.message


def test_staff_change_only_their_own_password() -> None:
    s = street_do(street(), STAFF_A, SetPassword("staffa", HASH + "x"))
    assert s.accounts["staffa"].password_hash == HASH + "x"
    with pytest.raises(DomainError) as e:
        decide_street(s, STAFF_A, SetPassword("staffb", HASH), NOW)
    assert e.value.code is ErrorCode.FORBIDDEN


def test_disable_and_new_password_move_the_epoch_so_old_sessions_end() -> None:
    s = street()
    assert s.accounts["staffb"].epoch == 0
    s = street_do(s, ADMIN, DisableAccount("staffb"))
    assert not s.accounts["staffb"].enabled and s.accounts["staffb"].epoch == 1
    # A disabled account can do nothing, even with a session the edge let through.
    with pytest.raises(DomainError) as e:
        decide_street(s, STAFF_B, SetPassword("staffb", HASH), NOW)
    assert e.value.code is ErrorCode.FORBIDDEN
    s = street_do(s, ADMIN, EnableAccount("staffb"))
    assert s.accounts["staffb"].enabled and s.accounts["staffb"].epoch == 1  # the old sessions stay ended
    s = street_do(s, ADMIN, SetPassword("staffb", HASH + "y"))
    assert s.accounts["staffb"].epoch == 2


def test_an_unknown_actor_is_refused() -> None:
    ghost = StaffActor("ghost", StaffRole.STREET_ADMIN)
    with pytest.raises(DomainError) as e:
        decide_street(street(), ghost, CreateCommunity("commc", "和平里"), NOW)
    assert e.value.code is ErrorCode.FORBIDDEN
