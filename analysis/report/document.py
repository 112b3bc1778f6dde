"""The Word report: 报告.docx (report.docx in English), the report an official edits.

`write_docx` reads the executed program notebooks of a report (analysis.report.page) and
writes one document in one language: the title, the data's scope, the headline figures and
when the run wrote them; then per notebook its title as a level-1 heading and, in order, its
headings, its prose (Markdown as paragraphs, bold and lists), each chart as a picture
across the text width with its caption under it (图 N), each table as a Word table with
its caption above it (表 N, the unit), printed text as paragraphs. Code never appears; a
step that failed is a note. Where the data hold no evaluation, one sentence stands in for
the self-evaluation notebook.

The fonts are set in the styles, East Asian ones included (w:eastAsia), so that Word on a
Chinese Windows shows 宋体 and 黑体 without anyone choosing them; nothing is downloaded, and
the captions and page numbers are Word fields an editor's Word renumbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

import nbformat
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analysis.draw.save import png_size
from analysis.report import page
from analysis.report.xlsx import About, xml_text
from analysis.words.formats import display_width, headline_text
from analysis.words.labels import has_label, label

FILE_NAMES = {"zh": "报告.docx", "en": "report.docx"}
# The notebook the one sentence doc_no_evaluation stands in for when the data hold no
# evaluation.
EVALUATION_NOTEBOOK = "evaluation"
# A longer table shows its first MAX_ROWS rows; tables/summary.xlsx has them all.
MAX_ROWS = 40

# A4 portrait; 2.5 cm at the sides leaves 16 cm of text width.
PAGE = (Cm(21.0), Cm(29.7))
MARGINS = {"top": Cm(2.5), "bottom": Cm(2.5), "left": Cm(2.5), "right": Cm(2.5)}
TEXT_WIDTH_CM = 16.0
LANDSCAPE_TEXT_WIDTH_CM = 29.7 - 5.0
# A table of this many rows or fewer is kept on one page.
KEPT_WHOLE = 15
# A table too wide for the page with this many rows or fewer is turned, a row per column.
TURNED_ROWS = 2
# A chart drawn 800 pixels wide (most are) spans the text width; a wider one is fitted
# to it, a narrower one keeps its proportion. No picture is taller than this.
PIXELS_PER_CM = 50.0
MAX_PICTURE_HEIGHT_CM = 20.0


@dataclass(frozen=True)
class Fonts:
    """The fonts of one language's document: Latin and East Asian, for text and headings,
    and the body's size in points."""

    latin: str
    east_asian: str
    heading_latin: str
    heading_east_asian: str
    size: float


# 宋体 and 黑体 by the names every Word knows them by; the English report names Chinese
# fonts too, for the organizations' and categories' names in its tables.
FONTS = {
    "zh": Fonts("Times New Roman", "SimSun", "Arial", "SimHei", 10.5),
    "en": Fonts("Calibri", "SimSun", "Calibri", "SimHei", 11.0),
}
HEADING_SIZES = {1: 16.0, 2: 14.0, 3: 12.0}
TABLE_SIZE = 9.0  # 小五
WIDE_TABLE_SIZE = 7.5  # a table that would not fit at TABLE_SIZE
BLACK = RGBColor(0, 0, 0)
TABLE_TEXT = "Table Text"


def write_docx(
    build: Path,
    lang: str,
    notebooks: list[str],
    about: About,
    headline: dict,
    *,
    evaluated: bool,
) -> Path:
    """Return the path of the Word report written into build (报告.docx, or report.docx).

    build: a report folder whose notebooks/<name>.ipynb are the executed notebooks (the
    program notebooks, analysis.report.plan.PROGRAM_NOTEBOOKS, in report order); lang:
    "zh" or "en", the language the notebooks ran in; about: the data and the run
    (analysis.report.xlsx.About); headline: analysis.measure.measures.headline's figures;
    evaluated: whether the data hold anything a self-evaluation reads
    (analysis.measure.evaluation.evaluated), else doc_no_evaluation stands in for the
    evaluation notebook. A notebook that is missing is a note in its place.
    """
    build = Path(build)
    doc = _document(lang)
    _front(doc, lang, about, headline)
    writer = _Writer(doc, lang)
    for name in notebooks:
        path = build / "notebooks" / f"{name}.ipynb"
        if not path.is_file():
            key = f"notebook_{name}"
            writer.heading(label(key, lang) if has_label(key) else name, level=1)
            writer.note(label("doc_missing_notebook", lang, name=name))
            continue
        blocks = page.blocks(nbformat.read(path, as_version=4))
        writer.heading(page.heading(blocks, lang), level=1)
        if name == EVALUATION_NOTEBOOK and not evaluated:
            writer.prose(label("doc_no_evaluation", lang))
            continue
        writer.notebook(name, blocks)
    written = build / FILE_NAMES[lang]
    doc.save(written)
    return written


# --- the document and its styles --------------------------------------------------------


def _document(lang: str):
    """Return an empty document: A4 portrait, the styles' fonts, page numbers below."""
    doc = Document()
    fonts = FONTS[lang]
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE
    for side, margin in MARGINS.items():
        setattr(section, f"{side}_margin", margin)
    _defaults(doc, fonts, lang)
    styles = doc.styles

    normal = styles["Normal"]
    _fonts(normal, fonts.latin, fonts.east_asian, fonts.size)
    normal.paragraph_format.space_after = Pt(0)

    body = styles["Body Text"]
    _fonts(body, fonts.latin, fonts.east_asian, fonts.size)
    body.paragraph_format.space_before = Pt(0)
    body.paragraph_format.space_after = Pt(6)
    body.paragraph_format.line_spacing = 1.3
    if lang == "zh":  # Chinese paragraphs open two characters in
        body.paragraph_format.first_line_indent = Pt(2 * fonts.size)
    for name in ("List Bullet", "List Number"):
        _fonts(styles[name], fonts.latin, fonts.east_asian, fonts.size)
        styles[name].paragraph_format.space_after = Pt(3)

    title = styles["Title"]
    _fonts(title, fonts.heading_latin, fonts.heading_east_asian, 22.0, bold=True)
    _no_border(title)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)

    for level, size in HEADING_SIZES.items():
        heading = styles[f"Heading {level}"]
        _fonts(heading, fonts.heading_latin, fonts.heading_east_asian, size, bold=True)
        heading.font.italic = False
        heading.paragraph_format.space_before = Pt(18 if level == 1 else 12)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True
    styles["Heading 1"].paragraph_format.page_break_before = True

    caption = styles["Caption"]
    _fonts(caption, fonts.heading_latin, fonts.heading_east_asian, TABLE_SIZE, bold=False)
    caption.font.italic = False
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(3)
    caption.paragraph_format.space_after = Pt(9)

    table_text = styles.add_style(TABLE_TEXT, 1)  # a paragraph style
    table_text.base_style = normal
    _fonts(table_text, fonts.latin, fonts.east_asian, TABLE_SIZE)
    table_text.paragraph_format.space_before = Pt(1)
    table_text.paragraph_format.space_after = Pt(1)
    table_text.paragraph_format.line_spacing = 1.0

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")
    return doc


def _defaults(doc, fonts: Fonts, lang: str) -> None:
    """Set the document's default fonts and languages (docDefaults), for the text no style
    names: without them Word falls back on the template's theme fonts."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_rfonts(rpr, fonts.latin, fonts.east_asian)
    lang_tag = rpr.find(qn("w:lang"))
    if lang_tag is None:
        lang_tag = OxmlElement("w:lang")
        rpr.append(lang_tag)
    lang_tag.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
    lang_tag.set(qn("w:eastAsia"), "zh-CN")


def _fonts(style, latin: str, east_asian: str, size: float, bold: bool | None = None) -> None:
    """Give a style its Latin and East Asian fonts, its size and black text."""
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    if bold is not None:
        style.font.bold = bold
    _set_rfonts(style.element.get_or_add_rPr(), latin, east_asian)


def _set_rfonts(rpr, latin: str, east_asian: str) -> None:
    """Name the fonts in a run-properties element, dropping the theme's fonts, which Word
    would otherwise prefer to the names."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    for which in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(which), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)


def _no_border(style) -> None:
    """Remove a paragraph style's borders (the template's Title has a rule under it)."""
    ppr = style.element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _field(paragraph, instruction: str, shown: str) -> None:
    """Add a Word field (PAGE, SEQ 图) showing `shown` until Word updates it."""

    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run(shown)
    char("end")


# --- the front ---------------------------------------------------------------------------


def _front(doc, lang: str, about: About, headline: dict) -> None:
    """Write the title, the data's scope, the headline figures and when the run wrote them."""
    title = label("index_title", lang)
    doc.core_properties.title = title
    doc.core_properties.author = "fund-analysis"
    doc.add_paragraph(title, style="Title")
    lines = [
        label("page_scope", lang, scope=about.scope),
        headline_text(headline, lang),
        label("index_written", lang, time=_when(about.written)),
        label("doc_contents", lang),
    ]
    for line in lines:
        paragraph = doc.add_paragraph(xml_text(line))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(6)


def _when(written: str) -> str:
    """Return the run's ISO 8601 time as people read it: 2024-05-31 14:05."""
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(written, shape).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    return written


# --- a notebook's blocks -----------------------------------------------------------------


class _Writer:
    """Writes notebooks' blocks into one document, numbering figures and tables across it."""

    def __init__(self, doc, lang: str) -> None:
        self.doc, self.lang = doc, lang
        self.figures = 0
        self.tables = 0
        self.landscape = False  # on a landscape page, since a table too wide for portrait

    def heading(self, text: str, level: int) -> None:
        """Write a heading, back on a portrait page if a wide table had turned it."""
        self._portrait()
        self.doc.add_heading(xml_text(text), level=level)

    def notebook(self, name: str, blocks: list[page.Block]) -> None:
        """Write one notebook's blocks after its title, in the document's language only."""
        context = ""  # the nearest heading or chart, which names a table without a caption
        for block in page.one_language(blocks, self.lang):
            if isinstance(block, page.Heading):
                if block.level > 1:  # the title is the level-1 heading written
                    self.heading(block.text, level=min(block.level, 3))
                    context = block.text
            elif isinstance(block, page.Prose):
                self.prose(block.markdown)
            elif isinstance(block, page.Figure):
                self.figure(block)
                context = block.title or context
            elif isinstance(block, page.Table):
                self.table(block, block.caption or context)
            elif isinstance(block, page.Text):
                self.text(block, name)
            elif isinstance(block, page.Html) and block.text.strip():
                self.plain(block.text)

    # prose

    def prose(self, markdown: str) -> None:
        """Write Markdown (in the document's language: page.one_language) as paragraphs,
        bullets and numbered items."""
        for chunk in re.split(r"\n\s*\n", markdown.strip()):
            items = page.list_items(chunk)
            if items is None:
                _inline(self.doc.add_paragraph(style="Body Text"), page.joined(chunk.splitlines()))
                continue
            for marker, text in items:
                if marker is None:
                    paragraph = self.doc.add_paragraph(style="List Bullet")
                else:  # the number as written: Word's lists would run on across lists
                    paragraph = self.doc.add_paragraph(style="List Number")
                    paragraph.paragraph_format.left_indent = Cm(0.75)
                    _remove_numbering(paragraph)
                    text = f"{marker}. {text}"
                _inline(paragraph, text)

    def plain(self, text: str) -> None:
        """Write printed text, one paragraph a line (blank lines dropped)."""
        for line in text.splitlines():
            if line.strip():
                self.doc.add_paragraph(xml_text(line.rstrip()), style="Body Text")

    def note(self, text: str) -> None:
        """Write a note in place of what could not be shown."""
        paragraph = self.doc.add_paragraph(style="Body Text")
        paragraph.add_run(xml_text(text)).italic = True

    def text(self, block: page.Text, name: str) -> None:
        if block.kind == "error":
            self.note(label("doc_error", self.lang, name=name))
        elif block.kind == "markdown":
            self.prose(block.text)
        elif block.kind in ("stdout", "plain"):
            self.plain(block.text)
        # stderr: warnings for whoever ran the notebook, not for the reader

    # figures and tables

    def figure(self, figure: page.Figure) -> None:
        """Write a chart across the text width, its caption under it."""
        size = png_size(figure.png)
        if size is None:
            self.note(label("doc_missing_figure", self.lang))
            return
        self._portrait()
        _keep_lead_in(self.doc)
        width_cm = min(TEXT_WIDTH_CM, (figure.width or size[0]) / PIXELS_PER_CM)
        height_cm = width_cm * size[1] / size[0]
        if height_cm > MAX_PICTURE_HEIGHT_CM:
            width_cm *= MAX_PICTURE_HEIGHT_CM / height_cm
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.space_before = Pt(6)
        paragraph.add_run().add_picture(BytesIO(figure.png), width=Cm(width_cm))
        self.figures += 1
        self._caption("doc_figure", self.figures, figure.title)

    def table(self, table: page.Table, caption: str) -> None:
        """Write a table under its caption: header row repeated on each page, figures to
        the right, three rules; a long one cut at MAX_ROWS with a sentence saying so. A
        table too wide for the page is turned (one or two rows: a row per column) or
        printed on a landscape page of its own."""
        if not table.headers:
            return
        rows = [[page.cell_in_language(cell, self.lang) for cell in row] for row in table.rows]
        classes = (table.classes + ["text"] * len(table.headers))[: len(table.headers)]
        shown = Cells(table.headers, [(row + [""] * len(classes))[: len(classes)]
                                      for row in rows[:MAX_ROWS]], classes)  # fmt: skip
        width = LANDSCAPE_TEXT_WIDTH_CM if self.landscape else TEXT_WIDTH_CM
        layout = _layout(shown, width)
        if layout is None and len(shown.rows) <= TURNED_ROWS:
            shown = shown.turned()
            layout = _layout(shown, width)
        if layout is None:
            layout = _layout(shown, LANDSCAPE_TEXT_WIDTH_CM, last_resort=True)
            self._landscape()
        _keep_lead_in(self.doc)
        self.tables += 1
        if table.unit:
            caption = label("doc_table_caption", self.lang, caption=caption, unit=table.unit)
        self._caption("doc_table", self.tables, caption, keep_with_next=True)
        _grid(self.doc, shown, *layout)
        after = self.doc.add_paragraph(style="Caption")
        after.alignment = WD_ALIGN_PARAGRAPH.LEFT
        kept = min(len(rows), MAX_ROWS)
        total = max(len(rows), table.total or 0)  # a notebook shows a long table's first rows
        if total > kept:
            after.add_run(label("doc_rows_left", self.lang, top=f"{kept:,}", n=f"{total:,}"))

    def _landscape(self) -> None:
        """Go on from a new landscape page (a section of its own: the footer and its page
        numbers run on), taking along the heading and lead-in just written."""
        if self.landscape:
            return
        lead_in = _lead_in(self.doc)
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE[1], PAGE[0]
        body = self.doc.element.body
        for paragraph in lead_in:  # after the paragraph holding the section break
            body.remove(paragraph)
            body.insert(len(body) - 1, paragraph)
        self.landscape = True

    def _portrait(self) -> None:
        """Go on from a new portrait page if on a landscape one."""
        if not self.landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE
        self.landscape = False

    def _caption(self, kind: str, number: int, text: str, keep_with_next: bool = False) -> None:
        """Write 图 N　title (表 N　caption) with N a SEQ field Word renumbers."""
        name, text = label(kind, self.lang), xml_text(text)  # no \0 left in it
        before, after = label("doc_caption", self.lang, kind=name, n="\0", text=text).split("\0")
        paragraph = self.doc.add_paragraph(style="Caption")
        paragraph.paragraph_format.keep_with_next = keep_with_next
        paragraph.add_run(before)
        _field(paragraph, f"SEQ {name} \\* ARABIC", str(number))
        paragraph.add_run(after)


# --- Markdown, simply ------------------------------------------------------------------

_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*|__(?P<bold2>.+?)__|`(?P<code>[^`]+)`"
    r"|\*(?=\S)(?P<italic>.+?)(?<=\S)\*|\[(?P<link>[^\]]+)\]\([^)]*\)"
)


def _inline(paragraph, text: str) -> None:
    """Add Markdown text to a paragraph: **bold**, *italic*, `code` and links as plain."""
    text = xml_text(text)
    at = 0
    for found in _INLINE.finditer(text):
        if found.start() > at:
            paragraph.add_run(text[at : found.start()])
        kind = found.lastgroup
        run = paragraph.add_run(found.group(kind))
        if kind in ("bold", "bold2"):
            run.bold = True
        elif kind == "italic":
            run.italic = True
        at = found.end()
    if at < len(text):
        paragraph.add_run(text[at:])


def _lead_in(doc) -> list:
    """Return the paragraphs at the end of the document from the last heading on, when
    only text follows that heading (none when a table or picture does)."""
    body = [e for e in doc.element.body if e.tag != qn("w:sectPr")]
    found = []
    for element in reversed(body):
        if element.tag != qn("w:p") or element.xpath(".//w:drawing | .//w:sectPr"):
            return []
        found.insert(0, element)
        style = (
            element.pPr.pStyle.val
            if element.pPr is not None and element.pPr.pStyle is not None
            else ""
        )
        if style.startswith("Heading"):
            return found
    return []


def _keep_lead_in(doc) -> None:
    """Keep a heading and the text under it on the page of the table or chart it leads
    into (a heading and a paragraph or two, not a whole introduction)."""
    lead_in = _lead_in(doc)
    if len(lead_in) > 3:
        return
    for paragraph in lead_in:
        ppr = paragraph.get_or_add_pPr()
        ppr.keepNext_val = True


def _remove_numbering(paragraph) -> None:
    """Take Word's automatic number off a List Number paragraph (the text has its own)."""
    ppr = paragraph._p.get_or_add_pPr()
    numbering = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", "0"), ("w:numId", "0")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        numbering.append(element)
    ppr.append(numbering)


# --- tables -------------------------------------------------------------------------------

# Widths are counted in half ems: a CJK character is two; a Latin one is taken as 1.15,
# wider than in Times New Roman or Calibri, as a font standing in for them may be.
_CM_PER_WIDTH = TABLE_SIZE / 2 / 72 * 2.54
_LATIN = 1.15
# Figures and codes must not wrap: their Latin characters are taken as wide as in the
# widest stand-in (DejaVu's digits are 0.64 em).
_FIGURE = 1.3
_CELL_MARGINS_CM = 0.25
_BOLD = 1.1  # how much wider bold text is
_HEADER_WRAP = 8  # a header wider than this wraps onto two lines rather than widen a column
_TEXT_WRAP = 14  # a text column is never made narrower than this unless it must


@dataclass
class Cells:
    """A table as Word gets it: headers, rows of text, and each cell's class ("num" is set
    to the right); `classes` by column, or by row once turned."""

    headers: list[str]
    rows: list[list[str]]
    classes: list[str]
    by_row: bool = False

    def of(self, row: int, column: int) -> str:
        """Return the class of a body cell (a turned table's first column: the headers)."""
        if self.by_row:
            return self.classes[row] if column else "text"
        return self.classes[column]

    def turned(self) -> Cells:
        """Return the table turned: a row per column, the first column's cells as headers
        (计划 | 县域创新跃升计划, then 年度 | 2021, …)."""
        headers = [self.headers[0], *(row[0] for row in self.rows)]
        rows = [[h, *(row[i] for row in self.rows)] for i, h in enumerate(self.headers) if i]
        return Cells(headers, rows, self.classes[1:], by_row=True)


def _layout(cells: Cells, width_cm: float, last_resort: bool = False) -> tuple | None:
    """Return each column's width in cm and the font size for a table in width_cm, or
    None when its figures and codes would have to wrap (unless last_resort: then every
    column shrinks in proportion). Each column is as wide as its widest cell (a long
    header on two lines); where that is too wide, text columns give way first, then at a
    smaller size the headers over figures wrap onto more lines."""
    natural, least, tight, floor = [], [], [], []
    for i, header in enumerate(cells.headers):
        texts = [row[i] for row in cells.rows]
        kept = all(cells.of(r, i) != "text" for r in range(len(texts)))
        widest = max((_width(t, _FIGURE if kept else _LATIN) for t in texts), default=0)
        head = _header_width(header)
        natural.append(max(head, widest, 2) + 1)
        if kept:  # a figure breaks only before its note: 100.0%（1/4 个项目报告）
            pieces = max((_width(p, _FIGURE) for t in texts for p in t.split("（")), default=0)
            least.append(max(head, pieces, 2) + 1)
            tight.append(max(_header_width(header, lines=3), pieces, 2) + 1)
            floor.append(max(pieces, 2) + 1)
        else:
            least.append(min(natural[-1], _TEXT_WRAP))
            tight.append(least[-1])
            floor.append(min(natural[-1], _TEXT_WRAP / 2))
    for size in (TABLE_SIZE, WIDE_TABLE_SIZE):
        per_width = _CM_PER_WIDTH * size / TABLE_SIZE
        room = (width_cm - _CELL_MARGINS_CM * len(cells.headers)) / per_width
        if sum(least) <= room:
            break
    if sum(natural) <= room:
        chosen = natural
    elif sum(least) <= room:  # text columns give up what is needed, in proportion
        chosen = _between(least, natural, room)
    elif sum(tight) <= room:  # and headers over figures wrap onto more lines
        chosen = _between(tight, least, room)
    elif last_resort and sum(floor) <= room:  # headers break within words
        chosen = _between(floor, tight, room)
    elif last_resort:
        chosen = [m * room / sum(floor) for m in floor]
    else:
        return None
    return [w * per_width + _CELL_MARGINS_CM for w in chosen], size


def _between(low: list[float], high: list[float], room: float) -> list[float]:
    """Return widths from low towards high, sharing out what room leaves in proportion."""
    give = [h - lo for lo, h in zip(low, high, strict=True)]
    spare = (room - sum(low)) / (sum(give) or 1)
    return [lo + g * spare for lo, g in zip(low, give, strict=True)]


def _header_width(header: str, lines: int = 2) -> float:
    """Return the width a bold header needs: all of it, or a share on two (or more) lines
    where it is long, but never less than its longest English word (Chinese breaks
    anywhere)."""
    whole = _width(header) * _BOLD
    if whole <= _HEADER_WRAP:
        return whole
    longest = max((_width(word) for word in header.split()), default=0) * _BOLD
    return max(_HEADER_WRAP / (lines - 1), whole / lines, 0 if page.chinese(header) else longest)


def _width(text: str, latin: float = _LATIN) -> float:
    """Return how wide text is in half ems, a Latin character taken as `latin`."""
    wide = display_width(text) - len(text)
    return 2 * wide + latin * (len(text) - wide)


def _grid(doc, cells: Cells, widths: list[float], size: float) -> None:
    """Add the Word table: fixed column widths, headers bold and centred over a thin rule,
    figures to the right, rows kept whole, the header row repeated on each page."""
    grid = doc.add_table(rows=len(cells.rows) + 1, cols=len(cells.headers))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _three_lines(grid)
    whole = len(cells.rows) <= KEPT_WHOLE
    # The style by its id: python-docx looks a style up by name through every style of the
    # document, a millisecond a cell.
    text_style = doc.styles[TABLE_TEXT].style_id
    for i, width in enumerate(widths):
        grid.columns[i].width = Cm(width)
    for r, values in enumerate([cells.headers, *cells.rows]):
        row = grid.rows[r]
        _cant_split(row, header=r == 0)
        for i, cell in enumerate(row.cells):
            cell.width = Cm(widths[i])
            paragraph = cell.paragraphs[0]
            paragraph._p.style = text_style
            if r == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif cells.of(r - 1, i) == "num":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            # a short table stays on one page (Word keeps a row with the next by its text)
            paragraph.paragraph_format.keep_with_next = whole and r < len(cells.rows)
            run = paragraph.add_run(xml_text(values[i]))
            run.font.size = Pt(size)
            if r == 0:
                run.bold = True
                _rule_under(cell)


def _three_lines(table) -> None:
    """Give a table the three rules of a printed table (the one under the header is set
    on its cells) and narrow cell margins."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        if edge in ("top", "bottom"):
            element.set(qn("w:val"), "single")
            element.set(qn("w:sz"), "12")  # eighths of a point: 1.5 pt
            element.set(qn("w:color"), "000000")
        else:
            element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(round(_CELL_MARGINS_CM / 2 / 2.54 * 1440)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.append(margins)


def _rule_under(cell) -> None:
    """Draw the thin rule under a header cell."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    tc_pr.append(borders)


def _cant_split(row, header: bool) -> None:
    """Keep a row on one page; repeat the header row at the top of each page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
