"""Committed department templates and samples: build them from profiles and data, detect drift.

One template per seed or example profile (``templates/部门整体支出绩效_<profile>.xlsx``) and one
sample per seed or example (``samples/seed000_部门整体支出绩效.xlsx``,
``samples/example_yueyang-2018_部门整体支出绩效.xlsx`` …) generated from the transcribed JSON files
``samples/<name>_department.json``.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in build_templates(out)][0]
    '部门整体支出绩效_shenzhen-yantian-2021.xlsx'
    >>> check_templates(out)
    []
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.workbook.atomic import atomic_save
from toolkit.workbook.drift import check_against_code
from toolkit.core.profile import load_profile
from toolkit.forms.department import layout
from toolkit.forms.department.template import build_department_workbook

# The seed profiles, then the example profiles of other published frameworks (issue 19).
EXAMPLE_PROFILES = ["dazhou-undated", "anonymous-2022", "sichuan-2017", "yueyang-2018"]
TEMPLATE_PROFILES = ["shenzhen-yantian-2021", "yanzhou-2020-corrected", "wuhua-2023", *EXAMPLE_PROFILES]
SAMPLE_SEEDS = ["seed000", "seed002", "seed004", *(f"example_{profile}" for profile in EXAMPLE_PROFILES)]


def template_name(profile_id: str) -> str:
    """File name of the committed template for a profile.

    >>> template_name("wuhua-2023")
    '部门整体支出绩效_wuhua-2023.xlsx'
    """
    return f"{layout.TEMPLATE_TITLE}_{profile_id}.xlsx"


def build_templates(out: Path) -> list[Path]:
    """Write the blank department template of every seed profile into ``out``."""
    paths = []
    for profile_id in TEMPLATE_PROFILES:
        path = Path(out) / template_name(profile_id)
        atomic_save(build_department_workbook(load_profile(profile_id)), path)
        paths.append(path)
    return paths


def check_templates(folder: Path) -> list[str]:
    """How the committed templates differ from what the code builds ([] = none)."""
    return check_against_code(folder, build_templates, "jixiao department template build")


def sample_name(seed: str) -> str:
    """File name of a seed's department sample.

    >>> sample_name("seed004")
    'seed004_部门整体支出绩效.xlsx'
    """
    return f"{seed}_{layout.TEMPLATE_TITLE}.xlsx"


def build_samples(folder: Path, out: Path | None = None) -> list[Path]:
    """Fill each seed's transcribed data (``<seed>_department.json`` in ``folder``) into its template."""
    out = Path(out or folder)
    paths = []
    for seed in SAMPLE_SEEDS:
        data = json.loads((Path(folder) / f"{seed}_department.json").read_text("utf-8"))
        path = out / sample_name(seed)
        atomic_save(build_department_workbook(load_profile(data["profile"]), data), path)
        paths.append(path)
    return paths


def check_samples(folder: Path) -> list[str]:
    """How the committed samples differ from what the code builds from their JSON ([] = none)."""
    return check_against_code(folder, lambda tmp: build_samples(folder, tmp), "jixiao department sample build")
