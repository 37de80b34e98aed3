"""Numbers written as spoken: Whisper's "3号楼", "70%", "10:30" become "三号楼", "百分之七十", "十点三十".

The team's reference transcripts (and how a Mandarin speaker reads a caption aloud) write every number in
characters; Whisper writes digits. ``spoken_numbers`` rewrites a caption's Arabic numbers the way they are
read:

- quantities and ordinals by value: 15票 -> 十五票, 15000元 -> 一万五千元, 第2项 -> 第二项, 20 -> 二十;
- a lone 2 before a measure word as 两: 2个月 -> 两个月, 2票 -> 两票 (二 stays in 第2, 2号, 2楼, 2月);
- decimals, percentages, fractions, clock times: 1.5万 -> 一点五万, 70% -> 百分之七十, 2/3 -> 三分之二,
  10:30 -> 十点三十;
- digit by digit where people say the digits: years (2024年 -> 二零二四年), phone and other long numbers
  (seven digits or more, or a leading 0), hotlines (110, 119, 12345 ...) unless a unit follows, and
  room numbers (302室, 2单元302, room 302); 一 is used, not 幺;
- mixed tokens keep their digits: 5G, PM2.5, A3, 4S店 (a digit run touching a Latin letter).

Full-width digits (０-９) count as digits. Text without Arabic digits is returned unchanged, so the
function is idempotent. Pure string code, no I/O.
"""

from __future__ import annotations

import re

_DIGITS = "零一二三四五六七八九"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

#: Measure words after which a lone 2 is read 两 (两个, 两票, 两万 ...).
_LIANG_BEFORE = (
    "小时",
    "分钟",
    *"个位名票户人次天年周种件条张辆台遍份页句排间家项所把块元岁斤只倍点万千百亿",
)
#: Hotlines, read digit by digit unless a unit follows (110元 is 一百一十元).
_HOTLINES = frozenset(
    {"110", "114", "119", "120", "122", "12315", "12319", "12320", "12345", "12348", "12369"}
)
_UNIT_AFTER = tuple("元块人户个位名票米平方天年月日号楼层岁次万千百亿%％")
_ROOM_AFTER = ("室", "房", "号房")
_ROOM_BEFORE = ("单元", "房间", "室", "房号", "门牌", "room", "Room", "ROOM")

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.．])(?:"
    r"(?P<hour>[0-9]{1,2})[:：](?P<minute>[0-9]{2})"
    r"|(?P<num>[0-9]{1,7})[/／](?P<den>[0-9]{1,7})"
    r"|(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:[.．](?P<dec>[0-9]+))?(?P<pct>\s*[%％])?"
    r")(?![A-Za-z0-9]|[.．][0-9])"
)


def _below_10000(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def read_integer(n: int) -> str:
    """How an integer is read by value: 20 -> 二十, 110 -> 一百一十, 10005 -> 一万零五, 10^8 -> 一亿."""
    if n == 0:
        return "零"
    groups: list[int] = []
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    units = ("", "万", "亿", "万亿")
    out, gap = "", False
    for i in reversed(range(len(groups))):
        group = groups[i]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _below_10000(group) + (units[i] if i < len(units) else "")
        gap = False
    return out[1:] if out.startswith("一十") else out


def read_digits(digits: str) -> str:
    """Digit by digit: 2024 -> 二零二四, 110 -> 一一零."""
    return "".join(_DIGITS[int(d)] for d in digits)


def _read_int_token(digits: str, before: str, after: str) -> str:
    if len(digits) >= 7 or (len(digits) >= 2 and digits[0] == "0"):
        return read_digits(digits)  # phone, account and ID numbers; 0571, 007
    if len(digits) == 4 and after.startswith("年") and digits[0] in "12":
        return read_digits(digits)  # years
    if digits in _HOTLINES and not after.lstrip().startswith(_UNIT_AFTER):
        return read_digits(digits)
    if len(digits) >= 3 and (after.startswith(_ROOM_AFTER) or before.rstrip().endswith(_ROOM_BEFORE)):
        return read_digits(digits)  # room numbers
    if digits == "2" and after.startswith(_LIANG_BEFORE) and not before.endswith("第"):
        return "两"
    return read_integer(int(digits))


def _replace(m: re.Match[str]) -> str:
    text = m.string
    before, after = text[max(0, m.start() - 6) : m.start()], text[m.end() : m.end() + 2]
    if m.group("hour") is not None:
        hour, minute = int(m.group("hour")), int(m.group("minute"))
        spoken = "两" if hour == 2 else read_integer(hour)
        if minute == 0:
            return spoken + "点"
        return spoken + "点" + ("零" if minute < 10 else "") + read_integer(minute)
    if m.group("num") is not None:
        return read_integer(int(m.group("den"))) + "分之" + read_integer(int(m.group("num")))
    whole = m.group("int").replace(",", "")
    dec, pct = m.group("dec"), m.group("pct")
    if dec is None and pct is None:
        return _read_int_token(whole, before, after)
    spoken = read_integer(int(whole)) + ("点" + read_digits(dec) if dec is not None else "")
    return "百分之" + spoken if pct is not None else spoken


def spoken_numbers(text: str) -> str:
    """``text`` with its Arabic numbers written as a Mandarin speaker reads them (see the module)."""
    text = text.translate(_FULL_WIDTH)
    if not any("0" <= ch <= "9" for ch in text):
        return text
    return _NUMBER.sub(_replace, text)
