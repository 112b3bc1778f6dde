"""Notebooks as HTML pages for officials: in the run's language, without code, offline.

A page is written from what a person sees in the executed notebook (analysis.report.page)
rather than by nbconvert's templates, which load require.js and MathJax from a CDN and
title every page "Notebook". Here each page:

- needs nothing outside itself: charts inline as data: URIs, style in the page, no
  script, no external URL in any src or href (government networks are often offline);
- is titled by the notebook's heading and the data's scope ("计划总览 · 2021 年县域创新
  跃升计划"), links back to the report's index, and says its scope under the heading;
- keeps one language of the notebooks' bilingual text (page.one_language);
- gives every chart its title as alt text, and sets tables for reading
  (analysis.words.formats.html_table: no index column, figures right, headers whole);
- prints on A4, a new page for each section, charts and tables never split.
"""

from __future__ import annotations

import base64
import functools
import html
from dataclasses import dataclass
from pathlib import Path

from analysis.report import page
from analysis.words.formats import TABLE_CSS
from analysis.words.labels import label

# The look of every page the report writes (the index too): one CJK-capable font stack
# for Chinese on Windows, macOS and Linux, and print rules for A4.
PAGE_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "Hiragino Sans GB", "SimHei", sans-serif; color: #222; line-height: 1.6;
       max-width: 64em; margin: 0 auto; padding: 1.5em 2em 3em; }
nav { font-size: .9em; margin-bottom: 1em; }
nav a { color: #1f4e79; text-decoration: none; }
h1 { font-size: 1.7em; margin: .2em 0 .1em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ccc; padding-bottom: .2em; }
h3 { font-size: 1.1em; }
.scope { color: #555; margin: 0 0 1.5em; }
figure { margin: 1em 0 1.5em; }
figure img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; font-size: .9em; background: #f6f6f6; padding: .6em .8em; }
pre.error { background: #fdecea; color: #7a1010; }
.failed { color: #b00020; }
.wide { overflow-x: auto; max-width: 100%; }
.headline { font-size: 1.05em; margin: .3em 0; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  .fa-table.many { font-size: 7pt; }
  .fa-table.many th, .fa-table.many td { padding: .15em .3em; }
  h2, h3 { break-after: avoid; }
  figure, table, tr { break-inside: avoid; }
  .wide { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


@dataclass
class PageContext:
    """What a page says beyond its notebook: the run's language, the scope of its data as
    people say it, and the way back to the report's index (relative to the page)."""

    lang: str = "zh"
    scope: str = ""
    index: str = "../index.html"


def export_html(notebook, path: Path, context: PageContext | None = None) -> Path:
    """Write the executed notebook (a NotebookNode or its path) as a page for people."""
    import nbformat

    if isinstance(notebook, str | Path):
        notebook = nbformat.read(notebook, as_version=4)
    context = context or PageContext()
    blocks = page.one_language(page.blocks(notebook), context.lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(blocks, context), encoding="utf-8")
    return path


def render(blocks: list[page.Block], context: PageContext) -> str:
    """Return the page of a notebook's blocks (already in one language)."""
    lang = context.lang
    heading = page.heading(blocks, lang) or label("index_title", lang)
    title = label("page_title", lang, heading=heading, scope=context.scope)
    body = []
    said_scope = first_section = False
    for block in blocks:
        shown = _block(block, lang)
        if not first_section and isinstance(block, page.Heading) and block.level == 2:
            shown = shown.replace("<h2>", '<h2 class="first">', 1)  # with the introduction
            first_section = True
        body.append(shown)
        if not said_scope and isinstance(block, page.Heading) and block.level == 1:
            if context.scope:
                scope = label("page_scope", lang, scope=context.scope)
                body.append(f'<p class="scope">{html.escape(scope)}</p>')
            said_scope = True
    back = html.escape(label("page_back", lang))
    nav = f'<nav><a href="{html.escape(context.index)}">{back}</a></nav>'
    return document(title if context.scope else heading, "\n".join([nav, *body]), lang)


def document(title: str, body: str, lang: str) -> str:
    """Return a whole HTML document: the report's style, this title and body."""
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{PAGE_CSS}{TABLE_CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


def _block(block: page.Block, lang: str) -> str:
    if isinstance(block, page.Heading):
        level = min(block.level, 6)
        return f"<h{level}>{_inline(block.text)}</h{level}>"
    if isinstance(block, page.Prose):
        return _markdown(block.markdown)
    if isinstance(block, page.Figure):
        return _figure(block)
    if isinstance(block, page.Table):  # a wide table scrolls rather than squeeze its cells
        return f'<div class="wide">{_without_style(block.html)}</div>'
    if isinstance(block, page.Html):
        return block.html
    if isinstance(block, page.Text):
        if block.kind == "markdown":
            return _markdown(block.text)
        if block.kind == "error":
            return f'<pre class="error">{html.escape(block.text)}</pre>'
        if block.kind == "stdout" and block.text.strip():
            return f"<pre>{html.escape(block.text.rstrip())}</pre>"
        if block.kind == "plain" and block.text.strip():
            return f"<pre>{html.escape(block.text)}</pre>"
    return ""  # a rule between languages, warnings on stderr: not for the reader


def _figure(figure: page.Figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    width = f' width="{int(figure.width)}"' if figure.width else ""
    alt = html.escape(figure.title, quote=True)
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"{width}></figure>'


def _without_style(table_html: str) -> str:
    """Return one of our tables without its <style> (the page's head holds it once)."""
    start, end = table_html.find("<style>"), table_html.find("</style>")
    if start == -1 or end == -1:
        return table_html
    return (table_html[:start] + table_html[end + len("</style>") :]).strip()


@functools.cache
def _markdown_renderer():
    # nbconvert's own Markdown filter (mistune): what a notebook's Markdown meant.
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune


def _markdown(text: str) -> str:
    return _markdown_renderer()(text)


def _inline(text: str) -> str:
    """Return a heading's Markdown as inline HTML (no <p> around it)."""
    rendered = _markdown(text).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        rendered = rendered[3:-4]
    return rendered
