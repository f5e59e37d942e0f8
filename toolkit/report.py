"""The machine-readable score report (JSON), described by ``schemas/report.schema.json``.

Example::

    >>> from toolkit.core.results import FormResult
    >>> form_report(FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {},
    ...                        total_shown=91.9))["total"]
    {'computed': 91.9, 'entered': 91.9, 'shown': 91.9}
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from importlib import resources

import jsonschema

from toolkit import __version__
from toolkit.core.grid import STATUS_LABELS
from toolkit.core.problems import Flag
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult, ItemResult
from toolkit.workbook.writer import display_text


def form_report(result: FormResult) -> dict:
    return {
        "sheet": result.sheet,
        "name": result.name,
        "kind": result.kind,
        "total": {"computed": result.total_computed, "entered": result.total_entered, "shown": result.total_shown},
        "grade": result.grade,
        "grade_shown": result.grade_shown,
        "grade_entered": result.grade_entered,
        "execution_rate": result.execution_rate,
        "counts": {s: result.count(s) for s in ("error", "warning", "info")},
        "items": [
            {
                "label": item.label,
                "kind": item.kind,
                "weight": item.weight,
                "computed": item.computed,
                "entered": item.entered,
                "cell": item.cell,
                "method": item.method,
                "explanation": item.explanation,
                "status": item_status(item),
                "flags": [f.to_dict() for f in item.flags],
            }
            for item in result.items
        ],
        "flags": [f.to_dict() for f in result.flags],
    }


def item_status(item: ItemResult) -> dict | None:
    """A completion-only row's status as the report gives it (None for a row scored in points):
    a stable code, its Chinese label and the text the sheet shows.

    >>> from toolkit.core.results import ItemResult
    >>> row = ItemResult("indicator", "成本", None, None, None, "E9", "status", "", "", "",
    ...                  status="未达成（完成 97.5%）", status_code="not_met")
    >>> item_status(row)
    {'code': 'not_met', 'label': '未达成', 'text': '未达成（完成 97.5%）'}
    """
    if item.status_code is None:
        return None
    return {"code": item.status_code, "label": STATUS_LABELS[item.status_code], "text": item.status}


def workbook_report(path: str, results: list[FormResult], profile: Profile,
                    meta: dict[str, str], workbook_flags: list[Flag]) -> dict:
    """The whole report for one scored file."""
    return {
        "file": str(path),
        "toolkit_version": __version__,
        "generated_at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "profile": {"id": profile.id, "version": profile.version, "sha256": profile.sha256},
        "template": {"id": meta.get("template_id"), "version": meta.get("template_version")},
        "flags": [f.to_dict() for f in workbook_flags],
        "forms": [form_report(result) for result in results],
    }


def report_schema() -> dict:
    return json.loads((resources.files("toolkit") / "schemas" / "report.schema.json").read_text("utf-8"))


def validate_report(report: dict) -> None:
    """Raise jsonschema.ValidationError when ``report`` does not match the shipped schema."""
    jsonschema.validate(report, report_schema())


def json_safe(value):
    """A report as plain UTF-8 JSON: every text through :func:`~toolkit.workbook.writer.display_text`,
    every number that is not finite as None (JSON has no Infinity).

    >>> json_safe({"path": "x", "total": float("nan"), "n": [1, float("-inf")]})
    {'path': 'x', 'total': None, 'n': [1, None]}
    """
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {display_text(str(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
