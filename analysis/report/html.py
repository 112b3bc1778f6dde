"""Notebooks as HTML pages without their code, for officials."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def _html_exporter():
    # Building an exporter compiles its Jinja templates: once per run, not per notebook.
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def export_html(notebook, html: Path) -> Path:
    """Write the executed notebook (a NotebookNode or its path) as HTML without input cells."""
    import nbformat

    if isinstance(notebook, str | Path):
        notebook = nbformat.read(notebook, as_version=4)
    body, _ = _html_exporter().from_notebook_node(notebook)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")
    return html
