"""Action items in Chinese speech and resolutions: who is to do what, and by when.

A sentence is an action item when it names an owner in one of the usual ways of assigning work —
"由X负责", "X负责/牵头…", "请X负责…", "交给X…", "X将在<期限>…", "我来…" — and either states a due date or
uses a verb of doing (完成、落实、整改、提交 …); or when it has no owner but pairs a due date with such a
verb ("下周五之前完成整改"). Questions, negations ("不负责") and the chair's procedure ("下面请物业公司汇报",
"请计时员开始计时") are not action items. The owner "我/我们" is the speaker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from .dates import Due, find_due

_O = r"[\u4e00-\u9fffA-Za-z0-9·（）()]"
_VERBS = (
    "完成|落实|整改|解决|提交|安排|实施|处理|修复|维修|修好|更换|安装|清理|公示|报告|汇报结果|联系|制定|出具|核实|"
    "调查|上报|反馈|整治|改造|拆除|补偿|张贴|通知|组织|召开|跟进|办理|回复|答复|签字|确认|开展|建设|启动|拿出|"
    "准备|提供|协调|落地|验收|测量|统计|收集|起草|修改|发布|划线|增设|加装|检查|拟定|做好|给出"
)
_ASSIGN = r"负责|牵头|落实|组织|承办|跟进|办理|处理|实施|完成|整改|解决"
_STRIP_TAIL = ("共同", "一起", "联合", "统一", "具体", "全权", "来", "去")
_STRIP_HEAD = ("这件事", "这件事情", "此事", "这项工作", "该项工作", "这个事", "这事", "具体")
_PRONOUNS = {"我": True, "我们": True, "本人": True}
_NOT_OWNERS = {"谁", "大家", "各位", "哪个", "哪位", "什么人", "有人", "没人", "谁来"}

_OWNER_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"由(?P<o>{_O}{{1,16}}?)(?:来|去)?(?:{_ASSIGN})",
        rf"由(?P<o>{_O}{{2,16}}?)(?:来|去)?(?:把|将|对|尽快|马上|立即|按时|统一)",
        rf"(?:交给|交由|委托|责成)(?P<o>{_O}{{1,16}}?)(?:来|去)?(?:{_ASSIGN}|{_VERBS})",
        rf"(?:交给|交由)(?P<o>{_O}{{2,12}})(?=[，。；！,;!]|$)",
        rf"请(?P<o>{_O}{{1,12}}?)(?:来|去)?(?:负责|牵头|落实|跟进|办理|处理)",
        rf"(?:^|[，。；：,;:])(?P<o>{_O}{{1,12}}?)(?:来|去)?(?:负责|牵头)(?![人任])",
        rf"(?:^|[，。；：,;:])(?P<o>{_O}{{2,12}}?)(?:将|会|要|需要|应当|应该|须|必须|承诺|保证)(?:在|于)?(?=DUE)",
        r"(?:^|[，。；：,;:])(?P<o>我们|我)(?:来|去|会|将|负责)(?!说|讲|谈|补充|介绍|发言|问|看|想|提)",
    )
)
# "请X在<期限>…": the due phrase is replaced by a marker before matching.
_DUE_MARK = "⟨DUE⟩"
_REQUEST = re.compile(
    rf"请(?P<o>{_O}{{2,12}}?)(?:在|于|把|将|对|尽快|马上|立即|务必|按时|抓紧|(?={_DUE_MARK}))"
)
_PROCEDURE = re.compile(
    r"(?:下面|现在|接下来|首先|然后|先)请|请.{0,10}?(?:发言|汇报|介绍|点评|讲话|开始计时|计时|表决|举手|投票|安静|"
    r"入座|注意|讨论|提问|补充|说明)"
)
_NEGATION = re.compile(r"(?:不|没有|没|并不|无需|不用|不必)(?:负责|牵头|需要|用|必要|管)")
_QUESTION = re.compile(r"[？?]\s*$|谁|哪个|哪位|吗[。，]?$|能不能|是否")


@dataclasses.dataclass(frozen=True, slots=True)
class FoundAction:
    sentence: str
    owner: str | None  # None when the sentence names nobody
    due: Due | None


def _tidy_owner(raw: str) -> str | None:
    owner = raw.strip("，。；：,;: ")
    for head in _STRIP_HEAD:
        if owner.startswith(head) and len(owner) > len(head):
            owner = owner[len(head) :]
    changed = True
    while changed:
        changed = False
        for tail in _STRIP_TAIL:
            if owner.endswith(tail) and len(owner) > len(tail):
                owner = owner[: -len(tail)]
                changed = True
    owner = re.sub(r"^(?:由|请|让|交给)", "", owner)
    if owner in _NOT_OWNERS or owner.endswith(("不", "没", "没有", "并不")):
        return None
    if len(owner) < 2 and owner not in _PRONOUNS:
        return None
    return owner


def _owner(sentence: str, due: Due | None, speaker: str | None) -> str | None:
    due_rx = re.escape(due.text) if due is not None else r"(?!x)x"
    for pattern in _OWNER_PATTERNS:
        rx = re.compile(pattern.pattern.replace("DUE", due_rx)) if "DUE" in pattern.pattern else pattern
        for m in rx.finditer(sentence):
            owner = _tidy_owner(m.group("o"))
            if owner is None:
                continue
            if owner in _PRONOUNS:
                return speaker or owner
            return owner
    if due is not None:
        request = _REQUEST.search(sentence.replace(due.text, _DUE_MARK))
        if request is not None:
            return _tidy_owner(request.group("o"))
    return None


def find_action(sentence: str, meeting_date: dt.date, speaker: str | None = None) -> FoundAction | None:
    """The action item stated in ``sentence`` (one sentence), or None.

    ``meeting_date`` resolves relative due dates; ``speaker`` stands in for "我/我们" as the owner.
    """
    text = sentence.strip()
    if not text or _QUESTION.search(text) or _NEGATION.search(text):
        return None
    due = find_due(text, meeting_date)
    owner = _owner(text, due, speaker)
    has_verb = re.search(_VERBS, text) is not None
    if _PROCEDURE.search(text) and due is None:
        return None
    if owner is not None and (due is not None or has_verb):
        return FoundAction(text, owner, due)
    if owner is None and due is not None and has_verb:
        return FoundAction(text, None, due)
    return None
