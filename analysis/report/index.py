"""index.html at the top of every report: what the data are, and a link to everything.

An official opens the report here. The page says the scope and the headline figures
(projects, special fund, total budget, leverage as a ratio of sums) and when the run
wrote it, then links the documents (the Word report, the workbooks, the run's record),
every page of the whole data (a failed notebook marked, not linked), every project's page
with that project's own figures, and with `run --by` every slice with its figures and
pages (analysis.report.slices). Like every page of the report it needs nothing outside
itself (analysis.report.html).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.report.html import document
from analysis.words.formats import headline_text, html_table, wan
from analysis.words.labels import has_label, label

INDEX = "index.html"


@dataclass
class Document:
    """A file of the report the index links, by its path in the report and its label."""

    path: str
    key: str


def write_index(
    build: Path,
    lang: str,
    *,
    scope: str,
    headline: dict[str, float],
    written: str,
    outcomes: list,
    documents: list[Document],
    projects: pd.DataFrame,
    slices_html: str = "",
) -> Path:
    """Write build/index.html and return its path.

    outcomes: the report's notebooks (record.Outcome), in order, slices' ones included
    (their names start with the slice's folder); documents: the files to link, those
    present; projects: Measures.projects, for the figures beside each project's page;
    slices_html: the section of a `run --by` (Slices.section), if any.
    """
    main = [o for o in outcomes if "/" not in o.name]
    program_pages = [o for o in main if "project_id" not in o.parameters]
    project_pages = [o for o in main if "project_id" in o.parameters]
    body = [
        f"<h1>{html.escape(label('index_title', lang))}</h1>",
        f'<p class="scope">{html.escape(label("page_scope", lang, scope=scope))}</p>',
        f'<p class="headline">{html.escape(headline_text(headline, lang))}</p>',
        f"<p>{html.escape(label('index_written', lang, time=written))}</p>",
        f"<h2>{html.escape(label('index_documents', lang))}</h2>",
        _documents(build, documents, lang),
        f"<h2>{html.escape(label('index_all', lang))}</h2>",
        "<ul>" + "".join(f"<li>{page_link(o, lang)}</li>" for o in program_pages) + "</ul>",
    ]
    if project_pages:
        body += [f"<h2>{html.escape(label('index_projects', lang))}</h2>",
                 _projects(project_pages, projects, lang)]  # fmt: skip
    if slices_html:
        body.append(slices_html)
    path = build / INDEX
    path.write_text(document(label("index_title", lang), "\n".join(body), lang), "utf-8")
    return path


def page_link(outcome, lang: str, prefix: str = "") -> str:
    """Return the link to a notebook's page, or its name marked where it failed.

    prefix: the slice's folder its page is in ("by_year/2021/"), "" for the report's own.
    """
    name = outcome.name.removeprefix(prefix)
    template = outcome.template
    key = f"notebook_{template}"
    shown = label(key, lang) if has_label(key) else name
    if "project_id" in outcome.parameters:
        shown = str(outcome.parameters["project_id"])
    shown = html.escape(shown)
    if outcome.status != "ok":
        failed = html.escape(label("index_failed", lang))
        return f'<span class="failed">{shown}（{failed}）</span>'
    return f'<a href="{html.escape(prefix)}html/{html.escape(name)}.html">{shown}</a>'


def _documents(build: Path, documents: list[Document], lang: str) -> str:
    items = [
        f'<li><a href="{html.escape(d.path)}">{html.escape(label(d.key, lang))}</a></li>'
        for d in documents
        if (build / d.path).exists() or d.path == "manifest.json"  # written last
    ]
    return "<ul>" + "".join(items) + "</ul>"


def _projects(pages: list, projects: pd.DataFrame, lang: str) -> str:
    """Return the table of project pages: id (linked), organization, special, total."""
    by_id = projects.drop_duplicates("project_id").set_index("project_id")
    rows = []
    for outcome in pages:
        project = by_id.loc[outcome.parameters["project_id"]]
        rows.append([page_link(outcome, lang), html.escape(str(project["organization"])),
                     wan(project["special"]), wan(project["total"])])  # fmt: skip
    columns = ("project_id", "organization", "special", "total")
    cells = pd.DataFrame(rows, columns=[label(k, lang) for k in columns])
    unit = label("unit_wan", lang)
    return html_table(cells, ["code", "text", "num", "num"], unit=unit, markup=True, style=False)
