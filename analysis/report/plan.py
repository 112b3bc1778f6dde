"""Plan a run: which notebooks execute, under which names and with which parameters."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.config import safe_name
from analysis.errors import InputError

PROGRAM_NOTEBOOKS = ("overview", "categories", "leverage", "trends", "data_quality", "evaluation")
PROJECT_NOTEBOOK = "project"

DEFAULT_PROJECT_NOTEBOOKS = 20


@dataclass
class Job:
    """One notebook to execute: its template, output name and parameters.

    `key` is the text the name is made from (`name == safe_name(key)`): the template's
    name, or `project-<project_id>`; two keys that would share a file name are refused.
    """

    name: str
    template: str
    parameters: dict[str, object]
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or self.name


# --- planning ------------------------------------------------------------------------


def plan(ds, data: str, lang: str, project_notebooks: int | None) -> list[Job]:
    """Return the jobs of a run: every program notebook, then one per chosen project.

    With more projects than `project_notebooks`, the projects with the largest special
    fund get a notebook of their own (None: every project). A project's notebook is named
    after its id by safe_name: the same name in every run, and a name of its own even
    where ids differ only in case or in characters a file name cannot hold.
    """
    # Kernels start in the report folder being built, so "." is where figures go.
    common = {"data": data, "lang": lang, "output_dir": "."}
    jobs = [Job(name, name, dict(common)) for name in PROGRAM_NOTEBOOKS]
    projects = ds.projects.drop_duplicates("project_id")
    if project_notebooks is not None and len(projects) > project_notebooks:
        projects = projects.sort_values("special", ascending=False, kind="stable")
        projects = projects.head(project_notebooks)
    for project_id in projects["project_id"]:
        key = f"{PROJECT_NOTEBOOK}-{project_id}"
        parameters = {**common, "project_id": project_id}
        jobs.append(Job(safe_name(key), PROJECT_NOTEBOOK, parameters, key))
    _refuse_shared_names(jobs)
    return jobs


def _refuse_shared_names(jobs: list[Job]) -> None:
    """Refuse two jobs whose names a case-blind file system would take for one file.

    safe_name makes that a collision of 32 bits of sha256 between two ids with the same
    readable stem: never by chance, but ids could be made to collide on purpose.
    """
    seen: dict[str, Job] = {}
    for job in jobs:
        other = seen.setdefault(job.name.casefold(), job)
        if other is not job:
            raise InputError(
                "bad_value",
                "projects",
                column="project_id",
                expected="ids that give notebooks of their own",
                found=f"{other.key!r} and {job.key!r} both as {job.name}",
            )
