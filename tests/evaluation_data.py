"""A program of five projects for the performance self-evaluation, every figure chosen by hand.

绩效测试计划 2023: 180 万元 of special funds (150 at the start of the year), a required
leverage of 1 : 1.5. Each project stands for a case of issue 14:

- PX-01 满分科技, full marks: 专项 40 / 40 spent, score 10 + 90 = 100, 优.
- PX-02 无指标电子, no indicators: 专项 27 / 30 spent (9 points), no score: 无绩效指标.
- PX-03 超支材料, over budget: 专项 55 / 50 spent, 自筹 110 / 100 received and 120 / 100
  spent; score 10 + 40 + 10 + 16 + 9.44 = 85.44, 良.
- PX-04 低撬动节能, below the minimum leverage: self-raised 20 where 1.5 × 40 = 60 is
  required (40 short); 专项 30 / 40 spent; score 7.5 + 27 + 17.5 + 6 = 58, 差.
- PX-05 定性服务, qualitative indicators and a `<=` indicator with actual 0: 专项 19 / 20
  spent; score 9.5 + 15 + 20 + 24 + 8 = 76.5, 中.

PX-01 and PX-03 report what each budget line spent (决算). The projects carry a `region`
column, which the loader of this release leaves aside.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import write_tables

PROGRAM = "绩效测试计划"

PROJECTS = pd.DataFrame(
    [
        # project_id, organization, title, special, self_raised, special_received,
        # special_actual, self_raised_received, self_raised_actual, region
        ("PX-01", "满分科技", "智能传感器研发", "40", "80", "40", "40", "80", "80", "东区"),
        ("PX-02", "无指标电子", "电路板工艺改进", "30", "60", "30", "27", "", "", "东区"),
        ("PX-03", "超支材料", "新型复合材料", "50", "100", "50", "55", "110", "120", "西区"),
        ("PX-04", "低撬动节能", "建筑节能示范", "40", "20", "", "30", "", "", "西区"),
        ("PX-05", "定性服务", "科技服务平台", "20", "40", "", "19", "", "", "西区"),
    ],
    columns=["project_id", "organization", "title", "special", "self_raised",
             "special_received", "special_actual", "self_raised_received",
             "self_raised_actual", "region"],
).assign(year="2023", program=PROGRAM, unit="万元")  # fmt: skip

LINES = pd.DataFrame(
    [
        # project_id, category, total, special, actual, special_actual
        ("PX-01", "设备费", "60", "30", "58", "30"),
        ("PX-01", "材料费", "60", "10", "62", "10"),
        ("PX-02", "设备费", "90", "30", "", ""),
        ("PX-03", "设备费", "100", "40", "110", "45"),
        ("PX-03", "材料费", "50", "10", "65", "10"),
        ("PX-05", "材料费", "60", "20", "", ""),
    ],
    columns=["project_id", "category", "total", "special", "actual", "special_actual"],
).assign(unit="万元", note="")

PROGRAMS = pd.DataFrame(
    [(PROGRAM, "2023", "180", "150", "1:1.5", "万元")],
    columns=["program", "year", "special_total", "special_initial", "min_leverage", "unit"],
)

INDICATORS = pd.DataFrame(
    [
        # project_id, level1, level2, name, target, actual, unit, direction, weight, score, reason
        ("PX-01", "产出指标", "数量指标", "开展技术培训", "≥3", "4", "次", "", "30", "", ""),
        ("PX-01", "产出指标", "质量指标", "产品合格率", "95", "98", "%", ">=", "20", "", ""),
        ("PX-01", "效益指标", "经济效益指标", "新增销售收入", "≥100万元", "120万元", "", "", "30",
         "", ""),
        ("PX-01", "满意度指标", "服务对象满意度指标", "用户满意度", "≥90%", "95%", "", "", "10",
         "", ""),
        ("PX-03", "产出指标", "数量指标", "新建生产线", "=2", "2", "条", "", "40", "", ""),
        ("PX-03", "产出指标", "时效指标", "按期完工率", "≥100%", "50%", "", "", "20", "",
         "设备到货延迟；已调整供货商"),
        ("PX-03", "效益指标", "社会效益指标", "带动就业", "≥50", "40", "人", "", "20", "", ""),
        ("PX-03", "满意度指标", "服务对象满意度指标", "用户满意度", "≥90%", "85%", "", "",
         "10", "", ""),
        ("PX-04", "产出指标", "数量指标", "示范面积", "≥1000", "600", "平方米", "", "45", "",
         "施工许可延后"),
        ("PX-04", "效益指标", "生态效益指标", "节能量", "≥100", "50", "吨标煤", "", "35", "", ""),
        ("PX-04", "满意度指标", "服务对象满意度指标", "用户评价", "满意", "基本满意", "", "定性",
         "10", "6", ""),
        ("PX-05", "产出指标", "成本指标", "单位服务成本", "≤5", "10", "万元", "", "30", "",
         "设备单价上涨"),
        ("PX-05", "产出指标", "质量指标", "安全事故", "≤2", "0", "次", "", "20", "", ""),
        ("PX-05", "效益指标", "可持续影响指标", "技术推广", "持续推广", "已推广至 3 家企业", "",
         "", "30", "24", ""),
        ("PX-05", "满意度指标", "服务对象满意度指标", "服务对象满意度", "满意", "较满意", "",
         "qualitative", "10", "8", ""),
    ],
    columns=["project_id", "level1", "level2", "name", "target", "actual", "unit", "direction",
             "weight", "score", "reason"],
)  # fmt: skip


def evaluation_tables() -> dict[str, pd.DataFrame]:
    """Return the five projects' tables, as text, as a person would type them."""
    return {
        "projects": PROJECTS.copy(),
        "budget_lines": LINES.copy(),
        "programs": PROGRAMS.copy(),
        "indicators": INDICATORS.copy(),
    }


def write_evaluation_data(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the five projects' tables as CSV files into folder and return it."""
    return write_tables(folder, tables or evaluation_tables())
