"""The bureau's tables, with pandas: per-unit aggregation for collect's report, and data frames
of a collect report for analysts (``to_frame``).

pandas is imported only here and only when a table is made: never on a button press or on
``jixiao --help``.

Example::

    >>> rows = [{"unit": "甲", "budget": 100.0, "actual": 90.0, "total": 95.0, "grade": "优", "flags": 2,
    ...          "status": "accepted"}, {"unit": "甲", "budget": 50.0, "actual": None, "total": None,
    ...          "grade": None, "flags": 1, "status": "tampered"}]
    >>> unit = unit_rows(rows, ["优", "良"], worst=lambda s: sorted(s)[-1])[0]
    >>> unit["projects"], unit["budget"], unit["rate"], unit["average_total"], unit["grades"], unit["status"]
    (2, 150.0, 0.6, 95.0, {'优': 1, '良': 0}, 'tampered')
"""

from __future__ import annotations

import math
from collections.abc import Callable

TABLES = ("projects", "units", "files", "problems")
NO_UNIT = "未填单位"


def _pandas():
    """pandas, which only the bureau's install has (``pip install "jixiao-toolkit[bureau]"``)."""
    try:
        import pandas
    except ImportError:
        from toolkit.core.problems import ToolkitError

        raise ToolkitError("汇总表需要 pandas，本机安装的是填报人版本。请安装财政局版本："
                           'pip install "jixiao-toolkit[bureau]"') from None
    return pandas


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


def unit_rows(projects: list[dict], grades: list[str], *, worst: Callable) -> list[dict]:
    """One row per unit: project count, money, rate, average/min total, grades, flags and the
    worst status (``worst`` picks it), ranked by average total."""
    if not projects:
        return []
    pd = _pandas()
    import numpy as np  # installed with pandas

    frame = pd.DataFrame(projects)
    frame["unit"] = frame["unit"].fillna("").replace("", NO_UNIT)
    grouped = frame.groupby("unit", sort=False)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum past the largest float is None below
        table = grouped.agg(projects=("unit", "size"), budget=("budget", "sum"), actual=("actual", "sum"),
                            average_total=("total", "mean"), min_total=("total", "min"), flags=("flags", "sum"))
    counts = pd.crosstab(frame["unit"], frame["grade"]) if frame["grade"].notna().any() else None
    out = []
    for unit, row in table.iterrows():
        # A sum past the largest float (1E308 + 1E308) is None, never Infinity.
        budget, actual = _plain(float(row["budget"])), _plain(float(row["actual"]))
        average = _plain(row["average_total"])
        out.append({
            "unit": unit, "projects": int(row["projects"]), "budget": budget, "actual": actual,
            "rate": _plain(round(actual / budget, 4)) if budget and actual is not None else None,
            "average_total": round(average, 2) if average is not None else None,
            "min_total": _plain(row["min_total"]),
            "grades": {g: int(counts.at[unit, g]) if counts is not None and g in counts.columns else 0 for g in grades},
            "flags": int(row["flags"]),
            "status": worst(set(grouped.get_group(unit)["status"])),
        })
    out.sort(key=lambda u: (-(u["average_total"] if u["average_total"] is not None else -1), u["unit"]))
    for rank, row in enumerate(out, start=1):
        row["rank"] = rank
    return out


def to_frame(report: dict, table: str = "projects"):
    """A table of a collect report (see ``jixiao collect --json``) as a pandas DataFrame:
    ``projects`` (one row per form), ``units``, ``files`` or ``problems`` (one row per problem).

    >>> to_frame({"projects": [{"project": "政府采购", "total": 83.96}]})["total"].tolist()
    [83.96]
    """
    pd = _pandas()

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
