"""An executed notebook read as what a person sees in it: headings, prose, charts, tables.

Both documents made from a run read the notebooks through here, so the HTML page and the
Word report say the same things: `blocks(notebook)` gives, in order, each Markdown
heading and paragraph, each chart (its PNG and title, which Analysis.chart puts in the
output's metadata), each table (Table's HTML read back into its caption, unit, headers,
cells and how each column is set), and any other output as text. Code is never a block.

The notebooks speak both languages (a Chinese heading, then its English: "计划合计 /
Program totals"; a Chinese paragraph, then its English one); `in_language` keeps one of
them, for the Word report.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Prose:
    """Markdown text between headings (one or more paragraphs)."""

    markdown: str


@dataclass
class Rule:
    """A horizontal rule (---): the notebooks put one between their Chinese and English."""


@dataclass
class Figure:
    """A chart: its PNG, its title (the alt text and caption), the width it is shown at
    in pixels (None: its own), and the files it was saved as."""

    png: bytes
    title: str = ""
    width: int | None = None
    files: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A table for people (analysis.session.Table's HTML, read back): caption, unit,
    headers, the cells as shown, and each column's class ("num", "code", "text")."""

    html: str
    caption: str = ""
    unit: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    row_headers: bool = False
    total: int | None = None  # the whole table's rows, where only the first are shown


@dataclass
class Html:
    """HTML output that is not one of our tables, shown as it is."""

    html: str
    text: str = ""


@dataclass
class Text:
    """Plain output: printed text ("stdout", "stderr"), an error, or a value's repr
    ("plain"); or Markdown output ("markdown", a Note)."""

    text: str
    kind: str = "plain"


Block = Heading | Prose | Rule | Figure | Table | Html | Text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")


def blocks(notebook) -> list[Block]:
    """Return what a person sees in an executed notebook, in order (code left out)."""
    found: list[Block] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found += _markdown_blocks(cell.source)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                block = _output_block(output)
                if block is not None:
                    found.append(block)
    return found


def _markdown_blocks(source: str) -> list[Block]:
    """Split Markdown into headings, rules and the prose between them."""
    found: list[Block] = []
    prose: list[str] = []

    def flush() -> None:
        text = "\n".join(prose).strip()
        if text:
            found.append(Prose(text))
        prose.clear()

    for line in source.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            found.append(Heading(len(heading.group(1)), heading.group(2)))
        elif _RULE.match(line):
            flush()
            found.append(Rule())
        else:
            prose.append(line)
    flush()
    return found


def _output_block(output) -> Block | None:
    kind = output.get("output_type")
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return Text(_text(output.get("text", "")), name)
    if kind == "error":
        return Text(f"{output.get('ename', '')}: {output.get('evalue', '')}", "error")
    data = output.get("data", {})
    metadata = output.get("metadata", {})
    if "image/png" in data:
        ours = metadata.get("fund-analysis", {})
        title = metadata.get("alt") or ours.get("title", "")
        width = metadata.get("image/png", {}).get("width")
        return Figure(base64.b64decode(data["image/png"]), title, width, ours.get("files", []))
    if "text/html" in data:
        html = _text(data["text/html"])
        if 'class="fa-table' in html:  # "fa-table" or "fa-table many"
            return read_table(html)
        return Html(html, _text(data.get("text/plain", "")))
    if "text/markdown" in data:
        return Text(_text(data["text/markdown"]), "markdown")
    if "text/plain" in data:
        return Text(_text(data["text/plain"]), "plain")
    return None


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


# --- our tables, read back --------------------------------------------------------------


class _TableReader(HTMLParser):
    """Reads the HTML of analysis.words.formats.html_table."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.table = Table("")
        self._where: str | None = None  # "caption", "unit", "th", "td", "rowth"
        self._section = ""
        self._cell: list[str] = []
        self._row: list[str] | None = None
        self._style = False

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "style":
            self._style = True
        elif tag == "table" and attrs.get("data-rows"):
            self.table.total = int(attrs["data-rows"])
        elif tag == "caption":
            self._where = "caption"
        elif tag == "span" and "fa-unit" in (attrs.get("class") or ""):
            self._where = "unit"
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            # the last row that says how many are not shown is no row of the table
            self._row = None if "fa-more" in (attrs.get("class") or "") else []
        elif tag in ("th", "td"):
            self._cell = []
            if self._section == "thead":
                self._where = "th"
                if attrs.get("class"):
                    self.table.classes.append(attrs["class"])
            elif self._row is None:
                self._where = None
            elif tag == "th":
                self._where = "rowth"
                self.table.row_headers = True
            else:
                self._where = "td"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False
        elif tag == "span" and self._where == "unit":
            self._where = "caption"
        elif tag == "caption":
            self._where = None
        elif tag in ("th", "td") and self._where in ("th", "td", "rowth"):
            text = "".join(self._cell)
            if self._where == "th":
                self.table.headers.append(text)
            elif self._row is not None:
                self._row.append(text)
            self._where = None
        elif tag == "tr" and self._row is not None:
            self.table.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._style:
            return
        if self._where == "caption":
            self.table.caption += data
        elif self._where == "unit":
            self.table.unit += data
        elif self._where in ("th", "td", "rowth"):
            self._cell.append(data)


def read_table(html: str) -> Table:
    """Return one of our tables' HTML (analysis.words.formats.html_table) as a Table."""
    reader = _TableReader()
    reader.feed(html)
    reader.close()
    table = reader.table
    table.html = html
    if table.row_headers:
        table.headers = ["", *table.headers]
        table.classes = ["text", *table.classes]
    return table


# --- one language of two ----------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def chinese(text: str) -> bool:
    """Return whether text is written in Chinese (a fifth or more of its letters CJK), not
    English that names a Chinese word (amounts in 万元)."""
    letters = [ch for ch in text if ch.isalpha() or _CJK.match(ch)]
    if not letters:
        return False
    return sum(1 for ch in letters if _CJK.match(ch)) / len(letters) >= 0.2


def in_language(text: str, lang: str) -> str:
    """Return the part of a bilingual line or paragraph in lang ("计划合计 / Program totals"
    gives "计划合计" or "Program totals"), the text itself when it is in lang, and "" when
    it is wholly in the other language."""
    parts = [p.strip() for p in text.split(" / ")]
    if len(parts) == 2 and chinese(parts[0]) != chinese(parts[1]):
        zh, en = parts if chinese(parts[0]) else parts[::-1]
        return zh if lang == "zh" else en
    return text if chinese(text) == (lang == "zh") else ""


def heading(page: list[Block], lang: str) -> str:
    """Return a page's title in lang: its first level-1 heading in that language (the
    notebooks open with the Chinese heading, then after a rule the English one)."""
    titles = [b.text for b in page if isinstance(b, Heading) and b.level == 1]
    for title in titles:
        if in_language(title, lang):
            return in_language(title, lang)
    return titles[0] if titles else ""


_PARAGRAPHS = re.compile(r"\n\s*\n")
_ITEM = re.compile(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$")


def one_language(found: list[Block], lang: str) -> list[Block]:
    """Return what a reader of lang sees of a notebook's blocks.

    A heading in the other language and all that follows it up to the next heading (the
    notebooks' English introduction after the Chinese one) are left out; a bilingual
    heading, paragraph or list item ("计划合计 / Program totals") is cut to its part in
    lang, and one wholly in the other language left out; the rules between the languages
    go; a paragraph without letters (a formula, a figure) stays; outputs stay as they are.
    """
    kept: list[Block] = []
    other_language = False
    for block in found:
        if isinstance(block, Heading):
            text = in_language(block.text, lang)
            other_language = not text
            if text:
                kept.append(Heading(block.level, text))
        elif other_language or isinstance(block, Rule):
            continue
        elif isinstance(block, Prose):
            paragraphs = [
                _paragraph_in_language(p, lang) for p in _PARAGRAPHS.split(block.markdown)
            ]
            text = "\n\n".join(p for p in paragraphs if p.strip())
            if text:
                kept.append(Prose(text))
        else:
            kept.append(block)
    return kept


def _paragraph_in_language(paragraph: str, lang: str) -> str:
    """Return a Markdown paragraph in lang: a list item by item, other text as a whole
    (its lines joined as the language joins them)."""
    items = list_items(paragraph)
    if items is None:
        text = joined(paragraph.splitlines())
        return text if not any(ch.isalpha() for ch in text) else in_language(text, lang)
    lines = []
    for marker, item in items:
        text = in_language(item, lang)
        if text:
            lines.append(f"- {text}" if marker is None else f"{marker}. {text}")
    return "\n".join(lines)


def list_items(chunk: str) -> list[tuple[str | None, str]] | None:
    """Return a paragraph's list items (marker: None for a bullet, else the number), or
    None when it is not a list. A line that is no item continues the item before it."""
    lines = chunk.strip("\n").splitlines()
    if not lines or not _ITEM.match(lines[0]):
        return None
    items: list[tuple[str | None, list[str]]] = []
    for line in lines:
        item = _ITEM.match(line)
        if item:
            items.append((item.group(2), [item.group(3)]))
        else:
            items[-1][1].append(line)
    return [(marker, joined(text)) for marker, text in items]


def joined(lines: list[str]) -> str:
    """Return a paragraph's lines as one: Chinese joins without a space, English with one."""
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        cjk_seam = text and chinese(text[-1]) and chinese(line[0])
        text += line if not text or cjk_seam else " " + line
    return text


def cell_in_language(cell: str, lang: str) -> str:
    """Return a table cell's part in lang where it says the same thing in both languages
    ("更正：… / corrected: …"), else the cell as it is (names stay as the data spell them)."""
    parts = cell.split(" / ")
    if len(parts) == 2 and chinese(parts[0]) != chinese(parts[1]):
        return in_language(cell, lang)
    return cell
