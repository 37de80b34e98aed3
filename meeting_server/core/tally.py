"""Quorum and vote thresholds: the arithmetic of deciding, kept apart so it can be read and tested alone.

Quorum (checked when a vote opens):
    * ``expected_members`` set: present voters > ``quorum_ratio × expected_members`` (strictly more,
      so the default 0.5 means "more than half"), i.e. ``quorum_min = floor(ratio × expected) + 1``
      with the ratio read as the nearest fraction of denominator ≤ 1000 (0.6667 → 2/3),
      capped at ``expected_members`` so a ratio of 1 means "everyone";
    * ``expected_members`` unset: at least one present voter.
  Voters are people with the participant role, online or checked in the hall; moderator, timer and
  recorder do not vote and do not count.

Thresholds (abstentions never count as votes cast, as in Robert's Rules) and the other voting rules
(scopes, quorum from a roster scope, households, 民法典 art. 278) are defined in ``vote_rules``.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .values import Counts, MeetingSettings, Threshold
from .vote_rules import VoteRule, threshold_passes


def quorum_min(settings: MeetingSettings) -> int:
    """The fewest present voters that make a quorum under ``settings``."""
    expected = settings.expected_members
    if expected is None:
        return 1
    # Ratios are entered by people (0.5, 2/3, 0.75): read them as the nearest simple fraction, so 2/3 of 30
    # is exactly 20 (and the quorum 21), not 19.999… (and 20).
    ratio = Fraction(settings.quorum_ratio).limit_denominator(1000)
    return max(1, min(expected, math.floor(ratio * expected) + 1))


def passes(threshold: Threshold, totals: Counts, present: int) -> bool:
    """Whether ``totals`` carry the motion under ``threshold`` with ``present`` voters present (a fraction
    threshold needs its n/d: use ``vote_rules.threshold_passes`` with the whole rule)."""
    return threshold_passes(VoteRule(threshold=threshold), totals, present)
