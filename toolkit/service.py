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
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter

from toolkit.core.problems import Flag, Problem, ToolkitError
from toolkit.core.profile import Profile, ProfileError, load_profile
from toolkit.core.results import FormResult
from toolkit.forms import registry as kinds
from toolkit.report import json_safe, workbook_report
from toolkit.workbook.atomic import atomic_write
from toolkit.workbook.cached import formula_cache, restore_cached_values
from toolkit.workbook.edits import KEEP, EditPlan, build_plan
from toolkit.workbook.io import check_file_kind, is_strict, open_workbook
from toolkit.workbook.outputs import check_outputs
from toolkit.workbook.printing import form_bottoms, notes_places
from toolkit.workbook.meta import (META_SHEET, Registry, export_profile_meta, read_meta, sheet_infos,
                                   template_sheets_row, tool_sheet_titles, with_profile)
from toolkit.forms.profile_choice import choose_profile, unmatched_framework
from toolkit.workbook.sheets import SheetAccess, WorkbookData, split_ref
from toolkit.workbook.meta import CHECK_SHEET, INSTRUCTIONS_SHEET, PROBLEM_SHEET
from toolkit.workbook.writer import apply_plan


@dataclass
class ScoreOutcome:
    book: WorkbookData
    results: list[FormResult]
    plan: EditPlan
    report: dict
    output: Path | None = None


def resolve_profile(book: WorkbookData, requested: Profile | str | None = None) -> Profile:
    """The profile a workbook is scored by: ``requested``, else the full profile the workbook embeds,
    else the built-in it names, else its kind's default (see :mod:`toolkit.forms.profile_choice`);
    a ``profile_differs`` warning joins ``book.flags`` when the one used is not the embedded one."""
    profile, flags = choose_profile(book.forms, book.meta, book.path.name, requested)
    book.flags += [flag for flag in flags if flag not in book.flags]
    return profile


def refuse_other_kind(book: WorkbookData, requested: Profile | None) -> None:
    """A ``--profile`` that scores none of the workbook's kinds of form (a department framework given
    to a project workbook) is refused (exit 3) rather than silently replaced by another profile."""
    if requested is None or not book.forms:
        return
    wanted = {kinds.kind_of(form).profile_kind for form in book.forms}
    if requested["kind"] not in wanted:
        names = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效"}
        raise ProfileError(requested.source, [Problem(
            "schema", "error", "$.kind",
            f"规则配置「{requested.id}」用于{names.get(requested['kind'], requested['kind'])}（kind = {requested['kind']}），"
            f"本工作簿是{'、'.join(names.get(kind, kind) for kind in sorted(wanted))}：请换用相应的规则配置，"
            "或不加 --profile（按工作簿记录的配置计分）")])


def score_book(book: WorkbookData, profile: Profile, *,
               refuse_unmatched: bool = True) -> tuple[list[FormResult], EditPlan]:
    """Score every form of a read workbook by ``profile`` (see :func:`resolve_profile`) and
    plan the edits; the meta sheet will carry ``profile`` in full. A profile whose framework shares
    no indicator with a form is refused (ProfileError naming the indicators on both sides) unless
    ``refuse_unmatched`` is false (collect reports the flags per file instead)."""
    results = [result for form in book.forms for result in kinds.score_form(form, profile)]
    unmatched = unmatched_framework(results, profile, book.meta.get("profile_id")) if refuse_unmatched else None
    if unmatched is not None:
        raise ProfileError(profile.source, [unmatched])
    _keep_clerk_cells(book, results)
    _drop_stale_registry(book, {result.sheet for result in results})
    check_title, meta_title, notes = tool_sheet_titles(book.sheets, book.meta)
    book.flags += [Flag("tool_sheet_renamed", "info", None, note) for note in notes if not any(
        flag.message == note for flag in book.flags)]
    tool_valued = {(form.sheet, cell.ref) for form in book.forms for cell in form.cells() if cell.tool_filled}
    keys = {(form.sheet, cell.ref): cell.key for form in book.forms for cell in form.cells()}
    meta = dict(book.meta)
    if book.forms and "template_id" not in meta:
        kind = kinds.kind_of(book.forms[0])
        meta.update(template_id=kind.template_id, template_version=kind.template_version)
    meta["check_sheet"] = check_title
    meta.update([template_sheets_row(book.template_sheets)])
    meta = with_profile(meta, profile)  # the profile travels with the workbook it scored
    notes = notes_places(book.sheet_values, form_bottoms(book.forms), book.registry.filled,
                         kinds.printed_spans(book.forms))
    plan = build_plan(results, previous=book.registry, tool_valued=tool_valued, keys=keys, meta=meta,
                      workbook_flags=book.flags, notes_at=notes)
    plan.check_title, plan.meta_title = check_title, meta_title
    return results, plan


def _drop_stale_registry(book: WorkbookData, sheets: set[str]) -> None:
    """Registry rows of sheets that are no longer forms (deleted or renamed) are ignored, and said."""
    registry = book.registry
    stale = sorted({sheet for sheet, _ in [*registry.filled, *registry.flagged]} - sheets)
    if not stale:
        return
    registry.filled = {key: value for key, value in registry.filled.items() if key[0] in sheets}
    registry.flagged = {key for key in registry.flagged if key[0] in sheets}
    book.flags.append(Flag("registry_stale", "info", None,
                           f"上次计算得分时的工作表「{'」「'.join(stale)}」已不在（被删除或改名），其记录已忽略。"))


def _keep_clerk_cells(book: WorkbookData, results: list[FormResult]) -> None:
    """The last word on what scoring may write: only blank cells and the tool's own earlier
    values. A clerk's unreadable text or formula is flagged by the scorer, never replaced."""
    cells = {(form.sheet, cell.ref): cell for form in book.forms for cell in form.cells()}
    uncached: dict[str, list] = {}  # by sheet, once: linear in the number of forms
    for (sheet, _), cell in cells.items():
        if cell.formula and cell.value is None:
            uncached.setdefault(sheet, []).append(cell)
    for result in results:
        for ref, merged in [(ref, _merge_holding(book, result.sheet, ref)) for ref in list(result.fills)]:
            if merged:
                result.flags.append(Flag("merged_cell", "warning", ref,
                                         f"单元格 {ref} 在合并区域 {merged} 内（不是它的第一个单元格），工具无法写入计算值 "
                                         f"{result.fills.pop(ref)}；请取消合并后再计算得分。", sheet=result.sheet))
        result.fills = {ref: value for ref, value in result.fills.items()
                        if (result.sheet, ref) not in cells or cells[(result.sheet, ref)].fillable}
        for cell in uncached.get(result.sheet, ()):
            result.flags.append(Flag("formula_not_calculated", "warning", cell.ref,
                                     "单元格有公式但文件中没有它的计算结果（文件不是由 Excel/WPS 保存的），"
                                     "已按空白处理且不会改写公式。请在 Excel/WPS 中打开、保存后再评分。",
                                     sheet=result.sheet))


def _merge_holding(book: WorkbookData, sheet: str, ref: str) -> str | None:
    """The merged range that holds ``ref`` other than as its first cell (None when there is none)."""
    row, col = split_ref(ref)
    for min_row, min_col, max_row, max_col in book.merged.get(sheet, ()):
        if min_row <= row <= max_row and min_col <= col <= max_col and (row, col) != (min_row, min_col):
            return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    return None


def default_output(path: Path) -> Path:
    """``单位_项目.xlsx`` → ``单位_项目_评分.xlsx`` beside the input."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}_评分{suffix}")


def score_file(input_path: str | Path, output_path: str | Path | None = None, *,
               profile: Profile | str | None = None, json_path: str | Path | None = None,
               overwrite_input: bool = False) -> ScoreOutcome:
    """Score a workbook file and write the scored copy (never the input, unless asked).

    With ``overwrite_input`` (and no other output) the input itself is rewritten after a
    backup copy ``<name>.bak-<time>.xlsx``. ``profile`` None: the profile the workbook records,
    else its kind's default (:func:`resolve_profile`).
    """
    input_path = Path(input_path)
    check_file_kind(input_path)
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)  # a bad --profile is reported before the file is read
    output = Path(output_path) if output_path else (input_path if overwrite_input else default_output(input_path))
    if output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ToolkitError(f"输出文件「{output}」须以 .xlsx 结尾（评分结果是 Excel 工作簿）。")
    if output.resolve() == input_path.resolve() and not overwrite_input:
        raise ToolkitError(f"输出文件与输入文件相同（{input_path.name}）。为防止覆盖填报内容，请用 -o 指定其他文件名，"
                           "或加 --in-place（会先备份原文件）。")
    check_outputs([input_path], {"-o": output, "--json": Path(json_path) if json_path else None},
                  in_place=input_path if overwrite_input else None)
    # Values (cached results of any formulas) for scoring; the formula workbook for writing.
    keep_macros = output.suffix.lower() == ".xlsm"
    try:
        wb = open_workbook(input_path, data_only=False, keep_vba=keep_macros, keep_merged_styles=True)
        links_dropped = False
    except ToolkitError:  # a damaged link to another workbook (even a DDE one) must not make the form unusable
        wb = open_workbook(input_path, data_only=False, keep_vba=keep_macros, keep_merged_styles=True,
                           keep_links=False)
        links_dropped = True
    cache = formula_cache(input_path)  # the formulas' results, without a second full load
    book = read_openpyxl_book(wb, input_path, cached=cache)
    if links_dropped:
        book.flags.append(Flag("links_dropped", "warning", None,
                               "工作簿中指向其他文件的外部链接已损坏或无法读取，评分结果中未保留这些链接（原文件不变）；"
                               "引用它们的公式保留上次的计算结果。"))
    if is_strict(input_path):
        book.flags.append(Flag("strict_read", "info", None,
                               f"「{input_path.name}」以 Strict Open XML（严格）格式保存：已按通常格式读取，"
                               f"输出文件「{output.name}」为通常的 .xlsx 格式，内容相同。"))
    if input_path.suffix.lower() == ".xlsm" and not keep_macros:
        book.flags.append(Flag("macros_dropped", "info", None,
                               f"输出文件「{output.name}」是 .xlsx，不能带宏：原文件中的宏没有带入（原文件不变）。"
                               "如需保留宏，请用 -o 指定 .xlsm 输出文件。"))
    refuse_other_kind(book, profile)
    profile = resolve_profile(book, profile)
    results, plan = score_book(book, profile)
    report = workbook_report(str(input_path), results, profile, book.meta, book.flags)

    apply_plan(wb, plan)
    if output.resolve() == input_path.resolve():
        backup_copy(input_path)
    written = {(sheet, ref) for (sheet, ref), edit in plan.edits.items() if edit.value is not KEEP}
    not_kept: list[str | None] = []  # what openpyxl drops (drawings, x14 lists …) is merged back from the input
    from toolkit.workbook.preserve import keep_clerk_parts  # lxml: only files need it
    atomic_write(output, lambda tmp: (wb.save(tmp), restore_cached_values(tmp, cache, written), not_kept.append(
        keep_clerk_parts(input_path, tmp, tool_sheets={plan.check_title, plan.meta_title}, keep_macros=keep_macros))))
    if any(not_kept):
        book.flags.append(Flag("parts_not_kept", "warning", None, next(filter(None, not_kept))))
        report = workbook_report(str(input_path), results, profile, book.meta, book.flags)
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
    stem = path.stem
    if len(os.fsencode(path.name)) > 180:  # file systems allow 255 bytes: keep the backup name short
        stem = f"{os.fsdecode(os.fsencode(stem)[:60]).rstrip(chr(0xFFFD))}-{hashlib.sha1(os.fsencode(stem)).hexdigest()[:8]}"
    target = path.with_name(f"{stem}.bak-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{stem}.bak-{stamp}-{counter}{path.suffix}")
    try:
        shutil.copy2(path, target)
    except OSError as exc:  # a read-only folder: nothing is written, the input stays as it was
        raise ToolkitError(f"无法在「{path.parent}」中备份「{path.name}」（{exc.strerror or exc}）：--in-place 需要先备份原文件，"
                           "该文件夹可能没有写权限。请用 -o 把结果写到其他位置。") from None
    return target


def write_json(path: Path, data: dict) -> None:
    """Write a report as UTF-8 JSON: file names that were not UTF-8 show U+FFFD where their bytes
    were, and numbers that are not finite are written as null (JSON has no Infinity)."""
    text = json.dumps(json_safe(data), ensure_ascii=False, indent=2, allow_nan=False)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


# -- reading ---------------------------------------------------------------------------------

def read_workbook(path: str | Path) -> WorkbookData:
    """Read every project form in the workbook at ``path``."""
    path = Path(path)
    wb = open_workbook(path)
    return read_openpyxl_book(wb, path)


def read_openpyxl_book(wb, path: Path, formula_wb=None, cached: dict | None = None) -> WorkbookData:
    """Read every form (project and department) of an openpyxl workbook.

    ``wb`` holds values (cached formula results); ``formula_wb``, the same file opened with
    formulas, marks the clerk's formula cells so they are never overwritten.
    """
    meta, registry = read_meta(wb)
    if not meta:
        meta = export_meta(wb)
    prefixes = kinds.name_prefixes()
    sheets, name_flags = [], []
    for ws in wb.worksheets:
        if any(name.startswith(prefixes) for name in ws.defined_names):
            formula_ws = formula_wb[ws.title] if formula_wb is not None else None
            sheet = SheetAccess.from_openpyxl(ws, formula_ws, None if cached is None else cached.get(ws.title, {}))
            sheet, flags = kinds.confirm_names(sheet)  # stored names against the printed labels
            sheets.append(sheet)
            name_flags += flags
    forms = kinds.read_forms(sheets, registry, path.name, meta)
    book = assemble_book(path, forms, meta, registry)
    book.flags.extend(name_flags)
    book.template_sheets = [sheet.title for sheet in sheets]
    book.sheet_values = {sheet.title: sheet.values for sheet in sheets}
    book.flags.extend(unnamed_form_flags(wb))
    book.sheets = sheet_infos(formula_wb or wb)
    book.merged = {ws.title: [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
                   for ws in (formula_wb or wb).worksheets if hasattr(ws, "merged_cells")}
    return book


def unnamed_form_flags(wb) -> list[Flag]:
    """A flag (never a silent skip) for each visible sheet that shows a form's title or headers
    but carries none of the template's names — a form pasted into a new sheet."""
    return [kinds.unnamed_form_flag(ws.title) for ws in wb.worksheets if _looks_like_unnamed_form(ws)]


def _looks_like_unnamed_form(ws) -> bool:
    if getattr(ws, "sheet_state", "visible") != "visible" or ws.title in (CHECK_SHEET, INSTRUCTIONS_SHEET, META_SHEET, PROBLEM_SHEET):
        return False
    if any(name.startswith(kinds.name_prefixes()) for name in ws.defined_names):
        return False
    first_rows = ws.iter_rows(min_row=1, max_row=20, max_col=min(ws.max_column, 60))
    return kinds.looks_like_form({(cell.row, cell.column): cell.value for row in first_rows for cell in row
                                  if cell.value is not None})


def export_meta(wb) -> dict[str, str]:
    """Template id/version of an exported workbook, which has no hidden sheet: they travel in
    the ``jx.*`` custom document properties (see :mod:`toolkit.submission.fingerprint`)."""
    props = {p.name: str(p.value) for p in getattr(wb, "custom_doc_props", []) if p.name}
    meta = {key: props[f"jx.{key}"] for key in ("template_id", "template_version", "profile_id") if f"jx.{key}" in props}
    return {**meta, **export_profile_meta(props)}  # and the full profile the export carries


def assemble_book(path: Path, forms: list, meta: dict[str, str], registry: Registry) -> WorkbookData:
    """Workbook-level checks shared by every reader (openpyxl files, the live Excel book).

    Raises when no form was found or the workbook is of another template; a missing or
    different template version is a warning flag, so old files are still read.
    """
    if not forms:
        from toolkit.forms.project.adopt import adoption_hint, adoption_obstacle

        hint = adoption_hint(path)  # a form in another layout, found by its labels
        if hint:
            raise ToolkitError(f"文件「{path.name}」没有本模板的字段名称（JX_IndicatorHeader 等）。{hint}，"
                               "再对生成的工作簿评分。")
        obstacle = adoption_obstacle(path)  # it looks like a form, yet its layout cannot be read
        if obstacle:
            raise ToolkitError(f"文件「{path.name}」没有本模板的字段名称，也无法用 jixiao adopt 导入：{obstacle}。"
                               "请按上述原因补全表格后再导入，或改用 templates/ 下的模板填报。")
        raise ToolkitError(f"文件「{path.name}」中没有可识别的自评表：没有任何工作表带有模板的字段名称"
                           "（JX_IndicatorHeader 等）。请使用 templates/ 下的模板（项目支出绩效自评表、"
                           "部门整体支出绩效）填报，或从模板复制工作表。")
    flags: list[Flag] = []
    templates = kinds.known_templates()
    template_id = meta.get("template_id")
    if template_id and template_id not in templates:
        raise ToolkitError(f"文件「{path.name}」使用的模板「{template_id}」不是本工具的模板"
                           f"（可识别：{'、'.join(templates)}）。")
    if not template_id:
        flags.append(Flag("template_meta_missing", "warning", None,
                          "工作簿缺少模板标识（隐藏的 _jx_meta 表），无法确认模板版本；已按当前版本读取。"))
    elif meta.get("template_version") != templates[template_id]:
        flags.append(Flag("template_version", "warning", None,
                          f"模板版本为 {meta.get('template_version')}，当前工具对应 {templates[template_id]}；"
                          "已按当前版本读取，请核对。"))
    return WorkbookData(path=path, forms=forms, meta=meta, registry=registry, flags=flags)
