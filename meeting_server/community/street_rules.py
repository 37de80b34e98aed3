"""The street directory's rules: communities and staff accounts.

``decide_street`` turns a command into events or refuses it; ``evolve_street`` folds an event. Accounts
are never deleted (the log says who did what): a leaver's account is disabled, and every session it
signed stops at once because disabling (and a new password) raises the account's epoch.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import assert_never

from meeting_server.core.errors import ErrorCode
from meeting_server.core.guards import fail
from meeting_server.core.names import clean_name
from meeting_server.core.registry import Command, Event

from .commands import (
    AnyStreetCommand,
    CreateAccount,
    CreateCommunity,
    DisableAccount,
    EnableAccount,
    SetPassword,
)
from .events import (
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    AnyStreetEvent,
    CommunityCreated,
    PasswordSet,
)
from .guards import check_id, check_permission, clean_line
from .roles import ACCOUNT_ROLES, StaffActor, StaffRole
from .state import Account, Community, StreetState
from .values import NAME_LEN

USERNAME_MIN, USERNAME_MAX = 2, 32
# What the edge's hasher writes. Checking the prefix keeps a plaintext password out of the log for good.
HASH_PREFIX = "$argon2id$"


def decide_street(state: StreetState, actor: StaffActor, command: Command, now: float) -> list[Event]:
    """The events ``command`` from ``actor`` causes; DomainError if refused."""
    check_permission(actor, command)
    if actor.role is not StaffRole.SYSTEM:
        me = state.accounts.get(actor.account_id)
        if me is None or not me.enabled:
            fail(ErrorCode.FORBIDDEN, "账号已停用或不存在")
    if not isinstance(command, AnyStreetCommand):
        fail(ErrorCode.INVALID, f"{type(command).__name__} is not a street command")
    match command:
        case CreateCommunity():
            return _create_community(state, command, now)
        case CreateAccount():
            return _create_account(state, actor, command, now)
        case DisableAccount():
            return _disable(state, actor, command, now)
        case EnableAccount():
            account = _account(state, command.account_id)
            if account.enabled:
                fail(ErrorCode.WRONG_STATE, "该账号未被停用")
            return [AccountEnabled(account.account_id, now)]
        case SetPassword():
            account = _account(state, command.account_id)
            if actor.role is StaffRole.STAFF and actor.account_id != account.account_id:
                fail(ErrorCode.FORBIDDEN, "只能修改自己的密码")
            return [PasswordSet(account.account_id, _hash(command.password_hash), now)]
        case _:
            assert_never(command)


def normal_username(value: str) -> str:
    """How a username is kept and looked up: NFKC, lower case, letters, digits and ``._-``."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def _username(state: StreetState, value: str) -> str:
    name = normal_username(value)
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX or not all(ch.isalnum() or ch in "._-" for ch in name):
        fail(ErrorCode.INVALID, f"登录名应为{USERNAME_MIN}–{USERNAME_MAX}位字母、数字或 . _ -")
    if state.account_named(name) is not None:
        fail(ErrorCode.DUPLICATE, f"登录名「{name}」已被使用")
    return name


def _hash(value: str) -> str:
    if not value.startswith(HASH_PREFIX):
        fail(ErrorCode.INVALID, "password_hash must be an argon2id hash")
    return value


def _account(state: StreetState, account_id: str) -> Account:
    account = state.accounts.get(account_id)
    if account is None:
        fail(ErrorCode.NOT_FOUND, "没有这个账号")
    return account


def _create_community(state: StreetState, cmd: CreateCommunity, now: float) -> list[Event]:
    cid = check_id(cmd.community_id, "社区编号")
    if cid in state.communities:
        fail(ErrorCode.DUPLICATE, "社区编号已存在")
    title = clean_line(cmd.title, "社区名称", NAME_LEN)
    if any(c.title == title for c in state.communities.values()):
        fail(ErrorCode.DUPLICATE, f"已有名为「{title}」的社区")
    return [CommunityCreated(cid, title, now)]


def _create_account(state: StreetState, actor: StaffActor, cmd: CreateAccount, now: float) -> list[Event]:
    if actor.role is StaffRole.SYSTEM and (state.has_admin or cmd.role is not StaffRole.STREET_ADMIN):
        fail(ErrorCode.FORBIDDEN, "管理员口令只能用于创建第一个街道管理员账号")
    aid = check_id(cmd.account_id, "账号编号")
    if aid in state.accounts:
        fail(ErrorCode.DUPLICATE, "账号编号已存在")
    if cmd.role not in ACCOUNT_ROLES:
        fail(ErrorCode.INVALID, "未知的账号角色")
    community_id = cmd.community_id
    if cmd.role is StaffRole.STAFF:
        if community_id is None or community_id not in state.communities:
            fail(ErrorCode.INVALID, "社工账号必须属于一个已建立的社区")
    elif community_id is not None:
        fail(ErrorCode.INVALID, "街道管理员账号不属于某个社区")
    return [
        AccountCreated(
            account_id=aid,
            username=_username(state, cmd.username),
            # Staff are officials: a title in their name is allowed, invisible characters are not.
            display_name=clean_name(cmd.display_name, may_use_titles=True, limit=NAME_LEN),
            role=cmd.role,
            community_id=community_id,
            password_hash=_hash(cmd.password_hash),
            at=now,
        )
    ]


def _disable(state: StreetState, actor: StaffActor, cmd: DisableAccount, now: float) -> list[Event]:
    account = _account(state, cmd.account_id)
    if account.account_id == actor.account_id:
        fail(ErrorCode.WRONG_STATE, "不能停用自己的账号")  # the street would lose its last admin
    if not account.enabled:
        fail(ErrorCode.WRONG_STATE, "该账号已停用")
    return [AccountDisabled(account.account_id, now)]


def evolve_street(state: StreetState, event: Event) -> StreetState:
    """``state`` after ``event`` (the first event finds an empty ``StreetState()``)."""
    if not isinstance(event, AnyStreetEvent):
        raise ValueError(f"{type(event).__name__} is not a street event")
    match event:
        case CommunityCreated():
            community = Community(event.community_id, event.title, event.at)
            return dataclasses.replace(
                state, communities={**state.communities, event.community_id: community}
            )
        case AccountCreated():
            account = Account(
                event.account_id,
                event.username,
                event.display_name,
                event.role,
                event.community_id,
                event.password_hash,
                event.at,
            )
            return _with(state, account)
        case AccountDisabled():
            old = state.accounts[event.account_id]
            return _with(state, dataclasses.replace(old, enabled=False, epoch=old.epoch + 1))
        case AccountEnabled():
            return _with(state, dataclasses.replace(state.accounts[event.account_id], enabled=True))
        case PasswordSet():
            old = state.accounts[event.account_id]
            return _with(
                state, dataclasses.replace(old, password_hash=event.password_hash, epoch=old.epoch + 1)
            )
        case _:
            assert_never(event)


def _with(state: StreetState, account: Account) -> StreetState:
    return dataclasses.replace(state, accounts={**state.accounts, account.account_id: account})
