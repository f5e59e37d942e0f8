"""File-level operations shared by the command line and other front ends.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.xlsx"
    >>> outcome = score_file("samples/seed003_项目支出绩效自评表.xlsx", out)
    >>> outcome.results[2].total_computed                                             
    91.9
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_save, atomic_write
from .edits import EditPlan, build_plan
from .profile import Profile, load_profile
from .reader import WorkbookData, open_workbook, read_openpyxl_book
from .report import workbook_report
from .scoring import FormResult, score_form
from .problems import ToolkitError
from .writer import apply_plan


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
    from .department.scoring import effective_profile

    profile = requested if isinstance(requested, Profile) else load_profile(requested)
    return effective_profile(book, profile)


def score_book(book: WorkbookData, profile: Profile) -> tuple[list[FormResult], EditPlan]:
    """Score every form of a read workbook by ``profile`` (see :func:`resolve_profile`) and
    plan the edits."""
    from .department.scoring import score_department  # department forms (kind "department")
    results = []
    for form in book.forms:
        results += score_department(form, profile) if form.kind == "department" else [score_form(form, profile)]
    tool_valued = {(form.sheet, cell.ref) for form in book.forms for cell in form.cells() if cell.tool_filled}
    plan = build_plan(results, previous=book.registry, tool_valued=tool_valued, meta=book.meta,
                      workbook_flags=book.flags)
    return results, plan


def default_output(path: Path) -> Path:
    """``单位_项目.xlsx`` → ``单位_项目_评分.xlsx`` beside the input."""
    return path.with_name(f"{path.stem}_评分{path.suffix or '.xlsx'}")


def score_file(input_path: str | Path, output_path: str | Path | None = None, *,
               profile: Profile | str = "national", json_path: str | Path | None = None,
               overwrite_input: bool = False) -> ScoreOutcome:
    """Score a workbook file and write the scored copy (never the input, unless asked).

    With ``overwrite_input`` the input is first copied to ``<name>.bak.xlsx``.
    """
    input_path = Path(input_path)
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    output = Path(output_path) if output_path else default_output(input_path)
    if output.resolve() == input_path.resolve() and not overwrite_input:
        raise ToolkitError(f"输出文件与输入文件相同（{input_path.name}）。为防止覆盖填报内容，请用 -o 指定其他文件名，"
                           "或加 --in-place（会先备份原文件）。")
    # Values (cached results of any formulas) for scoring; the formula workbook for writing.
    data_book = open_workbook(input_path, data_only=True)
    book = read_openpyxl_book(data_book, input_path)
    profile = resolve_profile(book, profile)
    results, plan = score_book(book, profile)
    report = workbook_report(str(input_path), results, profile, book.meta, book.flags)

    wb = open_workbook(input_path, data_only=False)
    apply_plan(wb, plan)
    if output.resolve() == input_path.resolve():
        shutil.copy2(input_path, input_path.with_name(f"{input_path.stem}.bak{input_path.suffix}"))
    atomic_save(wb, output)
    if json_path:
        write_json(Path(json_path), report)
    return ScoreOutcome(book=book, results=results, plan=plan, report=report, output=output)


def write_json(path: Path, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
