"""`fund-analysis extract`: a report's prose in, the brief's tables out, each figure traced.

The seed report is not copied into this repository: the seed tests read it from
../shared/seeds/ beside the checkout (where CI has it) and fail, saying where they looked,
where it is absent; a test that skipped itself would hide that the bundled tables were never
checked against their source. The other reports are written here, in the seed's style, with
other companies, numbers and phrasings.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.config import bundled_data_dir
from analysis.errors import InputError
from analysis.read.extract import extract, id_prefix, read_report, write
from analysis.read.load import load
from tests.conftest import run_cli

SEED_REPORT = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_6cdd9bb89a889b45.txt"

# Half-width and 「」 quotes, full-width digits, 专项资金 for the special part, an 亿元 project,
# a project in 元 throughout, 自筹资金 with actual use, and "会议费：3 元" that only reconciles
# as 3 万元 (200 + 60 + 3 + 37 = 300).
CLEAN_REPORT = """\
２０２３年度科技小巨人培育计划项目绩效自评报告

一、绩效自评工作组织开展情况

2023 年共实施四个项目，专项资金共计 1,350 万元，分别是：恒远机械的"智能数控折弯机研发"项目，\
专项资金 150 万元；「青禾生物」的「高效菌种发酵工艺开发」项目，专项资金１１００万元；润泽环保的\
“污泥干化设备改造”项目，专项资金 50 万元；金石材料的“高强铝合金型材挤压工艺”项目，专项资金 50 万元。

二、绩效目标实现情况

恒远机械的"智能数控折弯机研发"项目，项目总预算３００万元（专项资金：１５０万元），其中设备费：\
２００万元（专项资金：１２０万元）；材料费：６０万元（专项资金：３０万元）；\
会议费：3 元；劳务费：37 万元。

青禾生物的「高效菌种发酵工艺开发」项目预算总投资 0.3 亿元（专项资金 1100 万元），\
其中设备费 0.2 亿元（专项资金 1000 万元）；测试费：600 万元（专项资金：100 万元）；\
差旅费：400 万元。

润泽环保的“污泥干化设备改造”项目，总投资 2,000,000 元（专项资金 500,000 元），其中设备费 \
1,500,000 元（专项资金 500,000 元）；燃料动力费 300,000 元；其他支出 200,000 元。

金石材料的“高强铝合金型材挤压工艺”项目，自筹资金 30 万元已到位，实际使用 33 万元，\
占自筹预算的 110%。

三、绩效目标设定质量情况

项目专项资金使用规范，设备费主要用于购置数控设备。
"""

# Lines in paragraphs of their own, figures it cannot read ("若干", "一百万元", "3 千元"), a bare
# 万 it can, "差旅费：2 元" that reconciles neither as 2 元 nor as 2 万元 (50 + 12 + 2 ≠ 100),
# and a special fund that contradicts the overview (35 against 30).
FLAWED_REPORT = """\
2022 年度乡村振兴科技专项项目 绩效自评工作报告
一、组织开展情况
本年度专项资金合计 70 万元，分别是：山田农机的《丘陵山地小型收获机研制》项目，专项资金 40 万元；\
绿源果业的《柑橘保鲜技术示范》项目，专项资金 30 万元。
二、绩效目标实现情况
山田农机的《丘陵山地小型收获机研制》项目，企业预算投入 100 万元（专项经费 40 万元），其中：
设备费：50 万元（其中专项经费 30 万元）；
材料费：若干；
燃料动力费 12万；
差旅费：2 元。
绿源果业的《柑橘保鲜技术示范》项目，总投资 80 万元（专项资金 35 万元），设备费 40 万元，\
专家咨询费：一百万元，劳务费 10 万元，会议费 3 千元。
"""

# A report with no line printed in an odd unit, so no line carries a note.
PLAIN_REPORT = """\
2021 年度县域创新跃升计划项目 绩效自评工作报告
专项资金累计 30 万元，分别是：东岭电子的“车载传感器封装工艺”项目，专项资金 30 万元。
东岭电子的“车载传感器封装工艺”项目，预算总投资 90 万元（专项经费：30 万元），其中设备费：60 万元\
（专项经费：30 万元）；材料费：30 万元。
"""

DOCX_TITLE = "2024 年度高新技术企业培育计划项目绩效自评报告"
DOCX_PARAGRAPHS = [
    "一、总体情况",
    "专项资金累计 75 万元，分别是：“蓝海光电”的“微型激光测距模组研发”项目，专项资金 45 万元，"
    "金石材料的“高强铝合金型材挤压工艺”项目，专项资金 30 万元。",
    "二、项目情况",
    "蓝海光电的“微型激光测距模组研发”项目，预算总投资 150 万元（专项经费：45 万元），其中：",
]
DOCX_TABLE = [
    ["设备费：90 万元（专项经费：40 万元）", "材料费：55 万元（专项经费：5 万元）"],
    ["会议费：5 元", ""],
]
DOCX_CLOSING = "金石材料的“高强铝合金型材挤压工艺”项目，自筹预算 60 万元，实际资金使用 48 万元。"


def write_report(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading(DOCX_TITLE, 0)
    for text in DOCX_PARAGRAPHS:
        document.add_paragraph(text)
    table = document.add_table(rows=len(DOCX_TABLE), cols=len(DOCX_TABLE[0]))
    for i, row in enumerate(DOCX_TABLE):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    document.add_paragraph(DOCX_CLOSING)
    document.save(str(path))
    return path


def read_out(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def line(ds, project_id: str, category: str) -> pd.Series:
    lines = ds.lines[(ds.lines["project_id"] == project_id) & (ds.lines["category"] == category)]
    assert len(lines) == 1, f"{project_id} {category}: {len(lines)} lines"
    return lines.iloc[0]


def project(ds, project_id: str) -> pd.Series:
    return ds.projects.set_index("project_id").loc[project_id]


# --- the seed report --------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_report() -> Path:
    if not SEED_REPORT.is_file():
        pytest.fail(f"the seed report is not at {SEED_REPORT}: put shared/ beside the checkout")
    return SEED_REPORT


@pytest.fixture(scope="module")
def seed_out(seed_report: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed")
    result = run_cli("extract", str(seed_report), "--out", str(out), cwd=out)
    assert result.returncode == 0, result.stderr
    return out


def test_seed_projects_match_the_bundled_table(seed_out: Path):
    columns = ["project_id", "year", "program", "organization", "title", "special",
               "self_raised", "total", "special_received", "special_actual",
               "self_raised_received", "self_raised_actual", "derived"]  # fmt: skip
    extracted = load(seed_out).projects[columns]
    bundled = load(bundled_data_dir()).projects[columns]
    pd.testing.assert_frame_equal(extracted, bundled)


def test_seed_budget_lines_match_the_bundled_table_figure_for_figure(seed_out: Path):
    columns = ["project_id", "category", "total", "special", "unit"]
    extracted = load(seed_out).lines[columns]
    bundled = load(bundled_data_dir()).lines[columns]
    pd.testing.assert_frame_equal(extracted, bundled)


def test_seed_program_total_is_200_wan(seed_out: Path):
    columns = ["program", "year", "special_total", "unit"]
    extracted = load(seed_out).programs[columns]
    pd.testing.assert_frame_equal(extracted, load(bundled_data_dir()).programs[columns])
    assert extracted["special_total"].tolist() == [200.0]


def test_seed_travel_printed_as_5_yuan_is_corrected_to_5_wan_with_a_note(seed_out: Path):
    ds = load(seed_out)
    travel = line(ds, "XYCX-2021-02", "travel")
    assert travel["total"] == 5.0
    assert travel["note"].startswith("更正")
    assert "5 元" in travel["note"]
    # The bundled note says the same thing in its own words.
    bundled = line(load(bundled_data_dir()), "XYCX-2021-02", "travel")["note"]
    assert bundled.startswith("更正") and "5 元" in bundled
    others = ds.lines["note"].fillna("").drop(travel.name)
    assert not others.str.len().any()


def test_seed_output_passes_validate(seed_out: Path):
    result = run_cli("validate", "--data", str(seed_out), cwd=seed_out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "R17" in result.stdout  # the correction is shown, as with the bundled data


def test_seed_sources_quote_the_report_verbatim(seed_out: Path, seed_report: Path):
    report = seed_report.read_text(encoding="utf-8")
    sources = [
        *read_out(seed_out, "projects.csv")["source"].str.split(" | ", regex=False).explode(),
        *read_out(seed_out, "budget_lines.csv")["source"],
        *read_out(seed_out, "programs.csv")["source"],
    ]
    assert all(source and source in report for source in sources)
    travel = read_out(seed_out, "budget_lines.csv").iloc[11]
    assert travel["source"] == "差旅费：5 元"


def test_seed_reads_every_figure(seed_out: Path):
    assert read_out(seed_out, "unread.csv").empty


# --- reports written here ------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("clean")
    report = write_report(folder, "report.txt", CLEAN_REPORT)
    write(extract(report), folder / "out")
    return report, folder / "out"


def test_ids_follow_the_order_projects_are_first_named(clean):
    _, out = clean
    projects = read_out(out, "projects.csv")
    assert projects["project_id"].tolist() == [f"KJXJ-2023-0{n}" for n in (1, 2, 3, 4)]
    assert projects["organization"].tolist() == ["恒远机械", "青禾生物", "润泽环保", "金石材料"]
    assert projects["program"].unique().tolist() == ["科技小巨人培育计划"]


def test_full_width_digits_and_half_width_quotes_are_read(clean):
    ds = load(clean[1])
    first = project(ds, "KJXJ-2023-01")
    assert first["title"] == "智能数控折弯机研发"
    assert (first["special"], first["total"]) == (150.0, 300.0)
    assert (line(ds, "KJXJ-2023-01", "equipment")[["total", "special"]] == [200.0, 120.0]).all()


def test_yi_yuan_figures_become_wan(clean):
    ds = load(clean[1])
    assert project(ds, "KJXJ-2023-02")["total"] == 3000.0  # 0.3 亿元
    assert line(ds, "KJXJ-2023-02", "equipment")["total"] == 2000.0  # 0.2 亿元
    # 测试费 is the vocabulary's alias of 测试化验加工费.
    assert read_out(clean[1], "budget_lines.csv")["category"].iloc[5] == "测试化验加工费"


def test_a_project_in_yuan_throughout_is_converted_exactly(clean):
    ds = load(clean[1])
    third = project(ds, "KJXJ-2023-03")
    assert (third["special"], third["total"]) == (50.0, 200.0)
    lines = ds.lines[ds.lines["project_id"] == "KJXJ-2023-03"]
    assert lines["total"].tolist() == [150.0, 30.0, 20.0]
    assert lines["category"].tolist() == ["equipment", "fuel_power", "other"]
    assert lines["note"].isna().all()  # mixed 元 and 万元 figures that add up need no note


def test_self_raised_budget_and_actual_use(clean):
    fourth = project(load(clean[1]), "KJXJ-2023-04")
    assert (fourth["special"], fourth["self_raised"], fourth["self_raised_actual"]) == (50, 30, 33)
    assert fourth["total"] == 80.0  # derived by the loader: 50 + 30


def test_a_unit_the_sums_prove_is_corrected(clean):
    meeting = line(load(clean[1]), "KJXJ-2023-01", "conference")
    assert meeting["total"] == 3.0
    assert meeting["note"].startswith("更正：报告原文印作“3 元”")


def test_program_total_with_thousands_separator(clean):
    programs = read_out(clean[1], "programs.csv")
    assert programs[["program", "year", "special_total"]].values.tolist() == [
        ["科技小巨人培育计划", "2023", "1350"]
    ]


def test_clean_report_reads_every_figure_and_passes_validate(clean, tmp_path):
    report, _ = clean
    out = tmp_path / "out"
    result = run_cli("extract", str(report), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "更正 1 处" in result.stdout and "未能录入 0 处" in result.stdout
    assert read_out(out, "unread.csv").empty
    assert run_cli("validate", "--data", str(out), cwd=tmp_path).returncode == 0


def test_every_source_is_printed_text_of_the_report(clean):
    _, out = clean
    projects = read_out(out, "projects.csv")["source"].str.split(" | ", regex=False).explode()
    for source in [*projects, *read_out(out, "budget_lines.csv")["source"]]:
        assert source in CLEAN_REPORT, source
    # Full-width digits are quoted as printed, not as normalised.
    assert "项目总预算３００万元（专项资金：１５０万元）" in projects.iloc[1]


@pytest.fixture(scope="module")
def flawed(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("flawed")
    report = write_report(folder, "report_gbk.txt", FLAWED_REPORT, encoding="gbk")
    result = run_cli("extract", str(report), "--out", str(folder / "out"), cwd=folder)
    return report, folder / "out", result


def test_gbk_report_is_read(flawed):
    _, out, _ = flawed
    projects = read_out(out, "projects.csv")
    assert projects["organization"].tolist() == ["山田农机", "绿源果业"]
    assert projects["title"].tolist() == ["丘陵山地小型收获机研制", "柑橘保鲜技术示范"]


def test_figures_it_cannot_read_are_listed_with_their_sentence(flawed):
    _, out, result = flawed
    assert result.returncode == 1
    unread = read_out(out, "unread.csv")
    assert unread[["kind", "project_id", "text"]].values.tolist() == [
        ["unread", "XCZX-2022-01", "材料费：若干"],
        ["conflict", "XCZX-2022-02", "专项资金 35 万元"],
        ["unread", "XCZX-2022-02", "专家咨询费：一百万元"],
        ["unread", "XCZX-2022-02", "会议费 3 千元"],
    ]
    assert unread["where"].tolist() == ["line 7", "line 10", "line 10", "line 10"]
    assert all(text in source for text, source in unread[["text", "source"]].values)
    for text in unread["text"]:
        assert any(text in err and "原句" in err for err in result.stderr.splitlines())
    assert "Traceback" not in result.stderr


def test_tables_are_still_written_when_a_figure_is_unread(flawed):
    _, out, result = flawed
    assert "未能录入 4 处" in result.stdout
    ds = load(out)
    assert line(ds, "XCZX-2022-01", "equipment")[["total", "special"]].tolist() == [50.0, 30.0]
    assert line(ds, "XCZX-2022-01", "fuel_power")["total"] == 12.0  # "12万"
    assert "materials" not in ds.lines["category"].tolist()


def test_a_conflicting_figure_keeps_the_first(flawed):
    assert project(load(flawed[1]), "XCZX-2022-02")["special"] == 30.0


def test_a_unit_the_sums_do_not_prove_stays_as_printed(flawed):
    travel = line(load(flawed[1]), "XCZX-2022-01", "travel")
    assert travel["total"] == 0.0002  # 2 元
    assert travel["note"].startswith("存疑")
    assert "2 元" in travel["note"]


@pytest.fixture(scope="module")
def docx_out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docx")
    report = write_docx(folder / "report.docx")
    result = run_cli("extract", str(report), "--out", str(folder / "out"), cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "out"


def test_docx_paragraphs_and_table_cells_are_read_in_order(docx_out: Path):
    ds = load(docx_out)
    assert ds.projects["project_id"].tolist() == ["GXJS-2024-01", "GXJS-2024-02"]
    assert ds.projects["organization"].tolist() == ["蓝海光电", "金石材料"]
    lines = ds.lines[ds.lines["project_id"] == "GXJS-2024-01"]
    assert lines["category"].tolist() == ["equipment", "materials", "conference"]
    assert lines["total"].tolist() == [90.0, 55.0, 5.0]  # 90 + 55 + 5 = 150 proves 5 万元
    assert lines["special"].tolist() == [40.0, 5.0, 0.0]
    second = project(ds, "GXJS-2024-02")
    assert (second["special"], second["self_raised"], second["self_raised_actual"]) == (30, 60, 48)
    assert ds.programs["special_total"].tolist() == [75.0]


def test_docx_output_passes_validate(docx_out: Path):
    assert run_cli("validate", "--data", str(docx_out), cwd=docx_out).returncode == 0


def test_output_without_any_note_passes_validate(tmp_path):
    report = write_report(tmp_path, "plain.txt", PLAIN_REPORT)
    out = tmp_path / "out"
    assert run_cli("extract", str(report), "--out", str(out), cwd=tmp_path).returncode == 0
    assert run_cli("validate", "--data", str(out), cwd=tmp_path).returncode == 0


# --- rules of reading ----------------------------------------------------------------


def test_id_prefix_is_the_pinyin_initials_of_the_programs_first_four_characters():
    assert id_prefix("县域创新跃升计划") == "XYCX"
    assert id_prefix("科技小巨人培育计划") == "KJXJ"
    assert id_prefix("乡村振兴科技专项") == "XCZX"
    assert id_prefix("") == "P"


def test_amounts_with_no_label_are_reported_not_dropped(tmp_path):
    text = PLAIN_REPORT.replace("材料费：30 万元。", "材料费：27 万元，另购置软件 3 万元。")
    ex = extract(write_report(tmp_path, "r.txt", text))
    assert ex.unread[["kind", "text"]].values.tolist() == [["unread", "3 万元"]]


def test_a_title_with_digits_and_yuan_is_not_read_as_a_figure(tmp_path):
    text = PLAIN_REPORT.replace("车载传感器封装工艺", "年产 5 万元级传感器封装工艺")
    ex = extract(write_report(tmp_path, "r.txt", text))
    assert ex.projects["title"].tolist() == ["年产 5 万元级传感器封装工艺"]
    assert ex.projects["special"].tolist() == ["30"]
    assert ex.unread.empty


def test_actual_spending_not_said_to_be_self_raised_is_reported(tmp_path):
    text = PLAIN_REPORT.replace("材料费：30 万元。", "材料费：30 万元。实际支出 88 万元。")
    ex = extract(write_report(tmp_path, "r.txt", text))
    assert ex.unread["text"].tolist() == ["实际支出 88 万元"]
    assert ex.projects["self_raised_actual"].tolist() == [""]


def test_two_readings_that_both_reconcile_prove_nothing(tmp_path):
    text = PLAIN_REPORT.replace("材料费：30 万元", "材料费：20 万元；差旅费：10 元；会议费：10 元")
    ex = extract(write_report(tmp_path, "r.txt", text))
    # 60 + 20 + 10 = 90 whichever of the two 10 元 lines is read as 10 万元.
    lines = ex.lines.set_index("category")
    assert lines.loc[["差旅费", "会议费"], "total"].tolist() == ["0.001", "0.001"]
    assert lines.loc["差旅费", "note"].startswith("存疑")


def test_report_is_not_a_report(tmp_path):
    with pytest.raises(InputError, match="项目名称"):
        extract(write_report(tmp_path, "r.txt", "会议纪要\n今天讨论了明年的工作安排。\n"))


def test_blank_lines_are_skipped_and_lines_counted_from_one(tmp_path):
    paragraphs = read_report(write_report(tmp_path, "r.txt", "\n标题\n\n正文\n"))
    assert [(p.where, p.printed) for p in paragraphs] == [("line 2", "标题"), ("line 4", "正文")]


# --- the command line ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.txt", None, "找不到文件 / file not found"),
        ("empty.txt", b"", "文件为空 / file is empty"),
        ("utf16.txt", "报告".encode("utf-16"), "无法识别文件编码 / unreadable encoding"),
        ("binary.txt", b"\x7fELF\x00\x01\x02", "无法识别文件编码 / unreadable encoding"),
        ("broken.docx", b"not a zip", "expected a .docx document"),
        ("old.doc", b"\xd0\xcf\x11\xe0", "expected a report as .txt (UTF-8 or GBK) or .docx"),
        ("notes.txt", "会议纪要\n明年再议。\n".encode(), "单位的“项目名称”"),
    ],
)
def test_unusable_report_exits_2_with_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run_cli("extract", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert name in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_exits_2(tmp_path):
    report = write_report(tmp_path, "r.txt", PLAIN_REPORT)
    result = run_cli("extract", str(report), "--out", str(report), cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "an output folder" in result.stderr


def test_without_out_the_tables_go_to_a_new_folder_named_after_the_report(tmp_path):
    report = write_report(tmp_path / "in", "r.txt", CLEAN_REPORT)
    result = run_cli("extract", str(report), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = {"projects.csv", "budget_lines.csv", "programs.csv", "indicators.csv", "unread.csv"}
    assert {p.name for p in tmp_path.iterdir()} == {"in", "r-tables"}
    assert {p.name for p in (tmp_path / "r-tables").iterdir()} == names
    assert result.stdout.startswith("r-tables: ")
    header = (tmp_path / "r-tables" / "projects.csv").read_bytes().splitlines()[0]
    assert header == (
        b"project_id,year,program,organization,title,special,self_raised,total,"
        b"special_received,special_actual,self_raised_received,self_raised_actual,unit,goal,"
        b"goal_result,source"
    )


# --- nothing the user has is replaced unasked ------------------------------------------------

TABLES = ("projects.csv", "budget_lines.csv", "programs.csv", "indicators.csv", "unread.csv")


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *culprits: str) -> None:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert all(culprit in result.stderr for culprit in culprits), result.stderr


@pytest.mark.parametrize("existing", TABLES)
def test_extract_never_overwrites_tables_without_force(tmp_path, existing):
    write_report(tmp_path, "r.txt", PLAIN_REPORT)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / existing).write_bytes(b"my own,table\n1,2\n")
    before = files_in(tmp_path)
    result = run_cli("extract", "r.txt", "--out", "mine", cwd=tmp_path)
    assert_one_line_refusal(result, "mine", existing, "--force")
    assert files_in(tmp_path) == before


def test_force_replaces_the_tables_and_nothing_else(tmp_path):
    write_report(tmp_path, "r.txt", PLAIN_REPORT)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "projects.csv").write_bytes(b"my own,table\n1,2\n")
    (tmp_path / "mine" / "notes.txt").write_bytes(b"my notes\n")
    result = run_cli("extract", "r.txt", "--out", "mine", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mine" / "projects.csv").read_bytes().startswith(b"project_id,")
    assert (tmp_path / "mine" / "notes.txt").read_bytes() == b"my notes\n"
    assert {p.name for p in (tmp_path / "mine").iterdir()} == {*TABLES, "notes.txt"}


def test_a_second_extract_without_out_keeps_the_first_ones_tables(tmp_path):
    write_report(tmp_path, "r.txt", PLAIN_REPORT)
    assert run_cli("extract", "r.txt", cwd=tmp_path).returncode == 0
    with (tmp_path / "r-tables" / "projects.csv").open("ab") as handle:
        handle.write(b"corrected by hand\n")
    before = files_in(tmp_path)
    assert_one_line_refusal(run_cli("extract", "r.txt", cwd=tmp_path), "r-tables")
    assert files_in(tmp_path) == before


def test_a_failure_midway_leaves_no_half_set(tmp_path, monkeypatch):
    extraction = extract(write_report(tmp_path, "r.txt", PLAIN_REPORT))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "projects.csv").write_bytes(b"my own,table\n")
    written = []

    def full_disk(self, path, *args, **kwargs):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(path)
        return original(self, path, *args, **kwargs)

    original = pd.DataFrame.to_csv
    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    before = files_in(tmp_path)
    for out, force in ((tmp_path / "new" / "tables", False), (tmp_path / "mine", True)):
        written.clear()
        with pytest.raises(InputError, match="No space left on device") as raised:
            write(extraction, out, force=force)
        assert raised.value.kind == "unwritable"
        assert files_in(tmp_path) == before  # neither the two files written nor a folder
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["mine", "projects.csv", "r.txt"]


@pytest.mark.parametrize(
    ("out", "named"),
    [("afile/sub", "afile/sub"), ("/proc/x", "/proc/x"), ("x" * 300, "x" * 40), ("", "--out")],
    ids=["under-a-file", "proc", "300-byte-name", "empty"],
)
def test_an_out_it_cannot_make_is_one_line(tmp_path, out, named):
    write_report(tmp_path, "r.txt", PLAIN_REPORT)
    (tmp_path / "afile").write_bytes(b"a file\n")
    before = files_in(tmp_path)
    assert_one_line_refusal(run_cli("extract", "r.txt", "--out", out, cwd=tmp_path), named)
    assert files_in(tmp_path) == before
    assert {p.name for p in tmp_path.iterdir()} == {"r.txt", "afile"}


# --- a paragraph of megabytes is read in time linear in its length ---------------------------
# No timing here: each case is long enough (100,000 characters) that reading it from every
# character again, as before, would take minutes; each asserts what is read.

RUN = 100_000
# A paragraph of a long run, and the same with a short one: both must read alike.
RUNS = {
    "digits": ("1" * RUN, "111"),
    "digits-in-groups": ("1" + ",111" * (RUN // 4), "1,111,111"),
    "numerals": ("一" * RUN, "一一一"),
    "spaces-after-a-label": ("设备费" + " " * RUN + "见附件", "设备费 见附件"),
    "spaces-after-a-colon": ("设备费：" + " " * RUN + "见附件", "设备费： 见附件"),
    "spaces-in-a-line's-special-part": ("设备费 10 万元（" + " " * RUN, "设备费 10 万元（ "),
    "spaces-before-的": ("北塑管业" + " " * RUN + "的计划", "北塑管业 的计划"),
    "labels": ("设备费" * (RUN // 3), "设备费" * 3),
    "quotes": ("“" * RUN, "“““"),
    "names": ("北塑管业" * (RUN // 4), "北塑管业" * 3),
}


@pytest.mark.parametrize(("run", "short"), RUNS.values(), ids=RUNS.keys())
def test_a_long_run_of_one_kind_is_read_once(tmp_path, run, short):
    expected = extract(write_report(tmp_path, "short.txt", PLAIN_REPORT + short + "\n"))
    extraction = extract(write_report(tmp_path, "run.txt", PLAIN_REPORT + run + "\n"))
    for table in ("projects", "lines", "programs"):
        pd.testing.assert_frame_equal(getattr(extraction, table), getattr(expected, table))
    assert extraction.unread["field"].tolist() == expected.unread["field"].tolist()


def test_a_long_run_of_numerals_before_a_unit_is_one_unread_figure(tmp_path):
    extraction = extract(write_report(tmp_path, "r.txt", PLAIN_REPORT + "一" * RUN + "万元\n"))
    assert len(extraction.unread) == 1
    assert extraction.unread.loc[0, "text"] == "一" * RUN + "万元"


def test_one_paragraph_of_many_copies_reads_every_copy(tmp_path):
    title, body = PLAIN_REPORT.split("\n", 1)
    copies = 300
    extraction = extract(
        write_report(tmp_path, "r.txt", f"{title}\n{body.replace(chr(10), '') * copies}\n")
    )
    one = extract(write_report(tmp_path, "one.txt", f"{title}\n{body.replace(chr(10), '')}\n"))
    assert len(extraction.lines) == copies * len(one.lines)
    assert extraction.projects.drop(columns="source").equals(one.projects.drop(columns="source"))


_pieces = st.sampled_from(
    ["北" * 45, "北塑", " " * 30, "“" + "名" * 99 + "”", "“" + "名" * 101 + "”", "的“", "”", "的",
     "承担", "实施的“", "“北塑”", "的“项目”", "的 “项目名”", "A", "，", "。"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_pieces, max_size=14))
def test_mentions_are_found_where_the_mention_pattern_finds_them(pieces):
    from analysis.read.extract.prose import MENTION, mentions_in

    text = "".join(pieces)
    expected = [(m.span(), m.groupdict()) for m in MENTION.finditer(text)]
    assert [(m.span(), m.groupdict()) for m in mentions_in(text)] == expected
