"""`fund-analysis run --by year|program|region`: one report per slice, and an index of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.errors import InputError
from analysis.report import execute as execute_module
from analysis.report import plan as plan_module
from analysis.report import run as run_module
from tests.conftest import tiny_notebook, write_tables
from tests.test_compare import province_tables


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    return write_tables(tmp_path_factory.mktemp("province"), province_tables())


# Two of the real program notebooks keep the run short; each slice runs them all.
TOPICS = ("overview", "trends")


@pytest.fixture(scope="module")
def region_run(province, tmp_path_factory):
    """Real notebooks, run once on the whole province and once per region."""
    out = tmp_path_factory.mktemp("region-run") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan_module, "PROGRAM_NOTEBOOKS", TOPICS)
        manifest = run_module.run(
            str(province), out, jobs=2, project_notebooks=0, by="region"
        ).as_dict()
    return out, manifest


def linked_files(index: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', index.read_text(encoding="utf-8"))


def test_each_region_gets_its_own_folder_of_notebooks(region_run):
    out, manifest = region_run
    assert manifest["status"] == "ok"
    names = {n["name"] for n in manifest["notebooks"]}
    topics = set(TOPICS)
    assert names == topics | {f"by_region/{r}/{t}" for r in ("东城", "西城") for t in topics}
    for region in ("东城", "西城"):
        folder = out / "by_region" / region
        assert (folder / "html" / "trends.html").is_file()
        assert (folder / "figures" / "years.png").is_file()
    for entry in manifest["notebooks"]:
        for output in entry["outputs"]:
            assert (out / output).is_file(), output


def test_a_slice_is_narrowed_to_its_region_and_says_so(region_run):
    out, _ = region_run
    executed = nbformat.read(out / "by_region" / "东城" / "notebooks" / "trends.ipynb", 4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False)
    assert "地区：东城" in text
    assert "1 : 2.75" in text  # 东城's 660 / 240, not the province's 930 / 380
    assert "乙公司" not in text


def test_the_index_links_every_slice_with_its_headline_figures(region_run):
    out, manifest = region_run
    index = out / manifest["index"]
    page = index.read_text(encoding="utf-8")
    for name, *figures in (("东城", "3", "240.00", "900.00", "1 : 2.75"),
                           ("西城", "3", "110.00", "350.00", "1 : 2.18")):  # fmt: skip
        row = f'<td class="text">{name}</td>' + "".join(
            f'<td class="num">{f}</td>' for f in figures
        )
        assert row in page
    assert "另有 1 个项目未填地区" in page  # P5 names no region
    links = linked_files(index)
    assert "by_region/西城/html/overview.html" in links and "html/overview.html" in links
    for link in links:
        assert (out / link).is_file(), link
    assert "http" not in page  # nothing in it needs the internet
    assert [s["value"] for s in manifest["slices"]] == ["东城", "西城"]
    assert manifest["slices"][0]["leverage"] == pytest.approx(660 / 240)


def test_a_run_by_region_of_data_without_regions_stops_before_any_notebook(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "--by", "region", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "region" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


# --- with tiny templates: years, and a slice that fails ------------------------------------


YEAR = "year: int = 0  # year"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    folder = tmp_path / "templates"
    folder.mkdir()
    tiny_notebook(folder / "good.ipynb", "print('year', year)", YEAR)
    tiny_notebook(folder / "picky.ipynb", "assert year != 2020, 'made to fail in 2020'", YEAR)
    monkeypatch.setattr(execute_module, "NOTEBOOKS_DIR", folder)
    monkeypatch.setattr(plan_module, "PROGRAM_NOTEBOOKS", ("good", "picky"))
    return folder


def test_years_run_oldest_first_and_a_failing_slice_fails_the_run(province, tmp_path, tiny):
    out = tmp_path / "out"
    record = run_module.run(str(province), out, jobs=2, project_notebooks=0, by="year")
    manifest = record.as_dict()
    assert manifest["status"] == "failed"  # one notebook of one slice failed: the run did
    kept = Path(manifest["kept_at"])
    assert not out.exists()
    assert [s["folder"] for s in manifest["slices"]] == ["by_year/2019", "by_year/2020",
                                                         "by_year/2022"]  # fmt: skip
    statuses = {n["name"]: n["status"] for n in manifest["notebooks"]}
    assert statuses["by_year/2020/picky"] == "failed"
    assert statuses["by_year/2019/picky"] == "ok" and statuses["by_year/2022/good"] == "ok"
    executed = nbformat.read(kept / "by_year" / "2019" / "notebooks" / "good.ipynb", 4)
    assert "year 2019" in executed.cells[-1].outputs[0]["text"]
    page = (kept / "index.html").read_text(encoding="utf-8")
    assert 'class="failed"' in page and "by_year/2020/html/picky.html" not in page
    cells = ['<td class="text">2019 年</td>', '<td class="num">3</td>',
             '<td class="num">170.00</td>', '<td class="num">650.00</td>']  # fmt: skip
    assert "".join(cells) in page
    # The slice's pages lead back to the report's index, three folders up.
    slice_page = (kept / "by_year" / "2019" / "html" / "good.html").read_text(encoding="utf-8")
    assert 'href="../../../index.html"' in slice_page and "2019 年" in slice_page


def test_by_is_a_choice_of_three():
    from analysis.cli import main

    assert main(["run", "--by", "county"]) == 2
    with pytest.raises(InputError):
        from analysis.report.slices import plan_slices

        plan_slices(None, "county")
