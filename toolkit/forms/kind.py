"""The protocol every form kind implements (:class:`FormKind`), and what kinds share to
describe a scored form to the bureau.

A kind may also say how ``jixiao adopt`` turns a form found by its printed labels into a
workbook of its template (:class:`AdoptHook`, the ``adopt`` field).

Example::

    >>> FormKind.__dataclass_fields__["score"].type
    'Callable[[object, Profile], list[FormResult]]'
    >>> FormKind.__dataclass_fields__["adopt"].default is None
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from toolkit.core.model import CellValue
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult
from toolkit.core.values import parse_number
from toolkit.workbook.anchors import Anchor
from toolkit.workbook.locator import Grid, LocatedForm
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import SheetAccess


@dataclass
class AdoptedForm:
    """A form the label locator found (``jixiao adopt``), the sheet it became and the workbook."""

    located: LocatedForm
    output_sheet: str
    grid: Grid  # the source sheet
    checks: list[str] = field(default_factory=list)  # names that disagree with labels, self-check
    output: object = None  # the Path of the workbook it went to (set by the command)


@dataclass(frozen=True)
class AdoptOptions:
    """What an adopt hook may use besides the forms."""

    meta: dict[str, str] = field(default_factory=dict)  # the source's _jx_meta (an earlier output of this tool)
    filled: dict[tuple[str, str], object] = field(default_factory=dict)  # values the tool wrote (a scored copy)
    profile: str | None = None  # the rule profile asked for, for kinds whose template depends on one


@dataclass(frozen=True)
class AdoptHook:
    """How ``jixiao adopt`` turns forms of one kind, found by their labels, into a new workbook.

    * ``problems(form)`` → why a located form cannot be adopted ([] = it can);
    * ``build(forms, options)`` → the workbook of this kind's template holding the forms; it sets
      each form's ``output_sheet`` (and ``checks``) and may add notes to ``form.located``. The
      command adds the 「导入说明」 sheet and saves it.
    """

    located_kind: str  # the LocatedForm.kind the label locator gives these forms
    what: str  # what they are, in messages: 项目支出绩效自评表
    count_word: str  # what one is called after a count: 3 张项目表
    output_tag: str  # in the output's name beside another kind's output: <name>_<tag>_导入.xlsx
    problems: Callable[[LocatedForm], list[str]]
    build: Callable[[list[AdoptedForm], AdoptOptions], object]
    per_workbook: int | None = None  # how many such forms one workbook takes (None: any number)
    next_step: str = ""  # what the clerk does in the new workbook before scoring


@dataclass(frozen=True)
class FormKind:
    """One kind of form and the operations every kind provides.

    * ``read(sheets, registry, file_name, meta)`` → the forms of this kind among ``sheets``;
    * ``score(form, profile)`` → one :class:`FormResult` per sheet the form spans;
    * ``unit(form)``, ``year(form)`` → who and which year (export file name, collect tables);
    * ``score_cells(form, result)`` → the cells holding scores, total and grade (fingerprint);
    * ``summary_row(form, result)`` → the bureau's per-form row (collect);
    * ``build_templates(out)`` / ``check_templates(folder)`` and the same for samples;
    * optionally ``adopt``: how ``jixiao adopt`` takes such a form laid out by someone else.
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
    # Columns whose numbers the rules read with their number format (a % format makes 0.95 mean
    # 95 %): (header name, column offsets from the header's first column, the name of the first
    # row below them that is no longer read, or None). Readers that pay per format (the live
    # Excel) ask only for numbers in these columns, between the header and that row.
    format_columns: tuple[tuple[str, tuple[int, ...], str | None], ...] = ()
    missing_profile_message: str = ""
    adopt: AdoptHook | None = None  # how ``jixiao adopt`` takes such a form in another layout
    # sheet → (last printed column, printed width in column-width units) of each sheet a form spans:
    # where its 问题说明 block may write (see toolkit.workbook.printing).
    printed_spans: Callable[[object], dict[str, tuple[int, float]]] | None = None


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
