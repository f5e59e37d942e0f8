"""The protocol every form kind implements (:class:`FormKind`), and what kinds share to
describe a scored form to the bureau.

Example::

    >>> FormKind.__dataclass_fields__["score"].type
    'Callable[[object, Profile], list[FormResult]]'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from toolkit.core.model import CellValue
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult
from toolkit.core.values import parse_number
from toolkit.workbook.anchors import Anchor
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import SheetAccess


@dataclass(frozen=True)
class FormKind:
    """One kind of form and the operations every kind provides.

    * ``read(sheets, registry, file_name, meta)`` → the forms of this kind among ``sheets``;
    * ``score(form, profile)`` → one :class:`FormResult` per sheet the form spans;
    * ``unit(form)``, ``year(form)`` → who and which year (export file name, collect tables);
    * ``score_cells(form, result)`` → the cells holding scores, total and grade (fingerprint);
    * ``summary_row(form, result)`` → the bureau's per-form row (collect);
    * ``build_templates(out)`` / ``check_templates(folder)`` and the same for samples.
    """

    id: str
    title: str  # the official title, used in export file names
    template_id: str
    template_version: str
    profile_kind: str  # the ``kind`` of the rule profiles that score it
    name_prefix: str  # prefix of the sheet-scoped defined names of its template sheets
    title_markers: tuple[str, ...]  # words that show a sheet holds this form
    read: Callable[[list[SheetAccess], Registry, str, dict], list]
    score: Callable[[object, Profile], list[FormResult]]
    unit: Callable[[object], str]
    year: Callable[[object], object]
    score_cells: Callable[[object, FormResult], list[str]]
    summary_row: Callable[[object, FormResult], dict]
    build_templates: Callable
    check_templates: Callable
    build_samples: Callable
    check_samples: Callable
    default_profile: str | None = None  # scores a workbook that names no profile of this kind
    # How each of its template sheets prints its names (toolkit.workbook.anchors), one table per sheet.
    sheet_anchors: tuple[tuple[Anchor, ...], ...] = ()
    missing_profile_message: str = ""


class NamedForm:
    """What every form model shares: it is named by one of its fields, else by its sheet."""

    name_field: str = ""

    @property
    def name(self) -> str:
        return self.fields[self.name_field].text or self.sheet


def first_text(fields: dict[str, CellValue], *keys: str) -> str:
    """The first non-empty text among ``fields[key]``.

    >>> first_text({"implementer": CellValue("B3", ""), "department": CellValue("B4", "社保局")},
    ...            "implementer", "department")
    '社保局'
    """
    for key in keys:
        cell = fields.get(key)
        if cell is not None and cell.text:
            return cell.text
    return ""


def amount(value: object) -> float | None:
    """A money cell as a number (None when blank or not a number)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return parse_number(value).value


def summary_row(result: FormResult, *, unit: str, department: str, year: object,
                budget: float | None = None, actual: float | None = None) -> dict:
    """The bureau's per-form row (collect's project table), the same keys for every kind."""
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    return {
        "sheet": result.sheet, "kind": result.kind, "unit": unit, "department": department,
        "year": None if year is None else str(year), "project": result.name,
        "budget": budget, "actual": actual, "rate": result.execution_rate,
        "total": result.total_computed, "total_entered": result.total_entered,
        "grade": result.grade, "grade_entered": result.grade_entered,
        "flags": len(result.flags), "errors": result.count("error"),
    }


def score_cells(result: FormResult, grade: CellValue | None) -> list[str]:
    """Every item's score cell, the total and the grade: what the fingerprint calls scores."""
    refs = [item.cell for item in result.items if item.cell]
    if result.total_cell:
        refs.append(result.total_cell)
    if grade is not None:
        refs.append(grade.ref)
    return list(dict.fromkeys(refs))
