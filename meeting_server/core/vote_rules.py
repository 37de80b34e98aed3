"""Voting rules as practised: who may vote on a motion, what counts as present, and what carries it.

A ``VoteRule`` travels in ``OpenVote`` (an old client's bare ``threshold`` becomes ``VoteRule(threshold=…)``)
and is kept in ``VoteOpened``/``VoteClosed``, so the result always says which rule was applied.

Scope (who may vote; a voter outside it is refused ``not_in_scope``):
    * ``all``       — every resident of the meeting, as before (quorum from ``MeetingSettings``);
    * ``delegates`` — roster persons in the group 议事代表;
    * ``residents`` — every roster person;
    * ``building``  — roster persons of one building (楼栋); ``unit`` — of one unit (单元) of a building.
  Only roster persons holding voting rights (``Elector.voting``) are in a roster scope. A roster scope, one
  vote per household and art. 278 need a meeting with a roster.

Quorum (checked at opening): for ``all``, the meeting's (``tally.quorum_min``); for a roster scope, the
voters in scope present at opening must be *strictly more than* ``quorum_ratio ×`` the roster members in
scope (households, with one vote per household), capped at that number. ``VoteSums.quorum_basis`` says
which was used.

Thresholds, with cast = yes + no (abstentions are not votes cast) and integer arithmetic only:
    * ``majority_cast``    — yes > cast / 2 (strictly; a tie fails);
    * ``majority_present`` — yes > present / 2 (strictly), present = voters (households) in scope present
      at opening;
    * ``two_thirds``       — yes ≥ 2/3 × cast; ``three_quarters`` — yes ≥ 3/4 × cast;
    * ``fraction`` n/d     — yes ≥ n/d × cast (1 ≤ n < d ≤ 100), so "1/2" means at least half (a tie
      passes), unlike ``majority_cast``;
  and every threshold but ``majority_present`` needs at least one yes (0 of 0 carries nothing).

One vote per household (``household``): a second ballot from the household (building, unit, room) of an
earlier one is refused ``household_voted``; heads are then households.

民法典 (2021) art. 278 (``art278`` = ``ordinary`` or ``major``), in its own words: 「业主共同决定事项，应当由
专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。决定前款第六项至第八项规定的事项，
应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意。决定前款其他事项，应当经
参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。」 Items 6–8 (major) are 筹集建筑物及其附属
设施的维修资金, 改建、重建建筑物及其附属设施, 改变共有部分的用途或者利用共有部分从事经营活动; item 5 (使用维修
资金) is ordinary since 2021. 以上 includes the number itself (art. 1259), 过半数 does not. So, over the
households in scope (one 专有部分 counts as one owner: 建筑物区分所有权解释 art. 9, so art. 278 implies one
vote per household) with P = participating households (a ballot of any choice) and A = their area:
    * participation: 3·P ≥ 2·households in scope AND 3·A ≥ 2·area in scope;
    * major:    4·yes ≥ 3·P AND 4·yes area ≥ 3·A;
    * ordinary: 2·yes > P AND 2·yes area > A.
  Areas are summed in 0.01 m² (integers). A household in scope without an area refuses the opening
  (``area_unknown``, naming the households). At opening, the households present must be able to meet the
  participation requirement (else ``no_quorum``).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import field
from fractions import Fraction

from .electorate import Elector, HouseholdKey
from .payload import max_len
from .values import Choice, Counts, Threshold

DELEGATES_GROUP = "议事代表"


class Scope(enum.StrEnum):
    ALL = "all"
    DELEGATES = "delegates"
    RESIDENTS = "residents"
    BUILDING = "building"
    UNIT = "unit"


class Art278(enum.StrEnum):
    NONE = "none"
    ORDINARY = "ordinary"  # 双过半
    MAJOR = "major"  # 双四分之三 (items 6–8)


@dataclasses.dataclass(frozen=True, slots=True)
class VoteRule:
    scope: Scope = Scope.ALL
    building: str = field(default="", metadata=max_len(20))
    unit: str = field(default="", metadata=max_len(20))
    threshold: Threshold = Threshold.MAJORITY_CAST
    numerator: int = 0  # ``threshold`` = fraction only
    denominator: int = 0
    household: bool = False
    art278: Art278 = Art278.NONE

    @property
    def per_household(self) -> bool:
        return self.household or self.art278 is not Art278.NONE

    @property
    def per_person(self) -> bool:
        """Ballots are counted one by one, the hall's entered by the recorder (no show of hands): the rule
        needs to know who voted."""
        return self.scope is not Scope.ALL or self.per_household


@dataclasses.dataclass(frozen=True, slots=True)
class VoteSums:
    """What a closed vote was measured against (areas in 0.01 m²; zero when the rule has no area)."""

    quorum_basis: str  # "meeting" (应到人数) or "scope" (the roster members in scope)
    heads_in_scope: int  # persons or households in scope (0 for scope all)
    heads_present: int  # at opening
    heads_voted: int  # ballots of any choice
    heads_yes: int
    area_in_scope: int = 0
    area_voted: int = 0
    area_yes: int = 0
    participation_met: bool | None = None  # art. 278 only


def rule_problem(rule: VoteRule) -> str | None:
    """Why ``rule`` is malformed (Chinese), or None."""
    if rule.threshold is Threshold.FRACTION:
        n, d = rule.numerator, rule.denominator
        if not (1 <= n < d <= 100):
            return "自定义比例须为 n/d，1 ≤ n < d ≤ 100"
    if rule.scope is Scope.BUILDING and not rule.building:
        return "请指定楼栋"
    if rule.scope is Scope.UNIT and not (rule.building and rule.unit):
        return "请指定楼栋和单元"
    return None


def in_scope(rule: VoteRule, e: Elector) -> bool:
    if not e.voting:
        return False
    match rule.scope:
        case Scope.ALL | Scope.RESIDENTS:
            return True
        case Scope.DELEGATES:
            return DELEGATES_GROUP in e.groups
        case Scope.BUILDING:
            return e.building == rule.building
        case Scope.UNIT:
            return e.building == rule.building and e.unit == rule.unit


def area_cm2(e: Elector) -> int | None:
    return None if e.area_m2 is None else round(e.area_m2 * 100)


def household_areas(electors: Iterable[Elector]) -> dict[HouseholdKey, int | None]:
    """Each household's area (the roster gives it per person; the first known one is the household's)."""
    out: dict[HouseholdKey, int | None] = {}
    for e in electors:
        a = area_cm2(e)
        if out.get(e.household) is None:
            out[e.household] = a
    return out


def scoped_quorum(ratio: float, base: int) -> int:
    """Strictly more than ``ratio × base``, capped at ``base`` (as ``tally.quorum_min``)."""
    r = Fraction(ratio).limit_denominator(1000)
    return max(1, min(base, math.floor(r * base) + 1))


def art278_quorum_possible(households: int, area: int, present: int, present_area: int) -> bool:
    return 3 * present >= 2 * households and 3 * present_area >= 2 * area


def threshold_passes(rule: VoteRule, totals: Counts, present: int) -> bool:
    yes, cast = totals.yes, totals.yes + totals.no
    match rule.threshold:
        case Threshold.MAJORITY_CAST:
            return 2 * yes > cast
        case Threshold.MAJORITY_PRESENT:
            return 2 * yes > present
        case Threshold.TWO_THIRDS:
            return yes > 0 and 3 * yes >= 2 * cast
        case Threshold.THREE_QUARTERS:
            return yes > 0 and 4 * yes >= 3 * cast
        case Threshold.FRACTION:
            return yes > 0 and rule.denominator * yes >= rule.numerator * cast


def art278_result(rule: VoteRule, sums: VoteSums) -> tuple[bool, bool]:
    """(participation met, carried) under art. 278 for ``sums``."""
    participation = (
        3 * sums.heads_voted >= 2 * sums.heads_in_scope and 3 * sums.area_voted >= 2 * sums.area_in_scope
    )
    if rule.art278 is Art278.MAJOR:
        agreed = 4 * sums.heads_yes >= 3 * sums.heads_voted and 4 * sums.area_yes >= 3 * sums.area_voted
    else:
        agreed = 2 * sums.heads_yes > sums.heads_voted and 2 * sums.area_yes > sums.area_voted
    return participation, participation and agreed and sums.heads_yes > 0


def ballot_sums(
    ballots: Mapping[str, Choice],
    households: Mapping[str, HouseholdKey],
    areas: Mapping[HouseholdKey, int | None],
) -> tuple[int, int, int, int]:
    """(heads voted, heads yes, area voted, area yes) of per-person ballots keyed by participant id."""
    voted = yes = area_voted = area_yes = 0
    for pid, choice in ballots.items():
        area = areas.get(households[pid], None) if pid in households else None
        voted += 1
        area_voted += area or 0
        if choice is Choice.YES:
            yes += 1
            area_yes += area or 0
    return voted, yes, area_voted, area_yes


# ---------------------------------------------------------------- Chinese text


def _building(b: str) -> str:
    return b if b.endswith(("栋", "楼", "幢", "座")) else f"{b}栋"


def _unit(u: str) -> str:
    return u if u.endswith("单元") else f"{u}单元"


def scope_label(rule: VoteRule) -> str:
    match rule.scope:
        case Scope.ALL:
            return "全体到会居民"
        case Scope.DELEGATES:
            return "议事代表"
        case Scope.RESIDENTS:
            return "名册上的居民"
        case Scope.BUILDING:
            return f"{_building(rule.building)}住户"
        case Scope.UNIT:
            return f"{_building(rule.building)}{_unit(rule.unit)}住户"


def threshold_label(rule: VoteRule) -> str:
    match rule.threshold:
        case Threshold.MAJORITY_CAST:
            return "赞成票过投票数的半数"
        case Threshold.MAJORITY_PRESENT:
            return "赞成票过到会人数的半数"
        case Threshold.TWO_THIRDS:
            return "赞成票达投票数的三分之二以上"
        case Threshold.THREE_QUARTERS:
            return "赞成票达投票数的四分之三以上"
        case Threshold.FRACTION:
            return f"赞成票达投票数的 {rule.numerator}/{rule.denominator} 以上"


def rule_label(rule: VoteRule) -> str:
    """The rule in one Chinese sentence, as the pages show it before the vote."""
    if rule.art278 is Art278.MAJOR:
        head = "按《民法典》第278条（重大事项）：双三分之二参与、双四分之三同意"
    elif rule.art278 is Art278.ORDINARY:
        head = "按《民法典》第278条双过半：双三分之二参与、参与表决面积与户数均过半同意"
    else:
        head = threshold_label(rule)
    household = "，每户一票" if rule.household and rule.art278 is Art278.NONE else ""
    return f"表决范围：{scope_label(rule)}{household}；通过标准：{head}"


def _m2(cm2: int) -> str:
    return f"{cm2 / 100:.2f} m²"


def result_text(rule: VoteRule, sums: VoteSums, passed: bool) -> str:
    """The closed vote's rule and sums in Chinese, for the view and the minutes."""
    unit = "户" if rule.per_household else "人"
    parts = [rule_label(rule)]
    if sums.quorum_basis == "scope":
        parts.append(
            f"{scope_label(rule)}共 {sums.heads_in_scope} {unit}，开始表决时到会 {sums.heads_present} {unit}"
        )
    else:
        parts.append(f"开始表决时到会 {sums.heads_present} {unit}（法定人数按本次会议应到人数计）")
    parts.append(f"投票 {sums.heads_voted} {unit}，赞成 {sums.heads_yes} {unit}")
    if rule.art278 is not Art278.NONE:
        parts.append(
            f"专有部分面积：范围内 {_m2(sums.area_in_scope)}，参与表决 {_m2(sums.area_voted)}，"
            f"赞成 {_m2(sums.area_yes)}；参与表决要求{'已' if sums.participation_met else '未'}达到"
        )
    parts.append("结果：通过" if passed else "结果：未通过")
    return "；".join(parts)


__all__ = [
    "DELEGATES_GROUP",
    "Art278",
    "Scope",
    "VoteRule",
    "VoteSums",
    "art278_result",
    "in_scope",
    "result_text",
    "rule_label",
    "rule_problem",
    "scope_label",
    "threshold_passes",
]
