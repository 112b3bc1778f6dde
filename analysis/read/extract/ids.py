"""Project ids from the program's name: pinyin initials without a pinyin dictionary."""

from __future__ import annotations

import bisect

# --- project ids --------------------------------------------------------------------

# The first GB2312 character of each pinyin initial: level-1 characters are in pinyin order.
_PINYIN_ANCHORS = "啊芭擦搭蛾发噶哈击喀垃妈拿哦啪期然撒塌挖昔压匝"
_PINYIN_INITIALS = "ABCDEFGHJKLMNOPQRSTWXYZ"
_ANCHOR_CODES = [int.from_bytes(c.encode("gb2312"), "big") for c in _PINYIN_ANCHORS]
_LAST_LEVEL_1 = 0xD7F9


def id_prefix(program: str) -> str:
    """Return the pinyin initials of the program name's first four characters (or "P")."""
    initials = []
    for char in program[:4]:
        if char.isascii():
            initials.append(char.upper() if char.isalnum() else "")
            continue
        try:
            number = int.from_bytes(char.encode("gb2312"), "big")
        except UnicodeEncodeError:
            continue
        if _ANCHOR_CODES[0] <= number <= _LAST_LEVEL_1:
            initials.append(_PINYIN_INITIALS[bisect.bisect_right(_ANCHOR_CODES, number) - 1])
    return "".join(initials) or "P"
