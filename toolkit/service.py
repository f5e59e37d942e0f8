"""File-level operations shared by the command line and other front ends.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.xlsx"
    >>> outcome = score_file("samples/seed003_项目支出绩效自评表.xlsx", out)
    >>> outcome.results[2].total_computed                                             
    91.9
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from toolkit.workbook.atomic import atomic_save, atomic_write
from toolkit.workbook.edits import EditPlan, build_plan
from toolkit.core.profile import Profile, load_profile
from toolkit.workbook.reader import WorkbookData, check_file_kind, open_workbook, read_openpyxl_book
from toolkit.report import workbook_report
from toolkit.forms.project.scoring import FormResult, score_form
from toolkit.core.problems import Flag, ToolkitError
from toolkit.workbook.writer import apply_plan


@dataclass
class ScoreOutcome:
    book: WorkbookData
    results: list[FormResult]
    plan: EditPlan
    report: dict
    output: Path | None = None


def resolve_profile(book: WorkbookData, requested: Profile | str) -> Profile:
    """The profile a workbook is scored by: ``requested``, except that department forms
    scored with a project profile (the CLI default ``national``) use the department profile
    the workbook names (its meta sheet, or the ``jx.profile_id`` property of an export)."""
    from toolkit.forms.department.scoring import effective_profile

    profile = requested if isinstance(requested, Profile) else load_profile(requested)
    return effective_profile(book, profile)


def score_book(book: WorkbookData, profile: Profile) -> tuple[list[FormResult], EditPlan]:
    """Score every form of a read workbook by ``profile`` (see :func:`resolve_profile`) and
    plan the edits."""
    from toolkit.forms.department.scoring import score_department  # department forms (kind "department")
    results = []
    for form in book.forms:
        results += score_department(form, profile) if form.kind == "department" else [score_form(form, profile)]
    _keep_clerk_cells(book, results)
    tool_valued = {(form.sheet, cell.ref) for form in book.forms for cell in form.cells() if cell.tool_filled}
    keys = {(form.sheet, cell.ref): cell.key for form in book.forms for cell in form.cells()}
    plan = build_plan(results, previous=book.registry, tool_valued=tool_valued, keys=keys, meta=book.meta,
                      workbook_flags=book.flags)
    return results, plan


def _keep_clerk_cells(book: WorkbookData, results: list[FormResult]) -> None:
    """The last word on what scoring may write: only blank cells and the tool's own earlier
    values. A clerk's unreadable text or formula is flagged by the scorer, never replaced."""
    cells = {(form.sheet, cell.ref): cell for form in book.forms for cell in form.cells()}
    for result in results:
        result.fills = {ref: value for ref, value in result.fills.items()
                        if (result.sheet, ref) not in cells or cells[(result.sheet, ref)].fillable}
        uncached = [cell for (sheet, _), cell in cells.items()
                    if sheet == result.sheet and cell.formula and cell.value is None]
        for cell in uncached:
            result.flags.append(Flag("formula_not_calculated", "warning", cell.ref,
                                     "单元格有公式但文件中没有它的计算结果（文件不是由 Excel/WPS 保存的），"
                                     "已按空白处理且不会改写公式。请在 Excel/WPS 中打开、保存后再评分。",
                                     sheet=result.sheet))


def default_output(path: Path) -> Path:
    """``单位_项目.xlsx`` → ``单位_项目_评分.xlsx`` beside the input."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}_评分{suffix}")


def score_file(input_path: str | Path, output_path: str | Path | None = None, *,
               profile: Profile | str = "national", json_path: str | Path | None = None,
               overwrite_input: bool = False) -> ScoreOutcome:
    """Score a workbook file and write the scored copy (never the input, unless asked).

    With ``overwrite_input`` (and no other output) the input itself is rewritten after a
    backup copy ``<name>.bak-<time>.xlsx``.
    """
    input_path = Path(input_path)
    check_file_kind(input_path)
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    output = Path(output_path) if output_path else (input_path if overwrite_input else default_output(input_path))
    if output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ToolkitError(f"输出文件「{output}」须以 .xlsx 结尾（评分结果是 Excel 工作簿）。")
    if output.resolve() == input_path.resolve() and not overwrite_input:
        raise ToolkitError(f"输出文件与输入文件相同（{input_path.name}）。为防止覆盖填报内容，请用 -o 指定其他文件名，"
                           "或加 --in-place（会先备份原文件）。")
    # Values (cached results of any formulas) for scoring; the formula workbook for writing.
    wb = open_workbook(input_path, data_only=False)
    data_book = open_workbook(input_path, data_only=True)
    book = read_openpyxl_book(data_book, input_path, formula_wb=wb)
    profile = resolve_profile(book, profile)
    results, plan = score_book(book, profile)
    report = workbook_report(str(input_path), results, profile, book.meta, book.flags)

    apply_plan(wb, plan)
    if output.resolve() == input_path.resolve():
        backup_copy(input_path)
    atomic_save(wb, output)
    if json_path:
        write_json(Path(json_path), report)
    return ScoreOutcome(book=book, results=results, plan=plan, report=report, output=output)


def backup_copy(path: Path) -> Path:
    """Copy ``path`` to ``<stem>.bak-<time>.xlsx`` beside it; an earlier backup is never replaced.

    >>> import tempfile, pathlib
    >>> original = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"; _ = original.write_bytes(b"x")
    >>> first, second = backup_copy(original), backup_copy(original)
    >>> first != second and first.read_bytes() == second.read_bytes() == b"x"
    True
    """
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.bak-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.stem}.bak-{stamp}-{counter}{path.suffix}")
    shutil.copy2(path, target)
    return target


def write_json(path: Path, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
