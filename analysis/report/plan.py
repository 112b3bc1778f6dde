"""Plan a run: which notebooks execute, under which names and with which parameters."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.config import (
    safe_name,
)

PROGRAM_NOTEBOOKS = ("overview", "categories", "leverage", "data_quality", "evaluation")
PROJECT_NOTEBOOK = "project"

DEFAULT_PROJECT_NOTEBOOKS = 20


@dataclass
class Job:
    """One notebook to execute: its template, output name and parameters."""

    name: str
    template: str
    parameters: dict[str, object]


# --- planning ------------------------------------------------------------------------


def plan(ds, data: str, lang: str, project_notebooks: int | None) -> list[Job]:
    """Return the jobs of a run: every program notebook, then one per chosen project.

    With more projects than `project_notebooks`, the projects with the largest special
    fund get a notebook of their own (None: every project).
    """
    # Kernels start in the report folder being built, so "." is where figures go.
    common = {"data": data, "lang": lang, "output_dir": "."}
    jobs = [Job(name, name, dict(common)) for name in PROGRAM_NOTEBOOKS]
    projects = ds.projects.drop_duplicates("project_id")
    if project_notebooks is not None and len(projects) > project_notebooks:
        projects = projects.sort_values("special", ascending=False, kind="stable")
        projects = projects.head(project_notebooks)
    for project_id in projects["project_id"]:
        name = safe_name(f"{PROJECT_NOTEBOOK}-{project_id}")
        jobs.append(Job(name, PROJECT_NOTEBOOK, {**common, "project_id": project_id}))
    return jobs
