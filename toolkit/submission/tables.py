"""The bureau's tables, with pandas: per-unit and per-group aggregation for collect's report, and
data frames of a collect report for analysts (``to_frame``).

Only the forms collect *counts* reach these tables (an intact export, listed once; see
:mod:`toolkit.submission.collect`), and every aggregate is taken within one **group** — one year
and one kind of form (``2021 年度 · 项目支出绩效自评表``): units are ranked within their group,
never across years or kinds.

pandas is imported only here and only when a table is made: never on a button press or on
``jixiao --help``. Without it (the clerk's install) :func:`require_pandas` raises
:class:`PandasMissing`, which ``jixiao collect`` reports with an exit code of its own
(:data:`toolkit.exits.EXIT_COMPONENT_MISSING`).

Example::

    >>> rows = [{"group": "g", "year": "2021", "kind": "project", "unit": "甲", "budget": 100.0, "actual": 90.0,
    ...          "total": 95.0, "total_entered": 94.0, "grade": "优", "flags": 2, "status": "accepted"},
    ...         {"group": "g", "year": "2021", "kind": "project", "unit": "甲", "budget": 50.0, "actual": None,
    ...          "total": None, "total_entered": None, "grade": None, "flags": 1, "status": "unresolved_errors"}]
    >>> unit = unit_rows(rows, {"g": ["优", "良"]}, worst=lambda s: sorted(s)[-1])[0]
    >>> unit["projects"], unit["budget"], unit["rate"], unit["average_total"], unit["grades"], unit["status"]
    (2, 150.0, 0.6, 95.0, {'优': 1, '良': 0}, 'unresolved_errors')
    >>> group_rows(rows, {"g": ["优", "良"]})[0]["budget"]
    150.0
"""

from __future__ import annotations

import math
from collections.abc import Callable

from toolkit.core.problems import ToolkitError

TABLES = ("projects", "units", "files", "problems")
NO_UNIT = "未填单位"
PANDAS_MISSING = ("汇总需要 pandas，本机安装的是填报人版本（不含 pandas）。输入文件没有问题；请安装财政局版本后重试："
                  'pip install "jixiao-toolkit[bureau]"')


class PandasMissing(ToolkitError):
    """pandas is not installed: a missing component, not an unusable input."""


def require_pandas():
    """pandas, which only the bureau's install has (``pip install "jixiao-toolkit[bureau]"``)."""
    try:
        import pandas
    except ImportError:
        raise PandasMissing(PANDAS_MISSING) from None
    return pandas


_pandas = require_pandas


def _plain(value):
    """A pandas/numpy scalar as a JSON-ready Python value (NaN, ±inf → None: JSON has neither).

    >>> _plain(float("nan")), _plain(float("inf")), _plain(2.5)
    (None, None, 2.5)
    """
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rounded(value, digits: int = 2):
    value = _plain(value)
    return None if value is None else round(float(value), digits)


def _frame(projects: list[dict]):
    pd = require_pandas()
    frame = pd.DataFrame(projects, columns=["group", "year", "kind", "unit", "budget", "actual", "total",
                                            "total_entered", "grade", "flags", "status"])
    for column in ("group", "year", "kind", "unit", "grade", "status"):
        frame[column] = frame[column].astype(object)
    frame["unit"] = frame["unit"].where(frame["unit"].notna() & (frame["unit"] != ""), NO_UNIT)
    frame["group"] = frame["group"].where(frame["group"].notna(), "")
    for column in ("budget", "actual", "total", "total_entered"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["flags"] = pd.to_numeric(frame["flags"], errors="coerce").fillna(0).astype(int)
    return frame


def _money(series):
    """The sum of a money column: None when no value is present or the sum is not finite."""
    import numpy as np  # installed with pandas

    with np.errstate(over="ignore", invalid="ignore"):  # a sum past the largest float is None below
        return _plain(float(series.sum(min_count=1)))


def _rate(budget, actual):
    return _plain(round(actual / budget, 4)) if budget and actual is not None else None


def _grade_counts(series, grades: list[str]) -> dict[str, int]:
    counts = series.dropna().value_counts()
    out = {g: int(counts.get(g, 0)) for g in grades}
    out.update({str(g): int(n) for g, n in counts.items() if g not in out})  # a grade the list does not name
    return out


def _grades_of(grades: dict[str, list[str]] | list[str], group: str) -> list[str]:
    """The grade names of ``group`` (``grades`` may also be one list for every group)."""
    return list(grades.get(group, [])) if isinstance(grades, dict) else list(grades)


def unit_rows(projects: list[dict], grades: dict[str, list[str]] | list[str], *, worst: Callable) -> list[dict]:
    """One row per unit and group: form count, money, rate, average re-checked and entered totals,
    lowest re-checked total, re-checked grades, flags and the worst status (``worst`` picks it);
    ranked by average re-checked total within the group. ``grades`` maps a group to its grade names."""
    if not projects:
        return []
    frame = _frame(projects)
    out = []
    for (group, unit), rows in frame.groupby(["group", "unit"], sort=False):
        budget, actual = _money(rows["budget"]), _money(rows["actual"])
        first = rows.iloc[0]
        out.append({
            "group": group, "year": first["year"] if isinstance(first["year"], str) else None, "kind": first["kind"],
            "unit": unit, "projects": int(len(rows)), "budget": budget, "actual": actual, "rate": _rate(budget, actual),
            "average_total": _rounded(rows["total"].mean()), "average_entered": _rounded(rows["total_entered"].mean()),
            "min_total": _plain(rows["total"].min()),
            "grades": _grade_counts(rows["grade"], _grades_of(grades, group)),
            "flags": int(rows["flags"].sum()),
            "status": worst(set(rows["status"])),
        })
    order = {group: index for index, group in enumerate(dict.fromkeys(p.get("group") or "" for p in projects))}
    out.sort(key=lambda u: (order.get(u["group"], 0),
                            -(u["average_total"] if u["average_total"] is not None else -1), u["unit"]))
    rank, previous = 0, None
    for row in out:
        rank = 1 if row["group"] != previous else rank + 1
        row["rank"], previous = rank, row["group"]
    return out


def group_rows(projects: list[dict], grades: dict[str, list[str]] | list[str]) -> list[dict]:
    """One row per group (year × kind of form) over the counted forms: forms, units, money, rate,
    average re-checked and entered totals and the re-checked grades — the totals the summary prints."""
    if not projects:
        return []
    frame = _frame(projects)
    out = []
    for group, rows in frame.groupby("group", sort=False):
        budget, actual = _money(rows["budget"]), _money(rows["actual"])
        first = rows.iloc[0]
        out.append({
            "group": group, "year": first["year"] if isinstance(first["year"], str) else None, "kind": first["kind"],
            "forms": int(len(rows)), "units": int(rows["unit"].nunique()), "budget": budget, "actual": actual,
            "rate": _rate(budget, actual), "average_total": _rounded(rows["total"].mean()),
            "average_entered": _rounded(rows["total_entered"].mean()),
            "grades": _grade_counts(rows["grade"], _grades_of(grades, group)),
        })
    return out


def to_frame(report: dict, table: str = "projects"):
    """A table of a collect report (see ``jixiao collect --json``) as a pandas DataFrame:
    ``projects`` (one row per counted form), ``units``, ``files`` or ``problems`` (one row per problem).

    >>> to_frame({"projects": [{"project": "政府采购", "total": 83.96}]})["total"].tolist()
    [83.96]
    """
    pd = require_pandas()

    if table not in TABLES:
        raise ValueError(f"table must be one of {TABLES}")
    if table == "units":
        rows = [{**{k: v for k, v in unit.items() if k != "grades"},
                 **{f"grade_{g}": n for g, n in unit.get("grades", {}).items()}} for unit in report.get("units", [])]
    elif table == "files":
        rows = [{"path": f["path"], "status": f["status"], "status_label": f["status_label"],
                 "forms": len(f["forms"]), "problems": len(f["problems"])} for f in report.get("files", [])]
    elif table == "problems":
        rows = [{"path": f["path"], "status": f["status"], **p} for f in report.get("files", []) for p in f["problems"]]
    else:
        rows = report.get("projects", [])
    return pd.DataFrame(rows)
