"""The topic engine at scale: triage 10,000 synthetic topics, then similar topics while typing.

Topics are made from templates × places × problems with a fixed seed (the same 10,000 every run): a place
(12号楼, 东门, 地下车库…), one of the problems, one of its phrasings, and some everyday filler; about one in
twelve is meaningless or abusive. They are triaged in order through ``TopicEngine.add`` (the engine the
pages and ``gongzhi topics triage`` use); then, on the full index, 100 new topics are typed a character at
a time and ``similar`` is called on every prefix, as the topic page does while a resident types.

    .venv/bin/python bench/topics.py [--topics 10000] [--typed 100] [--seed 14]

Prints one JSON line: {"bench": "topics", "topics": …, "triage_s": …, "triage_ms_per_topic": …,
"add_ms_p95": …, "classify_ms_p95": …, "pair_precision": …, "peak_rss_mib": …, "similar_ms_p50": …,
"similar_ms_p95": …, …}.
Goal: similar p95 ≤ 100 ms. Pair precision/recall: the same problem at the same place is one group.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_server.topics.engine import TopicEngine

PLACES = [f"{n}号楼" for n in range(1, 41)] + [
    "东门", "南门", "西门", "北门", "后门", "地下车库", "中心花园", "小广场", "活动中心",
    "幼儿园旁边", "菜市场门口", "3单元", "物业办公室门口", "篮球场",
]  # fmt: skip
# (title, body) phrasings of each problem; {p} is the place.
PROBLEMS: list[list[tuple[str, str]]] = [
    [("{p}停车位不够", "{p}晚上找不到车位，希望增加停车位。"), ("{p}停车难", "下班回来{p}根本没地方停车。")],
    [("{p}车辆乱停", "{p}经常有车乱停，挡住通道。"), ("{p}违停严重", "{p}两边停满了车，进出困难。")],
    [("{p}充电桩太少", "{p}只有几个充电桩，电动车充不上电。"), ("{p}充电位紧张", "{p}充电口每天都抢不到。")],
    [
        ("{p}垃圾桶太臭", "{p}垃圾桶夏天臭味很重，希望多清运。"),
        ("{p}垃圾清运不及时", "{p}垃圾箱经常满出来。"),
    ],
    [("{p}狗屎没人清理", "{p}经常有狗的粪便，主人不清理。"), ("{p}宠物粪便多", "遛狗的人不捡{p}的便便。")],
    [("{p}楼道堆放杂物", "{p}楼道里堆满纸箱和旧家具。"), ("{p}杂物堆积", "{p}的楼梯间全是杂物。")],
    [("{p}路灯不亮", "{p}的路灯坏了，晚上很黑。"), ("{p}照明不足", "{p}晚上漆黑一片，请修路灯。")],
    [("{p}下水道堵塞", "{p}下水道经常堵，污水冒出来。"), ("{p}排水不畅", "{p}下水管道堵了，需要疏通。")],
    [("{p}加装电梯", "{p}没有电梯，老人上下楼困难。"), ("{p}想装电梯", "{p}的老人腿脚不好，希望加装电梯。")],
    [("{p}电梯经常故障", "{p}的电梯一周坏两次。"), ("{p}电梯老停运", "{p}电梯时常停，维修太慢。")],
    [("{p}报修没人管", "{p}水管漏水报修三天没人来。"), ("{p}维修响应慢", "{p}报修后一直没人上门。")],
    [("{p}物业费太贵", "{p}物业费涨了，服务没改善。"), ("{p}物业费涨价", "物业突然上调{p}的收费标准。")],
    [("{p}老人吃饭难", "{p}独居老人多，希望办助餐点。"), ("{p}需要老年食堂", "{p}老人做饭不方便。")],
    [("{p}孩子放学没人管", "{p}双职工家庭希望有课后托管。"), ("{p}需要托管班", "{p}的孩子放学后没人照看。")],
    [("{p}监控有死角", "{p}没有监控，电动车被偷。"), ("{p}需要装摄像头", "{p}最近有东西被盗。")],
    [("{p}灭火器过期", "{p}的灭火器早就过期了。"), ("{p}消防器材失效", "{p}的消火栓和灭火器都该换了。")],
    [("{p}高空抛物", "{p}有人往下扔东西。"), ("{p}楼上扔垃圾", "走在{p}被掉下来的瓶子吓到。")],
    [("{p}广场舞太吵", "{p}晚上广场舞音响声音太大。"), ("{p}跳舞噪音扰民", "{p}的音箱每天响到九点。")],
    [("{p}饭店油烟大", "{p}的餐馆油烟直排。"), ("{p}油烟熏人", "{p}楼下饭店没装净化器。")],
    [("{p}装修噪音", "{p}有人周末一早就电钻施工。"), ("{p}装修太吵", "{p}的装修声从早响到晚。")],
    [("{p}希望办邻里节", "{p}的邻居互不认识，建议办活动。"), ("{p}组织邻里活动", "建议{p}多搞邻里节。")],
    [("{p}通知不及时", "{p}的活动通知总是太晚。"), ("{p}活动信息发布晚", "{p}的活动当天才通知。")],
]
FILLER = ["", "希望尽快解决。", "已经反映过好几次了。", "大家都很关心。", "麻烦社区重视一下。", "谢谢！"]
JUNK = [("啊啊啊", "哈哈哈哈"), ("测试", "测试一下"), ("asdf", "qwer"), ("", ""), ("物业傻逼", "滚蛋")]


def topics(n: int, rng: random.Random) -> list[tuple[str, str, str, str | None]]:
    """(id, title, body, group): the same problem at the same place is one duplicate group."""
    out: list[tuple[str, str, str, str | None]] = []
    for i in range(n):
        group = None
        if rng.random() < 1 / 12:
            title, body = rng.choice(JUNK)
        else:
            problem, place = rng.randrange(len(PROBLEMS)), rng.choice(PLACES)
            title, body = rng.choice(PROBLEMS[problem])
            title, body = title.format(p=place), body.format(p=place) + rng.choice(FILLER)
            group = f"{problem}@{place}"
        out.append((f"s{i:05d}", title, body, group))
    return out


def pair_scores(gold: dict[str, str | None], root: dict[str, str]) -> tuple[float, float]:
    """Pair precision and recall of predicted clusters (``root``) against gold groups, by counting."""

    def pairs(counts: Counter[object]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter((root[t], g) for t, g in gold.items() if g is not None))
    predicted = pairs(Counter(root.values()))
    actual = pairs(Counter(g for g in gold.values() if g is not None))
    return both / predicted if predicted else 1.0, both / actual if actual else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--topics", type=int, default=10_000)
    ap.add_argument("--typed", type=int, default=100, help="new topics typed a character at a time")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    items = topics(args.topics, rng)
    engine = TopicEngine()
    engine.classify("预热", "")  # the lexicon is read once, before the clock starts

    add_ms: list[float] = []
    root: dict[str, str] = {}
    flagged = 0
    start = time.perf_counter()
    for topic_id, title, body, _ in items:
        t0 = time.perf_counter()
        triage = engine.add(topic_id, title, body)
        add_ms.append((time.perf_counter() - t0) * 1000)
        root[topic_id] = triage.duplicate_of or topic_id  # duplicate_of is already the root
        flagged += bool(triage.flags)
    triage_s = time.perf_counter() - start
    classify_ms: list[float] = []  # the category alone (Naive Bayes and linear model), per topic
    for _, title, body, _ in items[:2000]:
        t0 = time.perf_counter()
        engine.classify(title, body)
        classify_ms.append((time.perf_counter() - t0) * 1000)
    precision, recall = pair_scores({t: g for t, _, _, g in items}, root)

    similar_ms: list[float] = []
    for _, title, body, _ in topics(args.typed, random.Random(args.seed + 1)):
        text = title + body
        for end in range(1, len(text) + 1):
            t0 = time.perf_counter()
            engine.similar(text[:end], k=5)
            similar_ms.append((time.perf_counter() - t0) * 1000)

    def pct(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 2)

    result = {
        "bench": "topics",
        "topics": args.topics,
        "triage_s": round(triage_s, 2),
        "triage_ms_per_topic": round(triage_s * 1000 / args.topics, 2),
        "add_ms_p95": pct(add_ms, 95),
        "add_ms_max": round(max(add_ms), 1),
        "classify_ms_p50": pct(classify_ms, 50),
        "classify_ms_p95": pct(classify_ms, 95),
        "duplicates": sum(r != t for t, r in root.items()),
        "pair_precision": round(precision, 3),
        "pair_recall": round(recall, 3),
        "flagged": flagged,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "similar_calls": len(similar_ms),
        "similar_ms_p50": pct(similar_ms, 50),
        "similar_ms_p95": pct(similar_ms, 95),
        "similar_ms_max": round(max(similar_ms), 1),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
