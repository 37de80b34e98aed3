"""A topic's heat (热度, 0–10): supporters, recency and the 民生 weight, with the parts a page shows.

Pure: the topic's age comes in as an argument. ``heat(12, 2.0, "噪音油烟")`` is
``(8.5, ("附议 12 人 +5.6", "近 3 天 +1.5", "民生类 ×1.2"))``.

Self-declared supporters (a name and building typed on the community's shared topics link: nobody can
tell who typed them, and one person may type many) count at most ``TYPED_COUNTED`` in all; supporters on
their own (personal) links count fully. The explanation says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

# 民生 (daily-life) categories weigh more; the others 1.
MINSHENG_WEIGHTS: Mapping[str, float] = {
    "停车交通": 1.2,
    "环境卫生": 1.2,
    "养老托幼": 1.2,
    "安全消防": 1.2,
    "噪音油烟": 1.2,
}
SUPPORT_CAP = 7.0  # supporters alone reach at most this; recency and weight make up the rest
# (at most this many days old, points, how the page says it), newest first
RECENCY = ((3.0, 1.5, "近 3 天"), (7.0, 1.0, "近 7 天"), (30.0, 0.5, "近 30 天"))
MAX_HEAT = 10.0
TYPED_COUNTED = 3  # self-declared supporters counted at most, however many names were typed
ESCALATE_AT = 8.0  # a topic this hot is proposed for escalation to the next level


def support_points(supports: int) -> float:
    """1.5 × log2(1 + supporters), capped: the first supporters count most (12 → 5.6, 100 → 7)."""
    return min(SUPPORT_CAP, 1.5 * math.log2(1 + max(0, supports)))


def counted_supports(supports: int, typed: int = 0) -> int:
    """The supporters heat counts: every one on their own link, self-declared ones up to
    ``TYPED_COUNTED``."""
    typed = min(max(0, typed), max(0, supports))
    return max(0, supports) - typed + min(typed, TYPED_COUNTED)


def heat(
    supports: int,
    age_days: float,
    category: str,
    weights: Mapping[str, float] = MINSHENG_WEIGHTS,
    typed: int = 0,
) -> tuple[float, tuple[str, ...]]:
    """The heat (0–10, one decimal) of a topic with ``supports`` supporters (附议, the author included or
    not as the caller counts), ``typed`` of them self-declared, last active ``age_days`` ago, and the parts
    that explain it, in Chinese."""
    points = support_points(counted_supports(supports, typed))
    said = f"附议 {max(0, supports)} 人"
    if typed > TYPED_COUNTED:
        said += f"（其中 {typed} 人为自报身份，自报身份最多计 {TYPED_COUNTED} 人）"
    elif typed > 0:
        said += f"（其中 {typed} 人为自报身份）"
    parts = [f"{said} +{points:.1f}"]
    for days, bonus, label in RECENCY:
        if age_days <= days:
            points += bonus
            parts.append(f"{label} +{bonus:.1f}")
            break
    weight = weights.get(category, 1.0)
    if weight != 1.0:
        points *= weight
        parts.append(f"民生类 ×{weight:g}")
    if points > MAX_HEAT:
        parts.append(f"封顶 {MAX_HEAT:g}")
    return round(min(MAX_HEAT, points), 1), tuple(parts)
