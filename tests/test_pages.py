"""The pages an official opens (issue 16): offline, titled, in one language, for reading."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.report import page


class Page(HTMLParser):
    """What a test looks at in a page: its title, every link and source, its images."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self.urls, self.images, self.tags = "", [], [], []
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_title = tag == "title"
        self.urls += [attrs[k] for k in ("src", "href") if attrs.get(k) is not None]
        if tag == "img":
            self.images.append(attrs)

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.fixture(scope="module")
def report(seed_report) -> Path:
    return seed_report


def pages(report: Path) -> dict[str, str]:
    found = {p.relative_to(report).as_posix(): p for p in report.rglob("*.html")}
    return {name: path.read_text(encoding="utf-8") for name, path in sorted(found.items())}


def test_every_page_opens_without_the_internet(report):
    for name, text in pages(report).items():
        seen = Page(text)
        outside = [u for u in seen.urls if u.startswith(("http:", "https:", "//"))]
        assert not outside, (name, outside)
        assert "<script" not in text and "@import" not in text, name


def test_every_page_has_a_title_and_every_chart_its_alt_text(report):
    for name, text in pages(report).items():
        seen = Page(text)
        assert seen.title.strip() and "Notebook" not in seen.title, name
        for image in seen.images:
            assert image.get("alt", "").strip(), (name, image.get("alt"))
            assert image["src"].startswith("data:image/png;base64,"), name
    overview = Page(pages(report)["html/overview.html"])
    assert overview.title == "计划总览 · 2021 年县域创新跃升计划"
    assert "各项目资金来源" in {i["alt"] for i in overview.images}
    project = Page(pages(report)["html/project-XYCX-2021-01~04fb7987.html"])
    assert "XYCX-2021-01" in project.title


def test_the_index_links_every_page_and_document_with_the_headline(report):
    index = pages(report)["index.html"]
    links = set(Page(index).urls)
    assert {f"html/{p.name}" for p in (report / "html").iterdir()} <= links
    assert {"tables/summary.xlsx", "tables/自评表.xlsx", "manifest.json"} <= links
    for link in links:
        assert (report / link).exists(), link
    assert "4 个项目 · 专项资金 200.00 万元 · 总预算 672.00 万元 · 撬动比 1 : 2.36" in index
    assert "北塑管业" in index and "240.00" in index  # each project's page with its figures


def test_pages_speak_the_runs_language_only(report):
    quality = pages(report)["html/data_quality.html"]
    assert "执行率超过 100%" in quality  # the rule's name, not its code
    assert "execution_above_100" not in quality and "line_special_above_total" not in quality
    overview = pages(report)["html/overview.html"]
    assert "计划合计" in overview and "Program totals" not in overview
    assert "How to read" not in overview


def test_tables_are_set_for_reading_and_pages_for_printing(report):
    overview = pages(report)["html/overview.html"]
    assert 'scope="row"' not in overview  # no index column
    assert '<td class="num">1 : 2.36</td>' in overview  # figures whole, on the right
    assert '<td class="num">—' in overview  # a figure nobody gave
    assert "word-break:keep-all" in overview  # headers break between words only
    assert "@page { size: A4" in overview and "break-before: page" in overview
    assert "…" not in Page(overview).title


def test_one_language_keeps_the_readers_half_of_each_heading_and_paragraph():
    blocks = [
        page.Heading(1, "计划总览"),
        page.Prose("本笔记本给出总体情况。"),
        page.Rule(),
        page.Heading(1, "Program overview"),
        page.Prose("The program's totals."),
        page.Heading(2, "计划合计 / Program totals"),
        page.Prose("按专项资金排列。 / Ordered by special fund.\n\n1 : 2.36"),
        page.Prose("- 第一项 / the first\n- 第二项 / the second"),
    ]
    zh = page.one_language(blocks, "zh")
    assert [getattr(b, "text", getattr(b, "markdown", "")) for b in zh] == [
        "计划总览", "本笔记本给出总体情况。", "计划合计", "按专项资金排列。\n\n1 : 2.36",
        "- 第一项\n- 第二项",
    ]  # fmt: skip
    en = page.one_language(blocks, "en")
    # Under the Chinese title (before the English one) nothing is English: all left out.
    assert [getattr(b, "text", getattr(b, "markdown", "")) for b in en] == [
        "Program overview", "The program's totals.", "Program totals",
        "Ordered by special fund.\n\n1 : 2.36", "- the first\n- the second",
    ]  # fmt: skip
