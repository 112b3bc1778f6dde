"""The Word report (analysis.report.document): what an official opens in Word."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import docx
import nbformat
import pytest
from docx.oxml.ns import qn

import analysis as fa
from analysis.measure.evaluation import evaluated
from analysis.measure.measures import headline
from analysis.report import page
from analysis.report import run as run_module
from analysis.report.document import MAX_ROWS, write_docx
from analysis.report.plan import PROGRAM_NOTEBOOKS
from analysis.report.xlsx import About
from analysis.words.labels import label
from tests.conftest import read_seed_tables, write_tables


def _report(tmp_path_factory, lang: str) -> Path:
    """Run the program notebooks on the seed into a report folder; return the folder."""
    out = tmp_path_factory.mktemp(f"report-{lang}") / "out"
    record = run_module.run(None, out, lang=lang, jobs=2, project_notebooks=0,
                            stream=io.StringIO())  # fmt: skip
    assert record.status == "ok"
    return out


def _write(build: Path, lang: str, data=None, **options) -> Path:
    a = fa.open(data, lang=lang)
    m = a.measures
    about = About.of(a.data, lang)
    options.setdefault("evaluated", evaluated(m.projects, m.indicators))
    return write_docx(build, lang, list(PROGRAM_NOTEBOOKS), about, headline(m.projects), **options)


@pytest.fixture(scope="module")
def chinese(seed_report) -> tuple[Path, docx.document.Document]:
    # The document `run` wrote, at the top of the report.
    return seed_report, docx.Document(str(seed_report / "报告.docx"))


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> tuple[Path, docx.document.Document]:
    build = _report(tmp_path_factory, "en")
    return build, docx.Document(str(build / "report.docx"))


def _blocks(build: Path, name: str) -> list:
    return page.blocks(nbformat.read(build / "notebooks" / f"{name}.ipynb", as_version=4))


def _headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def _cells(document) -> list[str]:
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


def _pictures(document) -> int:
    return len(document.inline_shapes)


def test_the_file_is_named_in_the_reports_language(chinese, english):
    assert (chinese[0] / "报告.docx").is_file()
    assert (english[0] / "report.docx").is_file()
    assert not (chinese[0] / "report.docx").exists()


def test_every_notebook_is_a_level_one_heading_in_order(chinese):
    build, document = chinese
    titles = [page.heading(_blocks(build, name), "zh") for name in PROGRAM_NOTEBOOKS]
    assert _headings(document, 1) == titles
    assert titles[:2] == ["计划总览", "预算结构"]


def test_the_notebooks_headings_are_there_in_chinese_only(chinese):
    _, document = chinese
    second = _headings(document, 2)
    assert "计划合计" in second
    assert "更正过的数字" in second
    assert not any("/" in h or "Program" in h for h in second)


def test_the_front_says_title_scope_and_headline(chinese):
    _, document = chinese
    front = [p.text for p in document.paragraphs[:6]]
    assert front[0] == label("index_title", "zh")
    assert document.paragraphs[0].style.name == "Title"
    assert any("县域创新跃升计划" in line for line in front)
    headline_line = next(line for line in front if "撬动比" in line)
    assert "4 个项目" in headline_line
    assert "200.00" in headline_line and "672.00" in headline_line
    assert "1 : 2.36" in headline_line


def test_every_chart_is_an_inline_picture_with_its_caption(chinese):
    build, document = chinese
    figures = [b for name in PROGRAM_NOTEBOOKS for b in _blocks(build, name)
               if isinstance(b, page.Figure)]  # fmt: skip
    assert len(figures) > 10
    assert _pictures(document) == len(figures)
    captions = [p.text for p in document.paragraphs if p.text.startswith("图 ")]
    assert len(captions) == len(figures)
    assert captions[0] == f"图 1　{figures[0].title}"


def test_pictures_fit_the_text_width(chinese):
    _, document = chinese
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert all(shape.width <= text_width for shape in document.inline_shapes)


def test_every_table_is_a_word_table_with_its_caption(chinese):
    build, document = chinese
    tables = [b for name in PROGRAM_NOTEBOOKS for b in _blocks(build, name)
              if isinstance(b, page.Table)]  # fmt: skip
    assert len(document.tables) == len(tables)
    captions = [p.text for p in document.paragraphs if re.match(r"表 \d+　", p.text)]
    assert len(captions) == len(tables)
    assert "表 1　计划合计（单位：万元）" in captions


def test_the_programs_special_total_is_in_a_table(chinese):
    _, document = chinese
    assert "200.00" in _cells(document)


def test_the_header_row_repeats_and_figures_are_right_aligned(chinese):
    _, document = chinese
    table = document.tables[1]  # the projects' funding under the first chart
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    header = [c.text for c in table.rows[0].cells]
    special = header.index("专项资金")
    assert table.rows[1].cells[special].paragraphs[0].alignment == 2  # right
    assert table.rows[1].cells[0].paragraphs[0].alignment is None  # text to the left


def test_the_normal_style_names_an_east_asian_font(chinese):
    _, document = chinese
    for name in ("Normal", "Heading 1", "Caption", "Table Text"):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei"), name
        assert fonts.get(qn("w:asciiTheme")) is None, name
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    assert document.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0, 0, 0)


def test_no_markdown_and_no_code_is_left(chinese):
    _, document = chinese
    texts = [p.text for p in document.paragraphs] + _cells(document)
    assert not [t for t in texts if "**" in t or t.lstrip().startswith("#") or "`" in t]
    assert not [t for t in texts if "fa.open(" in t or "a.chart(" in t]


def test_the_corrected_five_yuan_note_is_in_chinese_only(chinese):
    _, document = chinese
    notes = [c for c in _cells(document) if "5 元" in c]
    assert notes
    assert not [c for c in notes if "corrected" in c]


def test_the_page_number_is_a_field_in_the_footer(chinese):
    _, document = chinese
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer


def test_the_page_is_a4_portrait(chinese):
    _, document = chinese
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0
    assert round(section.page_height.cm, 1) == 29.7


def test_the_english_report_has_no_chinese_headings(english):
    _, document = english
    headings = _headings(document, 1) + _headings(document, 2) + _headings(document, 3)
    assert "Program overview" in headings
    assert "Program totals" in headings
    assert not [h for h in headings if page.chinese(h)]
    prose = [p.text for p in document.paragraphs if p.style.name == "Body Text"]
    assert prose and not [t for t in prose if page.chinese(t)]
    assert any(p.text.startswith("Figure 1. ") for p in document.paragraphs)


def test_without_evaluation_one_sentence_stands_in(chinese, tmp_path):
    build, document = chinese
    shutil.copytree(build / "notebooks", tmp_path / "notebooks")  # the report stays as it is
    path = _write(tmp_path, "zh", evaluated=False)
    shorter = docx.Document(str(path))
    sentence = label("doc_no_evaluation", "zh")
    texts = [p.text for p in shorter.paragraphs]
    assert sentence in texts
    assert sentence not in [p.text for p in document.paragraphs]
    assert _headings(shorter, 1)[-1] == "绩效自评"
    assert _pictures(shorter) < _pictures(document)


def test_the_seed_has_evaluation_and_a_table_without_actuals_has_none(tmp_path):
    a = fa.open()
    assert evaluated(a.measures.projects, a.measures.indicators)  # 鸿城节能 spent 22 万元
    tables = read_seed_tables()
    for column in ("special_received", "special_actual", "self_raised_received",
                   "self_raised_actual"):  # fmt: skip
        tables["projects"][column] = ""
    bare = fa.open(write_tables(tmp_path / "data", tables))
    assert not evaluated(bare.measures.projects, bare.measures.indicators)


def test_a_long_table_is_cut_with_a_sentence(chinese, tmp_path):
    build, _ = chinese
    notebook = nbformat.read(build / "notebooks" / "data_quality.ipynb", as_version=4)
    cell = next(c for c in notebook.cells
                if c.cell_type == "code" and "a.findings_table()" in c.source)  # fmt: skip
    html = cell.outputs[0]["data"]["text/html"]
    html = "".join(html) if isinstance(html, list) else html
    row = re.search(r"<tr><td.*?</tr>", html).group(0)
    long = html.replace(row, "\n".join([row] * (MAX_ROWS + 5)), 1)
    cell.outputs[0]["data"]["text/html"] = long
    copy = tmp_path / "build"
    (copy / "notebooks").mkdir(parents=True)
    nbformat.write(notebook, copy / "notebooks" / "data_quality.ipynb")
    a = fa.open()
    path = write_docx(copy, "zh", ["data_quality"], About.of(a.data, "zh"),
                      headline(a.measures.projects), evaluated=True)  # fmt: skip
    document = docx.Document(str(path))
    longest = max(len(t.rows) for t in document.tables)
    assert longest == MAX_ROWS + 1  # the header and MAX_ROWS rows
    n = len(page.read_table(long).rows)
    assert n > MAX_ROWS
    sentence = label("doc_rows_left", "zh", top=MAX_ROWS, n=f"{n:,}")
    assert sentence in [p.text for p in document.paragraphs]


def test_a_missing_notebook_is_a_note(tmp_path):
    (tmp_path / "notebooks").mkdir()
    a = fa.open()
    path = write_docx(tmp_path, "zh", ["overview"], About.of(a.data, "zh"),
                      headline(a.measures.projects), evaluated=True)  # fmt: skip
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert label("doc_missing_notebook", "zh", name="overview") in texts


def test_the_run_records_its_word_report_and_links_it(chinese):
    build, _ = chinese
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == ["报告.docx"]
    assert manifest["files"]["报告.docx"] is not None  # listed with its sha256
    assert 'href="报告.docx"' in (build / "index.html").read_text(encoding="utf-8")
