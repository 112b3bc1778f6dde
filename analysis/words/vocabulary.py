"""The domain's fixed words: budget categories, the 2021 reform's groups and money units.

One table each, so a new category or unit is a new row, not a new branch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Amounts are held exactly as whole 分 (0.01 元) while they are summed; one 万元 is
# 1,000,000 分. A unit's factor turns one of it into 分.
FEN_PER_WAN = 1_000_000
UNIT_FACTORS: dict[str, int] = {"元": 100, "万元": FEN_PER_WAN, "亿元": 10_000_000_000}
UNIT_ALIASES: dict[str, str] = {
    "元": "元",
    "yuan": "元",
    "cny": "元",
    "万元": "万元",
    "万": "万元",
    "wan": "万元",
    "wan yuan": "万元",
    "10k yuan": "万元",
    "亿元": "亿元",
    "亿": "亿元",
    "yi": "亿元",
    "yi yuan": "亿元",
    "100m yuan": "亿元",
}
DEFAULT_UNIT = "万元"

# The report prints 万元 with two decimals: each figure in a sum may be off by half of the
# last digit (0.005 万元), and a sum of n figures reconciles within n times that, in 分.
TOLERANCE_FEN_PER_FIGURE = 5_000


def fen(wan: pd.Series | np.ndarray) -> np.ndarray:
    """Return 万元 amounts as whole 分 (float, NaN kept), for exact sums and comparisons."""
    return np.rint(np.asarray(wan, dtype=np.float64) * FEN_PER_WAN)


def to_wan(fen: np.ndarray) -> np.ndarray:
    """Return amounts in whole 分 as 万元."""
    return fen / FEN_PER_WAN


# A note that starts with one of these words marks a figure corrected by hand.
CORRECTION_PATTERN = r"^\s*(?:更正|已更正|修正|勘误|corrected|correction)"


def is_corrected(notes: pd.Series) -> np.ndarray:
    """Return whether each note marks its line's figure as corrected by hand."""
    # Most lines have no note: only the notes there are go through the pattern.
    noted = notes.notna().to_numpy()
    corrected = np.zeros(len(notes), dtype=bool)
    found = notes[noted].str.contains(CORRECTION_PATTERN, case=False, regex=True)
    corrected[noted] = found.fillna(False).to_numpy(dtype=bool)
    return corrected


# Category codes and names follow the brief's domain table; groups follow 国办发〔2021〕32号.
CATEGORIES = pd.DataFrame(
    [
        ("equipment", "设备费", "Equipment", "equipment", "设备购置费"),
        ("materials", "材料费", "Materials", "business", ""),
        ("testing", "测试化验加工费", "Testing and processing", "business", "测试费|测试化验费"),
        ("fuel_power", "燃料动力费", "Fuel and power", "business", ""),
        ("travel", "差旅费", "Travel", "business", ""),
        ("conference", "会议费", "Conferences", "business", ""),
        ("other", "其他费用", "Other costs", "business", "其他费用支出|其他支出|其他"),
        ("expert_consulting", "专家咨询费", "Expert consulting", "labor", ""),
        ("labor", "劳务费", "Labour", "labor", ""),
    ],
    columns=["code", "name_zh", "name_en", "group", "aliases"],
)

# A group is named as its category only where it is that one category (设备费): the 劳务费
# group holds 专家咨询费 as well, so its name says so and is never read as the category.
GROUPS = pd.DataFrame(
    [
        ("equipment", "设备费", "Equipment"),
        ("business", "业务费", "Operating costs"),
        ("labor", "劳务费（含专家咨询费）", "Labour incl. expert consulting"),
    ],
    columns=["code", "name_zh", "name_en"],
)

# A project without budget lines keeps its whole budget under this pseudo-category,
# so category figures still add up to project and program figures.
UNALLOCATED = "unallocated"

# A line whose category is not in the vocabulary (rule R04) is kept under this group.
UNKNOWN_GROUP = "unknown"
