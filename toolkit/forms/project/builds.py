"""Generate the committed workbooks (templates and samples) and detect drift.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in build_templates(out)]
    ['项目支出绩效自评表.xlsx']
    >>> check_templates(out)
    []
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.forms.project import layout
from toolkit.workbook.atomic import atomic_save
from toolkit.workbook.drift import check_against_code
from toolkit.core.profile import load_profile
from toolkit.forms.project.template import build_workbook

PROJECT_TEMPLATE = f"{layout.TEMPLATE_TITLE}.xlsx"
SEED003_DATA = "seed003_projects.json"
SEED003_SAMPLE = f"seed003_{layout.TEMPLATE_TITLE}.xlsx"
KIND_DEFAULT_PROFILE = "national"  # the project kind's default (toolkit.forms.project.kind): the template's profile


def build_templates(out: Path) -> list[Path]:
    """Write every official template into ``out``: the project kind's default profile (national)
    prefills the weights and is recorded as the template's profile."""
    wb = build_workbook(profile=load_profile(KIND_DEFAULT_PROFILE))
    path = Path(out) / PROJECT_TEMPLATE
    atomic_save(wb, path)
    return [path]


def check_templates(folder: Path) -> list[str]:
    """Lines describing how committed templates differ from what the code builds ([] = none)."""
    return check_against_code(folder, build_templates, "jixiao template build")


def seed003_projects(folder: Path) -> list[dict]:
    """The seed-003 projects as transcribed, ready for :func:`build_workbook`."""
    data = seed003_data(folder)
    projects = []
    for project in data["projects"]:
        project = dict(project, year=data["year"], money_unit=data["money_unit"])
        # The published forms print no weight line; declare the bureau's 一级 weights as its
        # indicators add up (产出 50, 效益 20, 满意度 20), as the bureau's template would.
        weights: dict[str, float] = {}
        for item in project["indicators"]:
            weights[item["level1"]] = weights.get(item["level1"], 0) + item["weight"]
        project["level1_weights"] = weights
        projects.append(project)
    return projects


def seed003_data(folder: Path) -> dict:
    """``folder``/seed003_projects.json as it is (its ``profile``: the rule profile the sample records)."""
    return json.loads((Path(folder) / SEED003_DATA).read_text("utf-8"))


def build_samples(folder: Path, out: Path | None = None) -> list[Path]:
    """Fill the seed-003 projects (``folder``/seed003_projects.json) into the template layout:
    one workbook, one sheet each, written into ``out`` (default ``folder``). The workbook records
    the data's ``profile`` (Shenzhen's forms: ``shenzhen``), so it is scored by it by default."""
    wb = build_workbook(seed003_projects(folder), profile=load_profile(seed003_data(folder)["profile"]))
    path = Path(out or folder) / SEED003_SAMPLE
    atomic_save(wb, path)
    return [path]


def check_samples(folder: Path) -> list[str]:
    """How the committed sample differs from what the code builds from its JSON ([] = none)."""
    return check_against_code(folder, lambda tmp: build_samples(folder, tmp), "jixiao sample build")
