"""Collection (汇总): a folder of received submissions → a checked summary workbook and report.

``jixiao collect FOLDER [-o 汇总.xlsx] [--json REPORT.json] [--roster 单位名单.xlsx] [--notices DIR] [--jobs N] [--profile P]``

Every file under ``FOLDER`` (recursively, sorted by path; hidden and lock files included —
no file is ever skipped silently) is checked independently, in parallel (``--jobs``,
default: all CPU cores), with a progress bar. Symbolic links are listed too, each followed
once (:func:`list_entries`): a link to a file is checked as that file; a link to a folder is
walked once (folders are walked under their real path first, so a link to a folder already
walked is listed as such, not read twice); a link into a folder holding the link itself (a
loop), a link to itself, or a dangling link is ``unreadable`` (``io_error``); a pipe, socket or
device file is ``not_excel``; a sub-folder that cannot be opened is ``unreadable``.

1. is it an Excel workbook at all, can it be opened;
2. is it one of our forms, and an *export* (has the ``jx.*`` fingerprint of
   :mod:`toolkit.submission.fingerprint`), of the accepted template id and version;
3. does its content still match the fingerprint; if not, which cells changed
   (score cells are named exactly; other changes by row);
4. was it exported under the rule profile it is re-scored by (id and SHA-256): the bureau's
   ``--profile``, else the profile the file records (as ``jixiao score`` resolves it), and
   with no record, its kind's default;
5. it is re-scored by that profile and the re-score is compared with the scores written in it
   (the engine's error flags);
6. across files: the same unit/year/project submitted twice.

Status vocabulary (one per file, the first that applies in this order):

=====================  ============  =========================================================
status                 中文           meaning
=====================  ============  =========================================================
``not_excel``          不是 Excel     not a spreadsheet at all (by content, not by extension)
``unreadable``         无法读取       damaged, encrypted, legacy .xls, or openpyxl cannot open it
``wrong_template``     模板不符       not our form, or another template id/version
``not_export``         不是导出文件   our form but without an export fingerprint (a working copy)
``tampered``           内容被改动     content other than score cells changed after export
                                      (or sheets added/removed/reordered)
``score_edited``       得分被手改     only score cells changed after export; each is named with
                                      its exported, current and re-scored value
``duplicate``          重复报送       a unit/year/project already seen in an earlier file
``profile_mismatch``   规则不同       exported under another rule profile, or another version of
                                      it (re-scored by the profile resolved for the file)
``unresolved_errors``  复核有错误     intact export, but the re-score finds errors (e.g. an
                                      export forced 「含未解决问题」)
``accepted``           通过           none of the above
=====================  ============  =========================================================

A score cell changed by hand is ``score_edited`` whether or not the new value agrees with
the re-score (the message says which); an edit of any other cell is ``tampered``.

Precedence across files (``duplicate``, :func:`mark_duplicates`): files are taken in path
order and only an *intact export of an accepted template* — a file that reached
``profile_mismatch``, ``unresolved_errors`` or ``accepted`` on its own — can be the original
that a later file repeats. A working copy (``not_export``), a file of another template, or a
tampered or hand-edited export never counts as an original, so a folder holding a working copy
and its export reports the working copy ``not_export`` and the export by its own checks
(``accepted``, or e.g. ``unresolved_errors`` for a forced export), never ``duplicate``. Every
file is still compared with the originals before it, and a status that outranks
``duplicate`` keeps its place (the repetition is then listed as a problem of that file).

What the summary counts (:func:`mark_duplicates`, :func:`build_report`): each form of an intact
export of an accepted template (a file that reached ``profile_mismatch``, ``unresolved_errors`` or
``accepted`` on its own) that no earlier such file holds (same unit, year and project) and whose
unit is filled in — each submission once. Totals, rankings and charts use these forms only, grouped
by year and kind of form (never one ranking across years or kinds); every other file is listed
with its status and left out, and the summary says in words what was left out and why. Beside
each form's re-checked total stands the unit's own (``total_entered``) and the difference, with
the cells that cause it (:func:`difference`; a manual deduction with its reason is *accepted*).
Each unit with problems gets a notice in plain Chinese (:func:`build_notices`); a roster
(:mod:`toolkit.submission.roster`) adds what was not submitted and what was not expected.

Files collect writes — the summary workbook and notices (custom property
:data:`OWN_OUTPUT_PROPERTY`), the JSON report (``"generator": "jixiao collect"``) — are recognised
by that marker, whatever their name, and listed under ``ignored`` instead of being checked; the
command refuses outputs inside the folder it collects (:func:`output_paths`).

Text in the report is for display: bytes of a file name that are not UTF-8 are shown as
U+FFFD (the report is plain UTF-8 JSON, no surrogate escapes), and a number that is not
finite (±inf, NaN) is written as ``null`` with a ``not_a_number`` problem naming the field.
The summary workbook writes every text as text (never a formula, whatever it starts with:
``=``, ``+``, ``-``, ``@``, TAB, CR) and replaces characters XML cannot hold by U+FFFD.

Every problem is ``{code, severity, sheet, cell, message}`` (cell/sheet null when the
problem concerns the whole file). The JSON report follows
``toolkit/schemas/collect_report.schema.json``.

Example::

    >>> STATUS_ORDER[0], STATUS_ORDER[-1], STATUS_LABELS["score_edited"]
    ('not_excel', 'accepted', '得分被手改')
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import math
import os
import stat
import time
import zipfile
from xml.etree import ElementTree
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from toolkit import __version__
from toolkit.submission import fingerprint as fp
from toolkit.core.catalogue import CATALOGUE
from toolkit.core.problems import SEVERITY_LABELS, ToolkitError
from toolkit.core.profile import Profile, ProfileError, load_profile
from toolkit.forms.profile_choice import profile_label
from toolkit.exits import EXIT_NOT_ACCEPTED
from toolkit.forms import registry as kinds
from toolkit.submission.roster import Roster
from toolkit.submission.tables import group_rows, unit_rows
from toolkit.workbook.io import damage_reason, damaged_message, sniff, unusable_message
from toolkit.submission.fastread import SheetUnreadable as _SheetUnreadable, read_submission
from toolkit.report import BEIJING, beijing_now, json_safe
from toolkit.workbook.writer import display_text, put_value

STATUS_LABELS = {
    "not_excel": "不是 Excel",
    "unreadable": "无法读取",
    "wrong_template": "模板不符",
    "not_export": "不是导出文件",
    "tampered": "内容被改动",
    "score_edited": "得分被手改",
    "duplicate": "重复报送",
    "profile_mismatch": "规则不同",
    "unresolved_errors": "复核有错误",
    "accepted": "通过",
}
STATUS_ORDER = list(STATUS_LABELS)
# An intact export of an accepted template: only such a file is the original of a duplicate.
ORIGINAL_STATUSES = ("profile_mismatch", "unresolved_errors", "accepted")
# Templates the bureau accepts: id → version. Department forms will add their own id.
# What reading a damaged package that openpyxl opened can raise.
READ_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError, OSError, EOFError, zipfile.BadZipFile,
               ElementTree.ParseError)
ACCEPTED_TEMPLATES = kinds.known_templates()  # project and department forms
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".et"}  # named like a spreadsheet (WPS .et too)


def _problem(code: str, message: str, *, severity: str = "error", sheet: str | None = None,
             cell: str | None = None) -> dict:
    return {"code": code, "severity": severity, "sheet": sheet, "cell": cell, "message": message}


def worst_status(statuses) -> str:
    """The status that wins among several (see the table in the module docstring).

    >>> worst_status(["accepted", "duplicate", "score_edited"])
    'score_edited'
    """
    statuses = set(statuses) or {"accepted"}
    return min(statuses, key=STATUS_ORDER.index)


# -- one file ----------------------------------------------------------------------------

_SNIFF_STATUS = {  # sniff result → (status, problem code)
    "io_error": ("unreadable", "io_error"), "encrypted": ("unreadable", "encrypted"),
    "legacy_xls": ("unreadable", "legacy_xls"),
    "corrupt": ("unreadable", "corrupt"), "zip_not_excel": ("not_excel", "not_excel"),
    "missing": ("unreadable", "io_error"), "folder": ("not_excel", "not_excel"),
}


# The files collect writes carry this custom document property (the summary workbook, notices) or
# JSON key (the report): collect recognises them by it, not by their name, and does not check them.
OWN_OUTPUT_PROPERTY = "jx.generated_by"
OWN_OUTPUTS = {"collect_summary": "本工具生成的汇总表", "collect_notice": "本工具生成的复核意见",
               "collect_report": "本工具生成的汇总报告（JSON）"}
_REPORT_KEYS = {"generated_at", "toolkit_version", "folder", "summary", "files", "projects", "units"}


def _own_output(path: Path, what: str) -> dict:
    label = OWN_OUTPUTS.get(what, "本工具生成的文件")
    return {"path": str(path), "own_output": what,
            "reason": f"{label}（由 jixiao collect 写入，按文件中的标记识别），不是报送文件，未检查。"}


def _own_json(path: Path) -> bool:
    """Is ``path`` a report ``jixiao collect --json`` wrote (by its content)?"""
    try:
        if path.stat().st_size > 256 * 1024 * 1024:
            return False
        with open(path, "rb") as handle:
            if handle.read(1) != b"{":
                return False
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and (data.get("generator") == "jixiao collect" or _REPORT_KEYS <= set(data))


def _sniff(path: Path) -> dict | None:
    """A finished entry for files that are not usable workbooks, else None."""
    what = sniff(path)
    if what == "xlsx":
        return None
    if what == "not_zip" and path.suffix.lower() == ".json" and _own_json(path):
        return _own_output(path, "collect_report")
    if what == "not_zip":  # an .xlsx that is not a zip was damaged or renamed; anything else is not ours
        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
            return _finish(path, "unreadable", [_problem("corrupt", f"文件「{path.name}」扩展名是 {path.suffix.lower()}，"
                                                         "但内容不是 Excel 工作簿（文件已损坏或被改名）。")])
        return _finish(path, "not_excel", [_problem("not_excel", f"文件「{path.name}」不是 Excel 工作簿"
                                                    f"（{path.suffix.lower() or '无扩展名'}）。")])
    if what == "legacy_xls" and path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return _finish(path, "not_excel", [_problem("not_excel", f"文件「{path.name}」是 Office 旧格式文档，不是 Excel 工作簿。")])
    status, code = _SNIFF_STATUS[what]
    message = unusable_message(path, what)
    if what == "encrypted":
        message = f"文件「{path.name}」设置了打开密码，无法读取。请让报送单位去除密码后重新导出报送。"
    elif what == "legacy_xls":
        message = f"文件「{path.name}」是旧版 .xls 格式，不是导出报送文件。请让报送单位用「导出报送」重新生成。"
    return _finish(path, status, [_problem(code, message)])


def _finish(path: Path, status: str, problems: list[dict], **extra) -> dict:
    entry = {"path": str(path), "status": status, "status_label": STATUS_LABELS[status],
             "problems": problems, "fingerprint": None, "forms": [], "timing": {"read": 0.0, "score": 0.0}}
    entry.update(extra)
    return entry


def check_file(path: str | Path, profile: Profile | None = None, *, engine: str | None = None) -> dict:
    """Validate and re-score one received file; returns its JSON report entry.

    ``profile`` is the bureau's (``--profile``); None re-scores the file by the profile it records.

    ``engine`` chooses the reader (:func:`toolkit.submission.fastread.read_submission`:
    python-calamine where its guard allows, else openpyxl); the entry's ``timing.reader`` says
    which one read the file. The entry is the same whichever reader read it.

    >>> entry = check_file("README.md", load_profile("national"))
    >>> entry["status"], entry["problems"][0]["code"]
    ('not_excel', 'not_excel')
    """
    path = Path(path)
    started = time.perf_counter()
    sniffed = _sniff(path)
    if sniffed is not None:
        return sniffed
    from toolkit.service import read_openpyxl_book, resolve_profile, score_book

    name = path.name
    try:
        wb = read_submission(path, engine)
    except ToolkitError as exc:
        return _finish(path, "unreadable", [_problem("corrupt", str(exc))])
    except _SheetUnreadable as exc:  # a sheet part that is not well-formed XML, or a damaged zip stream
        return _finish(path, "unreadable", [_problem("corrupt", exc.message(name), sheet=exc.title)])
    props: dict[str, str] = {}
    try:
        props = fp.read_properties(wb)
        book = read_openpyxl_book(wb, path)
        bureau, profile = profile, resolve_profile(book, profile)
    except ProfileError as exc:  # the profile the export carries is unusable, or was edited after export
        wb.close()
        tampered = any(problem.code == "profile_tampered" for problem in exc.problems)
        return _finish(path, "tampered" if tampered else "wrong_template",
                       [_problem(problem.code, f"{problem.location}：{problem.message}") for problem in exc.problems],
                       fingerprint=_fp_summary(props), timing=_read_timing(started, wb))
    except ToolkitError as exc:
        wb.close()
        if props.get(OWN_OUTPUT_PROPERTY) and not props.get("jx.sha256"):  # no form in it: our own output
            return _own_output(path, props[OWN_OUTPUT_PROPERTY])
        return _finish(path, "wrong_template", [_problem("wrong_template", str(exc))],
                       fingerprint=_fp_summary(props), timing=_read_timing(started, wb))
    except READ_ERRORS as exc:  # a damaged structure openpyxl accepted
        wb.close()
        return _finish(path, "unreadable", [_problem("corrupt", damaged_message(path, damage_reason(path, exc)))],
                       timing=_read_timing(started, wb))
    read_done = time.perf_counter()

    problems: list[dict] = []
    statuses: set[str] = set()
    if not props.get("jx.sha256"):
        statuses.add("not_export")
        problems.append(_problem("not_export", f"文件「{name}」没有导出指纹：不是用「导出报送」生成的文件（可能是填报底稿或另存的副本）。"
                                 "请让报送单位用「导出报送」重新生成后报送。"))
        problems += [_problem(f.code, f.message, severity=f.severity) for f in book.flags if f.severity == "error"]
    else:
        template_id, version = props.get("jx.template_id"), props.get("jx.template_version")
        if template_id not in ACCEPTED_TEMPLATES:
            statuses.add("wrong_template")
            problems.append(_problem("wrong_template", f"导出文件的模板为「{template_id}」，不是本局接收的模板。"))
        elif version != ACCEPTED_TEMPLATES[template_id]:
            statuses.add("wrong_template")
            problems.append(_problem("template_version", f"导出文件的模板版本为 {version}，本局使用 {ACCEPTED_TEMPLATES[template_id]}。"
                                     "请让报送单位用新版模板重新填报导出。"))
        if props.get("jx.status") == "含未解决问题":
            problems.append(_problem("forced_export", "报送单位在仍有错误时强制导出（文件标记为「含未解决问题」）。",
                                     severity="warning"))
        if props.get("jx.profile_id") != profile.id or props.get("jx.profile_sha256") != profile.sha256:
            statuses.add("profile_mismatch")
            ours = "本局为" if profile is bureau else "本工具内置的为"
            problems.append(_problem("profile_mismatch", f"导出时使用的规则为「{props.get('jx.profile_id')}」"
                                     f"（SHA-256 {str(props.get('jx.profile_sha256'))[:12]}…），{ours}「{profile.id}」"
                                     f"（{profile.sha256[:12]}…）；已按「{profile.id}」重新计分。", severity="warning"))

    for flag in [f for f in book.flags if f.code == "profile_tampered"]:  # edited after export (bureau --profile given)
        statuses |= {"tampered"}
        problems.append(_problem("profile_tampered", flag.message))
    if "profile_mismatch" not in statuses:  # an embedded profile bearing a built-in's id with other content
        for flag in [f for f in book.flags if f.code == "profile_differs"]:
            statuses.add("profile_mismatch")
            problems.append(_problem("profile_differs", flag.message, severity="warning"))
    results, _plan = score_book(book, profile, refuse_unmatched=False)  # a foreign framework: flags per row
    forms = {form.sheet: form for form in book.forms}
    recomputed: dict[tuple[str, str], object] = {}
    for result in results:
        for item in result.items:
            recomputed[(result.sheet, item.cell)] = item.computed
        if result.total_cell:
            recomputed[(result.sheet, result.total_cell)] = result.total_computed
        form = forms.get(result.sheet)
        if form is not None and result.total_cell:
            grade_ref = kinds.kind_of(form).score_cells(form, result)[-1]  # the grade closes the list
            recomputed[(result.sheet, grade_ref)] = result.grade

    try:
        changes = fp.locate_changes(props, wb) if props.get("jx.sha256") else []
    finally:
        wb.close()
    if props.get("jx.sha256"):
        for change in changes:
            problems.append(_change_problem(change, recomputed))
            statuses.add("score_edited" if change.kind == "score" else "tampered")
    if not statuses & {"not_export", "tampered", "score_edited", "wrong_template"}:
        errors = [f for r in results for f in r.flags if f.severity == "error"]
        if errors:
            statuses.add("unresolved_errors")
        for flag in errors:
            problems.append(_problem(flag.code, flag.message, sheet=flag.sheet, cell=flag.cell))
    # One row per form; a department workbook's 目标完成情况自评表 check is not a form of its own.
    rows = [dict(kinds.kind_of(forms[result.sheet]).summary_row(forms[result.sheet], result), **difference(result),
                 profile=profile_label(profile, bureau))  # which profile scored it: the summary says, per unit
            for result in results if result.sheet in forms]
    problems += _finite_rows(rows)
    entry = _finish(path, worst_status(statuses), problems, fingerprint=_fp_summary(props), forms=rows)
    entry["timing"] = dict(_read_timing(started, wb, read_done), score=time.perf_counter() - read_done)
    return entry


# Why a re-checked total differs from the unit's, in plain words: a flag of these codes at info
# severity is a difference the tool accepts (a manual deduction with its reason written, a score by
# another common rounding convention, a manual score inside its tier); any error is a disagreement.
ACCEPTED_DIFFERENCES = {"manual_deduction": "人工扣分，已写明理由", "rounding_convention": "按另一常见舍入口径计算",
                        "manual_score_accepted": "人工评分在档次内"}
_NOTE_LIMIT = 4


def difference(result) -> dict:
    """The unit's total against the re-check: ``difference`` (填报 − 复核, 2 decimals; None unless
    both are numbers), whether the tool accepts it, and a note naming the cells that cause it.

    >>> from toolkit.core.problems import Flag
    >>> class R: total_entered, total_computed, flags = 98.0, 100.0, [
    ...     Flag("manual_deduction", "info", "H17", "…", sheet="s")]
    >>> difference(R())
    {'difference': -2.0, 'difference_accepted': True, 'difference_note': '予以采纳：H17 人工扣分，已写明理由'}
    """
    entered, computed = result.total_entered, result.total_computed
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  for v in (entered, computed))
    value = round(entered - computed, 2) if numbers else None
    if not value:
        return {"difference": value, "difference_accepted": False, "difference_note": None}
    errors = [f for f in result.flags if f.severity == "error" or (f.code in ACCEPTED_DIFFERENCES and f.severity != "info")]
    accepted = [f for f in result.flags if f.code in ACCEPTED_DIFFERENCES and f.severity == "info"]

    def listed(flags, text) -> str:
        shown = "；".join(f"{f.cell + ' ' if f.cell else ''}{text(f)}" for f in flags[:_NOTE_LIMIT])
        return shown + (f" 等 {len(flags)} 处" if len(flags) > _NOTE_LIMIT else "")

    if errors:
        return {"difference": value, "difference_accepted": False,
                "difference_note": "与复核不符：" + listed(errors, lambda f: CATALOGUE[f.code].title
                                                   if f.code in CATALOGUE else f.code)}
    if accepted:
        return {"difference": value, "difference_accepted": True,
                "difference_note": "予以采纳：" + listed(accepted, lambda f: ACCEPTED_DIFFERENCES[f.code])}
    return {"difference": value, "difference_accepted": False, "difference_note": "与复核不符：见问题清单"}


def _read_timing(started: float, wb, read_done: float | None = None) -> dict:
    """The timing of an entry whose file was read: seconds reading, and by which reader."""
    return {"read": (read_done or time.perf_counter()) - started, "score": 0.0, "reader": wb.reader}


def _fmt_canonical(text: str | None) -> str:
    value = (text or "").partition("\t")[2]
    return value if value else "（空）"


def _change_problem(change: fp.Change, recomputed: dict) -> dict:
    from toolkit.core.arith import fmt

    if change.kind == "score":
        computed = recomputed.get((change.sheet, change.ref))
        computed_text = "—" if computed is None else (fmt(computed) if isinstance(computed, (int, float)) else str(computed))
        agrees = _fmt_canonical(change.new) == computed_text or (
            isinstance(computed, (int, float)) and _safe_float(change.new_value) is not None
            and abs(_safe_float(change.new_value) - computed) < 0.005)
        verdict = "与复核结果一致，但仍属导出后手改" if agrees else "与复核结果不符"
        return _problem("score_edited", f"得分单元格 {change.ref} 在导出后被手工修改：导出时为 {_fmt_canonical(change.old)}，"
                        f"现为 {_fmt_canonical(change.new)}；按规则复核应为 {computed_text}（{verdict}）。",
                        sheet=change.sheet, cell=change.ref)
    if change.kind == "content":
        return _problem("content_changed", f"工作表「{change.sheet}」第 {change.row} 行在导出后被改动（得分以外的内容）。",
                        sheet=change.sheet, cell=f"{change.row}:{change.row}")
    if change.kind == "sheet_missing":
        return _problem("sheet_missing", f"导出时的工作表「{change.sheet}」已不存在（被删除或改名）。", sheet=change.sheet)
    if change.kind == "sheet_added":
        return _problem("sheet_added", f"工作表「{change.sheet}」是导出后新增的。", sheet=change.sheet)
    return _problem("sheets_reordered", "工作表顺序在导出后被改动，内容指纹不符。")


def _safe_float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


ROW_NUMBERS = {"budget": "全年预算数", "actual": "全年执行数", "rate": "执行率", "total": "总分（复核）",
               "total_entered": "填报总分"}


def _finite_rows(rows: list[dict]) -> list[dict]:
    """Numbers of the per-form rows that are not finite (±inf, NaN) become None, each with a problem.

    JSON has no Infinity or NaN, and the summary workbook cannot hold them either.

    >>> rows = [{"sheet": "项目1", "budget": float("inf"), "total": 90.0}]
    >>> [p["code"] for p in _finite_rows(rows)], rows[0]["budget"], rows[0]["total"]
    (['not_a_number'], None, 90.0)
    """
    problems = []
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
                problems.append(_problem(
                    "not_a_number", f"{ROW_NUMBERS.get(key, key)}不是有限数字（{value}），报告和汇总表中记为空（null）。"
                    "请让报送单位核对该数值。", severity="warning", sheet=row.get("sheet")))
    return problems


def _fp_summary(props: dict[str, str]) -> dict | None:
    if not props.get("jx.sha256"):
        return None
    keys = ("template_id", "template_version", "profile_id", "profile_version", "profile_sha256",
            "toolkit_version", "exported_at", "status", "sha256")
    return {key: props.get("jx." + key) for key in keys}


# -- the folder --------------------------------------------------------------------------

_WORKER_PROFILE: Profile | None = None  # the bureau's; None: each file's own


def _init_worker(profile: Profile | None) -> None:
    global _WORKER_PROFILE
    _WORKER_PROFILE = profile


def _check_in_worker(path: str) -> dict:
    try:
        return check_file(path, _WORKER_PROFILE)
    except Exception as exc:  # noqa: BLE001 — a worker's boundary: a bug is reported for the file, never loses it
        return _finish(Path(path), "unreadable", [_problem("internal_error", f"检查文件时发生意外错误（{type(exc).__name__}：{exc}）。")])


@dataclass(frozen=True)
class Listed:
    """One thing found under the collect folder: a file to check (``entry`` None), or a link,
    special file or folder whose report entry is already decided."""

    path: Path
    entry: dict | None = None


def list_entries(folder: str | Path) -> list[Listed]:
    """Everything under ``folder`` that the report lists, sorted by path; nothing is left out.

    Real folders are walked first; then each link to a folder (in path order) is walked once,
    unless its folder was walked already (listed as such) or holds the link itself (a loop). A
    link to a file is checked as that file; a link to itself or dangling is unreadable.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); _ = (root / "a.xlsx").write_bytes(b"x")
    >>> (root / "loop").symlink_to("loop"); (root / "up").symlink_to(".", target_is_directory=True)
    >>> [(item.path.name, item.entry and item.entry["status"]) for item in list_entries(root)]
    [('a.xlsx', None), ('loop', 'unreadable'), ('up', 'unreadable')]
    """
    folder = Path(folder)
    root = os.path.realpath(folder)
    listed: list[Listed] = []
    walked: dict[str, Path] = {}  # real path of each folder walked → the path it was walked under
    folder_links: list[Path] = []

    def shown(path: Path | str) -> str:
        relative = os.path.relpath(path, folder)
        return "（汇总文件夹）" if relative == "." else relative

    def shown_real(real: str) -> str:
        inside = real == root or real.startswith(root.rstrip(os.sep) + os.sep)
        return shown(os.path.join(folder, os.path.relpath(real, root))) if inside else real

    def decided(path: Path, status: str, code: str, message: str) -> None:
        listed.append(Listed(path, _finish(path, status, [_problem(code, message)])))

    def folder_reached(path: Path, real: str) -> bool:
        """True (and the path listed) when the folder ``real`` holds ``path`` or was walked."""
        holder = os.path.realpath(path.parent)
        if holder == real or holder.startswith(real.rstrip(os.sep) + os.sep):
            decided(path, "unreadable", "io_error",
                    f"「{shown(path)}」是指向文件夹「{shown_real(real)}」的符号链接，而该文件夹包含这个链接本身"
                    "（链接循环）；未进入，以免重复读取。")
            return True
        if real in walked:
            decided(path, "not_excel", "not_excel",
                    f"「{shown(path)}」指向文件夹「{shown(walked[real])}」，其中的文件已按该路径列出和检查，未重复读取。")
            return True
        return False

    def walk(directory: Path) -> None:
        walked[os.path.realpath(directory)] = directory
        try:
            with os.scandir(directory) as found:
                children = sorted(found, key=lambda child: child.name)
        except OSError as exc:
            decided(directory, "unreadable", "io_error",
                    f"文件夹「{shown(directory)}」无法打开（{exc.strerror or exc}），其中的文件未能检查。请检查权限后重试。")
            return
        for child in children:
            path = Path(child.path)
            try:
                if child.is_symlink():
                    link(path)
                elif child.is_dir(follow_symlinks=False):
                    if not folder_reached(path, os.path.realpath(path)):
                        walk(path)
                elif child.is_file(follow_symlinks=False):
                    listed.append(Listed(path))
                else:
                    special(path)
            except OSError as exc:
                decided(path, "unreadable", "io_error", f"「{shown(path)}」无法读取（{exc.strerror or exc}）。")

    def link(path: Path) -> None:
        try:
            mode = os.stat(path).st_mode  # follows the link
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                decided(path, "unreadable", "io_error",
                        f"「{shown(path)}」是符号链接，但链接循环（指向自身或互相指向），无法读取。")
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                decided(path, "unreadable", "io_error",
                        f"「{shown(path)}」是符号链接，指向的「{os.readlink(path)}」不存在（链接已失效），无法读取。")
            else:
                decided(path, "unreadable", "io_error", f"符号链接「{shown(path)}」无法读取（{exc.strerror or exc}）。")
            return
        if stat.S_ISDIR(mode):
            folder_links.append(path)
        elif stat.S_ISREG(mode):
            listed.append(Listed(path))  # checked as the file it points to
        else:
            special(path)

    def special(path: Path) -> None:
        decided(path, "not_excel", "not_excel",
                f"「{shown(path)}」不是普通文件（命名管道、套接字或设备文件），不是 Excel 工作簿，未读取。")

    walk(folder)
    while folder_links:
        folder_links.sort(key=str)
        path = folder_links.pop(0)
        if not folder_reached(path, os.path.realpath(path)):
            walk(path)
    return sorted(listed, key=lambda item: os.path.relpath(item.path, folder))


def mark_duplicates(entries: list[dict]) -> None:
    """Mark files that repeat a unit/year/project (or the exact content) of an earlier file, and
    decide which forms are *counted* in the summary.

    Files are taken in path order; the first file with a given unit/year/project is the
    original. Only an intact export of an accepted template (status :data:`ORIGINAL_STATUSES`,
    see the module docstring) counts as an original: a working copy, a file of another template,
    a tampered or hand-edited export never does (a later clean export is not a duplicate of
    them), but they are still checked against earlier originals.

    Each form gets ``counted`` (True for a form of an original that no earlier original holds:
    the summary's totals, rankings and charts use these only) and ``excluded`` (why a repeated
    form is not counted; :func:`build_report` gives the other reasons).

    >>> a = {"path": "a", "status": "accepted", "problems": [], "fingerprint": {"sha256": "1"},
    ...      "forms": [{"unit": "甲", "year": "2021", "project": "P", "sheet": "s"}]}
    >>> b = dict(a, path="b", problems=[], forms=[dict(a["forms"][0])]); mark_duplicates([a, b])
    >>> b["status"], a["status"], a["forms"][0]["counted"], b["forms"][0]["counted"]
    ('duplicate', 'accepted', True, False)
    >>> copy = dict(a, path="0_copy", status="not_export", fingerprint=None, problems=[], forms=[dict(a["forms"][0])])
    >>> export = dict(a, path="1_export", problems=[], forms=[dict(a["forms"][0])])
    >>> mark_duplicates([copy, export]); export["status"], export["forms"][0]["counted"], copy["forms"][0]["counted"]
    ('accepted', True, False)
    """
    seen: dict[tuple, str] = {}
    seen_sha: dict[str, str] = {}
    for entry in entries:
        for form in entry["forms"]:
            form["counted"], form["excluded"] = False, None
        if not entry["forms"]:
            continue
        original = entry["status"] in ORIGINAL_STATUSES and entry.get("fingerprint") is not None
        sha = (entry.get("fingerprint") or {}).get("sha256") if original else None
        same_file = seen_sha.get(sha) if sha else None
        repeated: dict[str, list[str]] = {}
        for form in entry["forms"]:
            key = (form["unit"], form["year"], form["project"])
            if key in seen:
                repeated.setdefault(seen[key], []).append(form["project"])
                form["excluded"] = f"重复报送：同一单位同一年度的这张表已按「{seen[key]}」计入"
            elif original:
                seen[key] = entry["path"]
                form["counted"] = True
        if sha and same_file is None:
            seen_sha[sha] = entry["path"]
        if same_file:
            entry["problems"].append(_problem("duplicate_file", f"与「{same_file}」内容完全相同（同一导出文件重复报送）。"))
        for earlier, names in repeated.items():
            shown = "、".join(names[:5]) + (f" 等 {len(names)} 个项目" if len(names) > 5 else "")
            unit = entry["forms"][0]["unit"] or "未填单位"
            entry["problems"].append(_problem("duplicate", (
                f"单位「{unit}」同一年度的项目 {shown} 在本文件中出现不止一次（单位、年度、项目相同），只计入第一张表。"
                if earlier == entry["path"] else
                f"单位「{unit}」同一年度的项目 {shown} 已在「{earlier}」中报送（单位、年度、项目相同），"
                f"汇总按「{earlier}」计入，本文件中的这些表未计入。")))
        if same_file or repeated:
            entry["status"] = worst_status([entry["status"], "duplicate"])
            entry["status_label"] = STATUS_LABELS[entry["status"]]


def collect(folder: str | Path, *, profile: Profile | str | None = None, jobs: int | None = None,
            progress: bool = True, roster: Roster | None = None, skip: tuple = ()) -> dict:
    """Check every file in ``folder`` and return the collection report (a JSON-able dict).

    ``profile`` is the bureau's rule profile; None re-scores each file by the profile it records
    (its kind's default when it records none), and the report's ``profile`` is then null.
    ``roster`` (:class:`toolkit.submission.roster.Roster`) adds the 未报送 / 多报 lists. Files
    collect wrote itself (recognised by their marker) and the paths in ``skip`` (the roster
    file, when it lies in the folder) are listed under ``ignored`` instead of being checked.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()); _ = (folder / "说明.txt").write_text("x")
    >>> collect(folder, jobs=1, progress=False)["summary"]["by_status"]
    {'not_excel': 1}
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ToolkitError(f"「{folder}」不是文件夹。")
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)
    started = time.perf_counter()
    listed = list_entries(folder)
    skipped = {os.path.realpath(path): reason for path, reason in skip}
    ignored = [{"path": str(item.path), "reason": skipped[os.path.realpath(item.path)]} for item in listed
               if item.entry is None and os.path.realpath(item.path) in skipped]
    listed = [item for item in listed if item.entry is not None or os.path.realpath(item.path) not in skipped]
    paths = [str(item.path) for item in listed if item.entry is None]
    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(paths), desc="汇总", unit="个文件", disable=None)
    checked: list[dict] = []
    if jobs == 1 or len(paths) < 2:
        _init_worker(profile)
        for path in paths:
            checked.append(_check_in_worker(path))
            if bar:
                bar.update(1)
    else:
        chunk = max(1, min(8, len(paths) // (jobs * 4) or 1))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(profile,)) as pool:
            for entry in pool.map(_check_in_worker, paths, chunksize=chunk):
                checked.append(entry)
                if bar:
                    bar.update(1)
    if bar:
        bar.close()
    results = iter(checked)
    entries = [item.entry if item.entry is not None else next(results) for item in listed]
    ignored += [entry for entry in entries if "own_output" in entry]
    entries = [entry for entry in entries if "own_output" not in entry]
    for entry in entries + ignored:
        entry["path"] = os.path.relpath(entry["path"], folder) if Path(entry["path"]).is_relative_to(folder) else entry["path"]
    ignored = [{"path": item["path"], "reason": item["reason"]} for item in sorted(ignored, key=lambda i: i["path"])]
    mark_duplicates(entries)
    return json_safe(build_report(folder, entries, profile, time.perf_counter() - started, jobs,
                                  roster=roster, ignored=ignored))


# -- the report ----------------------------------------------------------------------------

# Why the files of a status are not counted, in words (the summary sheet and the file list).
EXCLUDED_WHY = {
    "not_excel": "不是 Excel 工作簿",
    "unreadable": "文件损坏、加密、为旧版 .xls 或无法打开",
    "wrong_template": "不是本局接收的模板，或模板版本不同",
    "not_export": "不是用「导出报送」生成的文件（填报底稿或另存的副本），没有内容指纹，无法确认内容未被改动",
    "tampered": "导出后内容被改动",
    "score_edited": "导出后得分被手工修改",
    "duplicate": "同一文件或同一单位同一年度的同一张表已在先前的文件中计入（按文件路径顺序，先出现的为准）",
}
NO_UNIT_EXCLUDED = "未填单位：无法归入任何单位"
STATUS_FILLS = {  # 文件清单: red = not counted, orange = repeated, yellow = counted with problems, green = accepted
    "not_excel": "FFC7CE", "unreadable": "FFC7CE", "wrong_template": "FFC7CE", "not_export": "FFC7CE",
    "tampered": "FFC7CE", "score_edited": "FFC7CE", "duplicate": "F8CBAD", "profile_mismatch": "FFEB9C",
    "unresolved_errors": "FFEB9C", "accepted": "C6EFCE",
}
IGNORED_FILL = "EDEDED"
NO_YEAR = "未填年度"


KIND_SHORT = {"project": "项目支出", "department": "部门整体"}  # the kind column of the summary's tables


def kind_short(kind: str | None) -> str:
    """The kind of a form in a table column (``project`` → 项目支出)."""
    return KIND_SHORT.get(kind or "") or kind_title(kind)


def kind_title(kind: str | None) -> str:
    """The official title of a form kind (``project`` → 项目支出绩效自评表)."""
    found = kinds.BY_ID.get(kind or "")
    return found.title if found is not None else (kind or "未知表")


def group_label(year: str | None, kind: str | None) -> str:
    """A group of the summary: one year and one kind of form.

    >>> group_label("2021", "project"), group_label(None, "department")
    ('2021 年度 · 项目支出绩效自评表', '未填年度 · 部门整体支出绩效自评表')
    """
    return f"{year + ' 年度' if year else NO_YEAR} · {kind_title(kind)}"


def group_short(year: str | None, kind: str | None) -> str:
    """A group as a chart's series names it.

    >>> group_short("2021", "project")
    '2021 项目支出'
    """
    return f"{year or NO_YEAR} {kind_short(kind)}"


def _group_order(row: dict) -> tuple:
    year = row.get("year") or ""
    kind_ids = [kind.id for kind in kinds.KINDS]
    kind = row.get("kind")
    return (not year, year, kind_ids.index(kind) if kind in kind_ids else len(kind_ids), kind or "")


def _total_key(row: dict) -> float:
    total = row.get("total")
    return -(total if isinstance(total, (int, float)) and not isinstance(total, bool) else -1)


def build_report(folder: Path, entries: list[dict], profile: Profile | None, elapsed: float, jobs: int, *,
                 roster: Roster | None = None, ignored: list[dict] | None = None) -> dict:
    """Assemble the report: summary (with the words of the summary sheet), groups, files, projects
    (one row per *counted* form, ranked within its year and kind), units (likewise), notices per
    unit, the roster check and the ignored files. Without the bureau's ``profile``, grades are
    listed in the order of the project kind's default profile."""
    ignored = ignored or []
    by_status: dict[str, int] = {}
    for entry in entries:
        by_status[entry["status"]] = by_status.get(entry["status"], 0) + 1
        for form in entry["forms"]:
            form["status"] = entry["status"]
            form["group"] = group_label(form.get("year"), form.get("kind"))
            form.setdefault("counted", False)
            form.setdefault("excluded", None)
            for key in ("difference", "difference_note"):
                form.setdefault(key, None)
            form.setdefault("difference_accepted", False)
            if form["counted"] and not (form.get("unit") or "").strip():
                form["counted"], form["excluded"] = False, NO_UNIT_EXCLUDED
            if not form["counted"] and not form["excluded"]:
                form["excluded"] = f"{STATUS_LABELS[entry['status']]}：{EXCLUDED_WHY.get(entry['status'], '')}"
    accepted = by_status.get("accepted", 0)
    counted = [dict(form, file=entry["path"]) for entry in entries for form in entry["forms"] if form["counted"]]
    order = {group: index for index, group in enumerate(
        dict.fromkeys(row["group"] for row in sorted(counted, key=_group_order)))}
    counted.sort(key=lambda row: (order[row["group"]], _total_key(row), str(row.get("unit") or ""),
                                  str(row.get("project") or "")))
    rank, previous = 0, None
    for row in counted:
        rank = 1 if row["group"] != previous else rank + 1
        row["rank"], previous = rank, row["group"]
    bands = (profile or kinds.default_profile())["grades"]
    base = [band["grade"] for band in sorted(bands, key=lambda b: -b["min"])]
    grade_lists = {group: base + sorted({r["grade"] for r in counted if r["group"] == group and r["grade"]} - set(base))
                   for group in order}
    # Department frameworks name their own grades (兖州: 良好, 一般): count those too.
    grades = base + sorted({p["grade"] for p in counted if p["grade"] and p["grade"] not in base})
    groups = group_rows(counted, grade_lists)
    for group in groups:
        group["kind_label"] = kind_title(group["kind"])
        group["files"] = len({row["file"] for row in counted if row["group"] == group["group"]})
    all_forms = [dict(form, file=entry["path"], status_label=entry["status_label"]) for entry in entries
                 for form in entry["forms"]]
    counted_files = {row["file"] for row in counted}
    report = {
        "generator": "jixiao collect",
        "generated_at": beijing_now().isoformat(timespec="seconds"),
        "toolkit_version": __version__,
        "folder": str(folder),
        "profile": None if profile is None else {"id": profile.id, "version": str(profile.version),
                                                 "sha256": profile.sha256},
        "summary": {"read": len(entries), "accepted": accepted, "with_problems": len(entries) - accepted,
                    "by_status": {s: by_status[s] for s in STATUS_ORDER if s in by_status},
                    "counted_files": len(counted_files), "counted_forms": len(counted),
                    "excluded_files": len(entries) - len(counted_files), "excluded_forms": len(all_forms) - len(counted),
                    "ignored": len(ignored), "seconds": round(elapsed, 3), "jobs": jobs},
        "grades": {grade: sum(1 for p in counted if p["grade"] == grade) for grade in grades},
        "groups": groups,
        "files": entries,
        "projects": counted,
        "units": unit_rows(counted, grade_lists, worst=worst_status),
        "notices": build_notices(entries),
        "roster": roster.check(counted, all_forms) if roster is not None else None,
        "ignored": ignored,
    }
    report["summary"]["statement"] = statement(report, all_forms)
    return report


def statement(report: dict, all_forms: list[dict]) -> list[str]:
    """What the summary counts and what it leaves out, and why — in words, one paragraph each."""
    s = report["summary"]
    lines = [f"共收到 {s['read']} 个文件：计入汇总 {s['counted_files']} 个文件、{s['counted_forms']} 张表；"
             f"未计入 {s['excluded_files']} 个文件。"]
    lines.append("计入汇总的是本工具「导出报送」生成、导出后未被改动、模板相符的文件；同一单位同一年度的同一张表只计一次"
                 "（按文件路径顺序，先出现的为准）。复核发现错误或导出时规则不同的文件仍计入，填报总分与复核总分并列，"
                 "差额不为 0 的标色（红 = 复核不符，蓝 = 差额予以采纳），等级不同的也标红。")
    excluded = {status: count for status, count in s["by_status"].items() if status not in ORIGINAL_STATUSES}
    if excluded:
        parts = []
        for status, count in excluded.items():
            files = [e["path"] for e in report["files"] if e["status"] == status]
            shown = "、".join(f"「{f}」" for f in files[:3]) + (f" 等 {len(files)} 个" if len(files) > 3 else "")
            parts.append(f"{STATUS_LABELS[status]} {count} 个（{EXCLUDED_WHY.get(status, '')}）：{shown}")
        lines.append("未计入汇总的文件：" + "；".join(parts) + "。各文件的问题见「文件清单」「问题清单」。")
    elif not s["excluded_files"]:
        lines.append("没有未计入汇总的文件。")
    partial = [e for e in report["files"] if e["status"] == "duplicate" and any(f["counted"] for f in e["forms"])]
    if partial:
        lines.append(f"有 {len(partial)} 个重复报送的文件中另有首次报送的表，这些表已计入（重复的表未计入）："
                     + "、".join(f"「{e['path']}」" for e in partial[:3]) + "。")
    no_unit = [f for f in all_forms if f.get("excluded") == NO_UNIT_EXCLUDED]
    if no_unit:
        lines.append(f"另有 {len(no_unit)} 张表未填单位（多为空白模板），无法归入任何单位，未计入："
                     + "、".join(dict.fromkeys(f"「{f['file']}」" for f in no_unit[:3])) + "。")
    if report["groups"]:
        lines.append("汇总按年度和表的种类分组，排名只在组内进行，不跨年度、不跨种类比较："
                     + "；".join(f"{g['group']} {g['forms']} 张表、{g['units']} 个单位" for g in report["groups"]) + "。")
    else:
        lines.append("没有可计入汇总的表。")
    roster = report.get("roster")
    if roster is None:
        lines.append("未提供单位名单（--roster 单位名单.xlsx），无法知道哪些单位应报送而未报送；本汇总只反映收到的文件。")
    else:
        lines.append(f"单位名单「{roster['file']}」列出 {roster['units']} 个单位"
                     + (f"、{roster['projects']} 个项目" if roster["projects"] else "")
                     + f"：未报送 {len(roster['missing'])} 项，多报 {len(roster['unexpected'])} 项（见「未报送」「多报」表）。")
    if report["notices"]:
        lines.append(f"{len(report['notices'])} 个单位的文件有问题，逐条写明的复核意见见「复核意见」表，可分别发回各单位。")
    if report["ignored"]:
        lines.append(f"已忽略 {len(report['ignored'])} 个不是报送文件的文件（本工具生成的汇总表、报告或单位名单）："
                     + "、".join(f"「{i['path']}」" for i in report["ignored"][:3]) + "。")
    return lines


# -- notices: what each unit is told -------------------------------------------------------

NO_UNIT_NOTICE = "（无法识别单位的文件）"
_FIX_RESEND = "请在填报底稿中修改后重新「计算得分」，再用「导出报送」生成报送文件发送。"
FIXES = {
    "not_excel": "请报送用「导出报送」生成的 .xlsx 文件。",
    "io_error": "文件无法读取，请重新发送。",
    "encrypted": "请去除打开密码后，用「导出报送」重新生成并发送。",
    "legacy_xls": "请使用本局下发的模板填报，用「导出报送」生成 .xlsx 报送文件。",
    "corrupt": "文件已损坏，请用「导出报送」重新生成并发送（不要压缩或改名）。",
    "wrong_template": "请使用本局下发的当年模板填报，并用「导出报送」生成报送文件。",
    "template_version": "请使用本局下发的当年模板重新填报，并用「导出报送」生成报送文件。",
    "not_export": "请在填报底稿中「计算得分」、处理全部错误后，用「导出报送」生成报送文件再发送。",
    "forced_export": "请处理下列错误后重新导出报送。",
    "profile_mismatch": "请使用本局下发的模板和评分规则重新「计算得分」并导出报送。",
    "score_edited": "导出后的文件不能再改动。如需修改得分，请在填报底稿中修改、重新「计算得分」后重新导出报送。",
    "content_changed": "导出后的文件不能再改动。如需修改，请在填报底稿中修改、重新「计算得分」后重新导出报送。",
    "sheet_missing": "导出后的文件不能再改动，请重新导出报送。",
    "sheet_added": "导出后的文件不能再改动，请重新导出报送。",
    "sheets_reordered": "导出后的文件不能再改动，请重新导出报送。",
    "duplicate_file": "同一文件只需报送一次，无需处理；如有更正，请说明以哪一份为准。",
    "duplicate": "同一项目只需报送一次；如这是更正后的版本，请说明以哪一份为准。",
    "internal_error": "本局检查此文件时出错，将另行联系，无需处理。",
    "not_a_number": "请核对该数值，在填报底稿中改正后重新导出报送。",
}
# Messages of file-level problems that speak to the bureau (a profile's SHA-256, an exception's
# name): the notice says them in the unit's words instead.
NOTICE_TEXT = {
    "profile_mismatch": "导出时所用的评分规则与本局复核所用的规则不同，本局已按本局规则重新计分。",
    "corrupt": "文件已损坏或结构异常，无法读取。",
    "internal_error": "本局检查此文件时发生意外错误。",
    "io_error": "文件无法读取。",
}


def _where(problem: dict) -> str:
    sheet, cell = problem.get("sheet"), problem.get("cell")
    if cell and ":" in cell and cell.split(":")[0].isdigit():
        row = f"第 {cell.split(':')[0]} 行"
        return f"工作表「{sheet}」{row}" if sheet else row
    if sheet and cell:
        return f"工作表「{sheet}」单元格 {cell}"
    if sheet:
        return f"工作表「{sheet}」"
    return "整个文件"


FILE_LEVEL = {"not_excel", "io_error", "encrypted", "legacy_xls", "corrupt", "wrong_template", "template_version",
              "not_export", "score_edited", "content_changed", "sheet_missing", "sheet_added", "sheets_reordered",
              "duplicate_file", "duplicate", "internal_error"}


def notice_item(path: str, problem: dict) -> dict:
    """One line of a notice: the file, where, the problem in plain words, and what to do."""
    code = problem["code"]
    entry = CATALOGUE.get(code)
    text = NOTICE_TEXT.get(code) or problem["message"]
    title = entry.title if entry is not None else ""
    text = text if not title or text.startswith(title) else f"{title}：{text}"
    return {"file": path, "where": _where(problem), "problem": text,
            "fix": FIXES.get(code) or _FIX_RESEND, "severity": problem["severity"]}


def build_notices(entries: list[dict]) -> list[dict]:
    """One notice per unit whose files are not all accepted: each file, each error or reminder in
    plain Chinese (no codes), and what to fix. Files whose unit cannot be read are grouped last."""
    notices: dict[str, dict] = {}
    for entry in entries:
        if entry["status"] == "accepted":
            continue
        unit = next((f["unit"] for f in entry["forms"] if (f.get("unit") or "").strip()), None) or NO_UNIT_NOTICE
        notice = notices.setdefault(unit, {"unit": unit, "files": [], "items": []})
        counted = sum(1 for f in entry["forms"] if f.get("counted"))
        notice["files"].append({"path": entry["path"], "status_label": entry["status_label"],
                                "counted": f"已计入 {counted} 张表" if counted else "未计入汇总"})
        problems = [p for p in entry["problems"] if p["severity"] in ("error", "warning")] or entry["problems"]
        said = {(item["where"], item["problem"]) for item in notice["items"]}
        for problem in problems:  # a copy repeating another file's findings adds only what is its own
            item = notice_item(entry["path"], problem)
            if (item["where"], item["problem"]) not in said or problem["code"] in FILE_LEVEL:
                notice["items"].append(item)
    return sorted(notices.values(), key=lambda n: (n["unit"] == NO_UNIT_NOTICE, n["unit"]))


def summary_line(report: dict) -> str:
    """The one-line summary.

    >>> summary_line({"summary": {"read": 3, "accepted": 1, "with_problems": 2,
    ...               "by_status": {"accepted": 1, "tampered": 1, "not_excel": 1}}})
    '共读取 3 个文件：通过 1 个，有问题 2 个（内容被改动 1、不是 Excel 1）。'
    """
    s = report["summary"]
    detail = "、".join(f"{STATUS_LABELS[k]} {v}" for k, v in s["by_status"].items() if k != "accepted")
    line = (f"共读取 {s['read']} 个文件：通过 {s['accepted']} 个，有问题 {s['with_problems']} 个"
            + (f"（{detail}）" if detail else "") + "。")
    if "counted_files" in s:
        line += f"计入汇总 {s['counted_files']} 个文件、{s['counted_forms']} 张表。"
    return line


def report_schema() -> dict:
    return json.loads((resources.files("toolkit") / "schemas" / "collect_report.schema.json").read_text("utf-8"))


def validate_collect_report(report: dict) -> None:
    """Raise jsonschema.ValidationError when ``report`` does not match the shipped schema."""
    import jsonschema

    jsonschema.validate(report, report_schema())


# -- the summary workbook ----------------------------------------------------------------

PROJECT_HEADER = ["年度", "表的种类", "组内排名", "单位", "主管部门", "项目", "全年预算数", "全年执行数", "执行率",
                  "填报总分", "复核总分", "差额（填报−复核）", "填报等级", "复核等级", "差额说明", "状态", "文件", "工作表", "计分规则"]
UNIT_HEADER = ["年度", "表的种类", "组内排名", "单位", "表数", "全年预算数", "全年执行数", "执行率", "平均填报总分",
               "平均复核总分", "最低复核总分"]
GROUP_HEADER = ["年度", "表的种类", "单位数", "表数", "文件数", "全年预算数", "全年执行数", "执行率", "平均填报总分",
                "平均复核总分"]
FILE_HEADER = ["文件", "状态", "计入汇总", "单位", "年度", "表数", "问题数", "主要问题", "导出时间", "内容指纹"]
PROBLEM_HEADER = ["文件", "状态", "代码", "级别", "工作表", "单元格", "说明"]
NOTICE_HEADER = ["序号", "文件", "位置", "问题", "如何修改"]
MONEY, RATE, SCORE = "#,##0.00", "0.00%", "0.00"
DISAGREE_FILL, ACCEPTED_FILL = "FFC7CE", "DDEBF7"


def summary_value(value):
    """A value as the summary workbook holds it: text without characters XML cannot hold (control
    characters, lone surrogates → U+FFFD), numbers that are not finite as blank; the cell is then
    written by :func:`toolkit.workbook.writer.put_value`, so text stays text (never a formula).

    >>> summary_value("项目" + chr(1) + chr(0xDCD1)), summary_value(float("inf")), summary_value(3)
    ('项目\ufffd\ufffd', None, 3)
    """
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", display_text(value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _status_rank(entry: dict) -> int:
    status = entry.get("status")
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _counted_text(entry: dict) -> str:
    forms = entry.get("forms") or []
    counted = sum(1 for f in forms if f.get("counted"))
    if not forms or not counted:
        return "未计入"
    return "计入" if counted == len(forms) else f"部分计入（{counted}/{len(forms)} 张表）"


class _Sheet:
    """Writing one sheet of the summary: every value through :func:`summary_value` and ``put_value``."""

    def __init__(self, ws):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.ws, self.row = ws, 0
        self.bold, self.title_font = Font(bold=True), Font(bold=True, size=14)
        self.head_fill = PatternFill("solid", fgColor="F2F2F2")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        thin = Side(style="thin", color="BFBFBF")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fill = lambda color: PatternFill("solid", fgColor=color)

    def put(self, row: int, column: int, value, number_format: str | None = None):
        cell = self.ws.cell(row, column)
        put_value(cell, summary_value(value))
        if number_format and isinstance(cell.value, (int, float)):
            cell.number_format = number_format
        return cell

    def line(self, values: list, *, formats: dict | None = None, bold: bool = False, border: bool = False,
             fill: str | None = None, wrap: bool = False) -> int:
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = self.put(self.row, column, value, (formats or {}).get(column))
            if bold:
                cell.font = self.bold
            if border:
                cell.border = self.border
            if fill:
                cell.fill = self.fill(fill)
            if wrap:
                cell.alignment = self.wrap
        return self.row

    def header(self, values: list) -> int:
        row = self.line(values, bold=True, border=True, fill="F2F2F2", wrap=True)
        return row

    def widths(self, widths: list[float]) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def paragraph(self, text: str, columns: int, width: float, *, font=None, fill: str | None = None) -> None:
        """A text across ``columns`` merged cells, its row tall enough for the wrapped lines."""
        self.row += 1
        cell = self.put(self.row, 1, text)
        cell.alignment = self.wrap
        if font is not None:
            cell.font = font
        if fill:
            cell.fill = self.fill(fill)
        if columns > 1:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=columns)
        self.ws.row_dimensions[self.row].height = 15 * _lines(text, width) + 3 + (5 if font is not None else 0)


def _lines(text, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a CJK character is two)."""
    if text is None:
        return 1
    return max(1, sum(math.ceil(max(1, sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)) / max(1.0, width * 0.95))
                      for part in str(text).split("\n")))


def _table(sheet: _Sheet, header: list, rows: list[list], widths: list[float], formats: dict | None = None,
           fills: list[dict] | None = None, wrap_columns: tuple = ()) -> None:
    """A table from the sheet's first row: header, rows (``fills[i]`` maps a column to a colour),
    widths, autofilter, frozen header."""
    from openpyxl.styles import Alignment

    top = sheet.header(header)
    widths = list(widths) + [10] * (len(header) - len(widths))
    sheet.ws.row_dimensions[top].height = 15 * max(_lines(h, widths[i]) for i, h in enumerate(header)) + 3
    for index, values in enumerate(rows):
        row = sheet.line(values, formats=formats, border=True)
        for column, color in ((fills or [{}] * len(rows))[index] or {}).items():
            sheet.ws.cell(row, column).fill = sheet.fill(color)
        for column in wrap_columns:
            sheet.ws.cell(row, column).alignment = sheet.wrap
        if wrap_columns:  # a row taller than one line reads from its top line across
            for column in range(1, len(values) + 1):
                cell = sheet.ws.cell(row, column)
                if not cell.alignment.wrap_text:
                    cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top")
        lines = max((_lines(values[c - 1], widths[c - 1]) for c in wrap_columns if c <= len(values)), default=1)
        if lines > 1:
            sheet.ws.row_dimensions[row].height = 15 * lines + 3
    sheet.widths(widths)
    from openpyxl.utils import get_column_letter

    sheet.ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, sheet.row)}"
    sheet.ws.freeze_panes = "A2"


def _project_rows(report: dict) -> tuple[list[list], list[dict]]:
    rows, fills = [], []
    for p in report.get("projects", []):
        diff = p.get("difference")
        rows.append([p.get("year") or NO_YEAR, kind_short(p.get("kind")), p.get("rank"), p.get("unit"),
                     p.get("department"), p.get("project"), p.get("budget"), p.get("actual"), p.get("rate"),
                     p.get("total_entered"), p.get("total"), diff, p.get("grade_entered"), p.get("grade"),
                     p.get("difference_note"), STATUS_LABELS.get(p.get("status"), p.get("status")), p.get("file"),
                     p.get("sheet"), p.get("profile")])
        fill = {}
        if diff:
            fill[12] = ACCEPTED_FILL if p.get("difference_accepted") else DISAGREE_FILL
            fill[15] = fill[12]
        if p.get("grade_entered") and p.get("grade") and p.get("grade_entered") != p.get("grade"):
            fill[13] = fill[14] = DISAGREE_FILL
        fills.append(fill)
    return rows, fills


def _shown_time(text: str | None) -> str | None:
    """An ISO time as people read it: 2026-12-03 00:17:54 +08:00.

    >>> _shown_time("2026-12-03T00:17:54+08:00"), _shown_time("2021-12-31T14:23:05+00:00")
    ('2026-12-03 00:17:54 +08:00', '2021-12-31 22:23:05 +08:00')
    """
    try:
        moment = _dt.datetime.fromisoformat(text or "")
    except ValueError:
        return text
    if moment.tzinfo is not None:  # an older export stamped in UTC is shown in Beijing time too
        moment = moment.astimezone(BEIJING)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def _write_overview(sheet: _Sheet, report: dict, grade_names: list[str]) -> None:
    # ≤ 150 units with four grades: one landscape A4 page width at 8 pt or more (toolkit.workbook.printing)
    width_units = [12, 22, 12, 7, 7, 15, 15, 9, 11, 11] + [6] * len(grade_names)
    sheet.widths(width_units)
    total_width = sum(width_units)
    columns = len(width_units)
    sheet.paragraph("预算绩效自评汇总说明", columns, total_width, font=sheet.title_font)
    profile = report.get("profile")
    facts = [("汇总时间", _shown_time(report.get("generated_at"))), ("收件文件夹", report.get("folder")),
             ("复核规则", f"{profile['id']}（本局指定）" if profile else "每个文件按其导出时记录的规则重新计分"),
             ("工具版本", report.get("toolkit_version"))]
    for label, value in facts:
        row = sheet.line([label, value])
        sheet.ws.cell(row, 1).font = sheet.bold
        sheet.ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)
    sheet.row += 1
    for text in (report.get("summary") or {}).get("statement", []):
        sheet.paragraph(text, columns, total_width)
    sheet.row += 1
    sheet.paragraph("分组汇总（只含计入汇总的表；等级为复核等级）", columns, total_width, font=sheet.bold)
    sheet.header(GROUP_HEADER + grade_names)
    for g in report.get("groups", []):
        sheet.line([g.get("year") or NO_YEAR, g.get("kind_label") or kind_title(g.get("kind")), g.get("units"),
                    g.get("forms"), g.get("files"), g.get("budget"), g.get("actual"), g.get("rate"),
                    g.get("average_entered"), g.get("average_total")]
                   + [(g.get("grades") or {}).get(name, 0) for name in grade_names],
                   formats={6: MONEY, 7: MONEY, 8: RATE, 9: SCORE, 10: SCORE}, border=True)
    if not report.get("groups"):
        sheet.line(["（无）"], border=True)
    sheet.row += 1
    sheet.paragraph("文件状态（「文件清单」按此颜色标出，由重到轻排列）", columns, total_width, font=sheet.bold)
    sheet.header(["状态", "文件数", "是否计入", "说明"])
    header_row = sheet.row
    sheet.ws.merge_cells(start_row=header_row, start_column=4, end_row=header_row, end_column=columns)
    by_status = (report.get("summary") or {}).get("by_status", {})
    for status in STATUS_ORDER:
        why = EXCLUDED_WHY.get(status) or {"profile_mismatch": "导出时的规则与复核规则不同，已按复核规则重新计分",
                                           "unresolved_errors": "完整的导出文件，复核发现错误（见复核意见）",
                                           "accepted": "完整的导出文件，复核未发现错误"}[status]
        row = sheet.line([STATUS_LABELS[status], by_status.get(status, 0),
                          "计入" if status in ORIGINAL_STATUSES else ("重复的表不计入" if status == "duplicate" else "不计入"),
                          why], border=True)
        sheet.ws.cell(row, 1).fill = sheet.fill(STATUS_FILLS[status])
        sheet.ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=columns)
    if report.get("ignored"):
        row = sheet.line(["已忽略", len(report["ignored"]), "不计入", "本工具生成的汇总表、报告或单位名单，不是报送文件"],
                         border=True)
        sheet.ws.cell(row, 1).fill = sheet.fill(IGNORED_FILL)
        sheet.ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=columns)


def _write_notices(sheet: _Sheet, notices: list[dict]) -> None:
    """The 复核意见 sheet: per unit, its files and each problem with what to fix (no codes)."""
    widths = [6, 30, 22, 52, 38]  # one landscape A4 page width at 8 pt or more (toolkit.workbook.printing)
    sheet.widths(widths)
    sheet.paragraph("复核意见", len(widths), sum(widths), font=sheet.title_font)
    if not notices:
        sheet.paragraph("所有文件均通过复核，没有需要发回的意见。", len(widths), sum(widths))
        return
    sheet.paragraph("以下按单位列出复核发现的问题和修改要求，可将各单位的部分发回该单位。", len(widths), sum(widths))
    for notice in notices:
        sheet.row += 1
        sheet.paragraph(f"单位：{notice['unit']}", len(widths), sum(widths), font=sheet.bold, fill="DDEBF7")
        for file in notice["files"]:
            sheet.paragraph(f"文件「{file['path']}」：{file['status_label']}，{file['counted']}。", len(widths), sum(widths))
        sheet.header(NOTICE_HEADER)
        for number, item in enumerate(notice["items"], start=1):
            row = sheet.line([number, item["file"], item["where"], item["problem"], item["fix"]], border=True, wrap=True)
            lines = max(_lines(item[key], widths[col]) for key, col in (("problem", 3), ("fix", 4), ("file", 1), ("where", 2)))
            sheet.ws.row_dimensions[row].height = 15 * lines + 3


def _write_charts(wb, report: dict, grade_names: list[str]) -> None:
    from openpyxl.chart import BarChart, Reference

    ws = wb.create_sheet("图表")
    sheet = _Sheet(ws)
    found = report.get("groups", [])
    largest = sorted(found, key=lambda g: -(g.get("forms") or 0))[:6]
    groups = [g["group"] for g in found if g in largest]
    names = {g["group"]: group_short(g.get("year"), g.get("kind")) for g in found}
    projects = [p for p in report.get("projects", []) if p.get("group") in groups or not groups]
    if not groups and projects:
        groups = list(dict.fromkeys(p.get("group") or "全部" for p in projects))[:6]
    series = groups or ["（无计入汇总的表）"]

    def grouped(rows: list[list], title: str, y_title: str, x_title: str, anchor: str) -> None:
        start = sheet.row + 1
        sheet.line([x_title] + [names.get(g, g) for g in series], bold=True)
        for values in rows:
            sheet.line(values)
        chart = BarChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = title, y_title, x_title
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(series), min_row=start, max_row=start + len(rows)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(rows)))
        chart.width, chart.height = 18, 7.5
        ws.add_chart(chart, anchor)
        sheet.row += 1

    def of(group, rows):
        return [p for p in rows if (p.get("group") or "全部") == group]

    grouped([[name] + [sum(1 for p in of(g, projects) if p.get("grade") == name) for g in series]
             for name in grade_names] or [["—"] + [0] * len(series)], "复核等级分布（按年度和表的种类）", "表数", "等级", "H2")
    sheet.row = max(sheet.row, 17)
    bins = [(0, 60), (60, 70), (70, 80), (80, 90), (90, 100.0001)]
    totals = [[p.get("total") for p in of(g, projects) if isinstance(p.get("total"), (int, float))] for g in series]
    grouped([[f"{low}–{min(int(high), 100)}"] + [sum(1 for t in found if low <= t < high) for found in totals]
             for low, high in bins], "复核总分分布（按年度和表的种类）", "表数", "复核总分", "H18")
    anchor_row = 34
    sheet.row = max(sheet.row, anchor_row)
    for group in [g["group"] for g in largest[:3]] or series[:1]:
        units = [u for u in report.get("units", []) if (u.get("group") or "全部") == group][:30]
        if not units:
            continue
        start = sheet.row + 1
        sheet.line([f"{names.get(group, group)}：单位（前 30）", "平均复核总分"], bold=True)
        for unit in units:
            sheet.line([unit.get("unit"), unit.get("average_total")])
        bars = BarChart()
        bars.type = "bar"
        bars.title, bars.x_axis.title, bars.y_axis.title = (f"单位平均复核总分（前 30）：{names.get(group, group)}",
                                                            "单位", "平均复核总分")
        bars.add_data(Reference(ws, min_col=2, min_row=start, max_row=start + len(units)), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(units)))
        bars.height, bars.width = max(7.5, 0.5 * len(units)), 18
        bars.y_axis.scaling.min, bars.y_axis.scaling.max = 0, 100  # totals on their own scale, not zoomed in
        ws.add_chart(bars, f"H{anchor_row}")
        anchor_row += int(bars.height * 2) + 2
        sheet.row = max(sheet.row + 1, anchor_row)
    ws.column_dimensions["A"].width = 30
    for column in "BCDEFG":
        ws.column_dimensions[column].width = 14


def write_summary(report: dict, path: str | Path) -> Path:
    """Write the summary workbook atomically: 汇总说明 (what is counted and what is not, in words;
    per-group totals), 项目汇总 and 单位汇总 (counted forms only, ranked within year and kind,
    填报 / 复核 / 差额 side by side), 文件清单 (every file, coloured by status, worst first),
    问题清单, 复核意见 (per unit, plain words), with a roster 未报送 and 多报, and 图表. The workbook
    carries the marker :data:`OWN_OUTPUT_PROPERTY` so that a later collect ignores it.

    Every cell goes through :func:`summary_value` and ``put_value``: a project name or sheet
    title typed as 「=cmd|' /C calc'!A0」, 「+SUM(1)」, 「-1+1」, 「@SUM(1)」 or with a leading TAB
    or CR is written as text, never as a live formula.
    """
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment

    from toolkit.workbook.atomic import atomic_save
    from toolkit.workbook.printing import use_print_font

    wb = Workbook()
    use_print_font(wb)  # column widths measure alike in Excel, WPS and LibreOffice (toolkit.workbook.printing)
    grade_names = list(dict.fromkeys(list(report.get("grades", {}))
                                     + [g for u in report.get("units", []) for g in (u.get("grades") or {})]))

    overview = wb.active
    overview.title = "汇总说明"
    _write_overview(_Sheet(overview), report, grade_names)

    rows, fills = _project_rows(report)
    _table(_Sheet(wb.create_sheet("项目汇总")), PROJECT_HEADER, rows,
           [7, 9, 6, 24, 20, 26, 14, 14, 8, 8, 8, 9, 6, 6, 34, 11, 26, 16, 36],
           {7: MONEY, 8: MONEY, 9: RATE, 10: SCORE, 11: SCORE, 12: SCORE}, fills,
           wrap_columns=(4, 5, 6, 15, 18))  # names wrap, never cut at the column's edge on paper

    _table(_Sheet(wb.create_sheet("单位汇总")), UNIT_HEADER + grade_names + ["标记数", "状态"],
           [[u.get("year") or NO_YEAR, kind_short(u.get("kind")), u.get("rank"), u.get("unit"), u.get("projects"),
             u.get("budget"), u.get("actual"), u.get("rate"), u.get("average_entered"), u.get("average_total"),
             u.get("min_total")] + [(u.get("grades") or {}).get(g, 0) for g in grade_names]
            + [u.get("flags"), STATUS_LABELS.get(u.get("status"), u.get("status"))] for u in report.get("units", [])],
           [7, 9, 6, 30, 6, 15, 15, 8, 9, 9, 9] + [5] * len(grade_names) + [7, 12],
           {6: MONEY, 7: MONEY, 8: RATE, 9: SCORE, 10: SCORE, 11: SCORE}, wrap_columns=(4,))

    files = sorted(report.get("files", []), key=lambda e: (_status_rank(e), e.get("path", "")))
    file_rows, file_fills = [], []
    for e in files:
        forms = e.get("forms") or []
        units = list(dict.fromkeys(f.get("unit") for f in forms if f.get("unit")))
        years = list(dict.fromkeys(f.get("year") for f in forms if f.get("year")))
        problems = e.get("problems") or []
        fingerprint = e.get("fingerprint") or {}
        file_rows.append([e.get("path"), e.get("status_label"), _counted_text(e), "、".join(units[:3]),
                          "、".join(years), len(forms), len(problems), problems[0]["message"] if problems else None,
                          fingerprint.get("exported_at"), (fingerprint.get("sha256") or "")[:12] or None])
        file_fills.append({c: STATUS_FILLS.get(e.get("status"), IGNORED_FILL) for c in (1, 2, 3)})
    for item in report.get("ignored", []):
        file_rows.append([item["path"], "已忽略", "未计入", None, None, 0, 0, item["reason"], None, None])
        file_fills.append({c: IGNORED_FILL for c in (1, 2, 3)})
    _table(_Sheet(wb.create_sheet("文件清单")), FILE_HEADER, file_rows, [44, 12, 17, 28, 8, 6, 7, 60, 26, 14],
           fills=file_fills, wrap_columns=(1, 4, 8))

    problem_rows = [[e.get("path"), e.get("status_label"), p["code"], SEVERITY_LABELS.get(p["severity"], p["severity"]),
                     p.get("sheet"), p.get("cell"), p["message"]] for e in files for p in e.get("problems") or []]
    _table(_Sheet(wb.create_sheet("问题清单")), PROBLEM_HEADER, problem_rows or [["", "", "", "", "", "", "未发现问题。"]],
           [40, 12, 18, 6, 20, 9, 90], wrap_columns=(1, 5, 7))

    _write_notices(_Sheet(wb.create_sheet("复核意见")), report.get("notices", []))

    roster = report.get("roster")
    if roster is not None:
        _table(_Sheet(wb.create_sheet("未报送")), ["单位", "项目", "说明"],
               [[m["unit"], m.get("project") or "（全部）", m.get("note")] for m in roster["missing"]]
               or [["（无：名单中的单位均已报送）", None, None]], [36, 36, 60], wrap_columns=(3,))
        _table(_Sheet(wb.create_sheet("多报")), ["单位", "项目", "年度 · 表的种类", "文件", "说明"],
               [[u["unit"], u.get("project"), u.get("group"), u.get("file"), u.get("note")] for u in roster["unexpected"]]
               or [["（无：计入汇总的表均在名单中）", None, None, None, None]], [36, 36, 30, 40, 24])

    _write_charts(wb, report, grade_names)

    from toolkit.workbook.printing import setup_page

    for ws in wb.worksheets:  # a reviewer prints these: landscape A4, legible, page numbers on every page
        repeat = None if ws.title in ("汇总说明", "复核意见", "图表") else (1, 1)
        sizes = [cell.font.sz or 11 for row in ws.iter_rows() for cell in row if cell.value is not None]
        last = ws.max_column
        for row in ws.iter_rows(min_col=last, max_col=last):  # the last column's text wraps, never past the page
            if isinstance(row[0].value, str) and not row[0].alignment.wrap_text:
                old = row[0].alignment
                row[0].alignment = Alignment(horizontal=old.horizontal, vertical=old.vertical, wrap_text=True)
        prose = ws.title in ("汇总说明", "复核意见")  # paragraphs merged across the width: one page across
        setup_page(ws, ws.dimensions if ":" in ws.dimensions else f"{ws.dimensions}:{ws.dimensions}",
                   landscape=True, title_rows=repeat, wide_table_points=None if prose else min(sizes, default=11),
                   title_columns={"项目汇总": "D:D", "单位汇总": "D:D", "文件清单": "A:A"}.get(ws.title))  # 单位 / 文件
    wb.custom_doc_props.append(StringProperty(name=OWN_OUTPUT_PROPERTY, value="collect_summary"))
    path = Path(path)
    atomic_save(wb, path)
    return path


def write_notice_files(report: dict, folder: str | Path) -> list[Path]:
    """One workbook per unit with problems, 复核意见_<单位>.xlsx in ``folder``, to send back."""
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty

    from toolkit.submission.export import sanitize_part
    from toolkit.workbook.atomic import atomic_save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    names: set[str] = set()
    for notice in report.get("notices", []):
        wb = Workbook()
        from toolkit.workbook.printing import setup_page, use_print_font

        use_print_font(wb)
        ws = wb.active
        ws.title = "复核意见"
        _write_notices(_Sheet(ws), [notice])
        setup_page(ws, ws.dimensions if ":" in ws.dimensions else f"{ws.dimensions}:{ws.dimensions}", landscape=True)
        wb.custom_doc_props.append(StringProperty(name=OWN_OUTPUT_PROPERTY, value="collect_notice"))
        stem = "复核意见_" + sanitize_part(notice["unit"].strip("（）"), "未识别单位")
        name, number = stem, 1
        while name in names:
            number += 1
            name = f"{stem}({number})"
        names.add(name)
        target = folder / f"{name}.xlsx"
        atomic_save(wb, target)
        written.append(target)
    return written


# -- the command -------------------------------------------------------------------------

DEFAULT_OUTPUT = "汇总.xlsx"


def _inside(path: Path, folder: Path) -> bool:
    """Is ``path`` (existing or not) the folder or inside it, links resolved?"""
    real = Path(os.path.realpath(os.path.abspath(path)))
    root = Path(os.path.realpath(folder))
    return real == root or root in real.parents


def output_paths(args) -> dict[str, Path | None]:
    """collect's outputs by option, checked before any work: never inside the folder being collected
    (a received file would be replaced, or the output read as a submission next time), never an
    input (the roster) and never each other. Without ``-o``, 汇总.xlsx in the current folder — or,
    when that is inside the folder collected, ``<文件夹名>_汇总.xlsx`` beside it."""
    from toolkit.workbook.outputs import check_outputs

    folder = Path(args.folder)
    if not folder.is_dir():
        raise ToolkitError(f"「{folder}」不是文件夹。")
    output = Path(args.output) if args.output else Path(DEFAULT_OUTPUT)
    if not args.output and _inside(output, folder):
        real = Path(os.path.realpath(folder))
        output = real.parent / f"{real.name or '收件'}_汇总.xlsx"
    outputs = {"-o": output, "--json": Path(args.json) if args.json else None,
               "--notices": Path(args.notices) if getattr(args, "notices", None) else None}
    for option, path in outputs.items():
        if path is not None and _inside(path, folder):
            raise ToolkitError(f"{option} 指向的「{path}」在正在汇总的文件夹「{folder}」中：汇总的输出不能写入收件文件夹"
                               "（会覆盖收到的文件，或在下次汇总时被当作报送文件）。请指定该文件夹以外的位置。")
    roster = getattr(args, "roster", None)
    check_outputs([Path(roster)] if roster else [], outputs)
    for option in ("-o", "--json"):
        if outputs[option] is not None and outputs[option].is_dir():
            raise ToolkitError(f"{option} 指向的「{outputs[option]}」是文件夹，请给出文件名（如 汇总.xlsx）。")
    notices = outputs["--notices"]
    if notices is not None and notices.exists() and not notices.is_dir():
        raise ToolkitError(f"--notices 指向的「{notices}」是文件，不是文件夹。")
    return outputs


def run_cli(args) -> int:
    """``jixiao collect``: exit 0 when every file is accepted, 6 when any is not, 7 when pandas (the
    bureau's component) is missing (see :mod:`toolkit.cli`)."""
    import sys

    from toolkit.exits import EXIT_COMPONENT_MISSING
    from toolkit.service import write_json
    from toolkit.submission.tables import PandasMissing, require_pandas

    outputs = output_paths(args)
    try:
        require_pandas()
    except PandasMissing as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_COMPONENT_MISSING
    roster_path = getattr(args, "roster", None)
    roster = Roster.read(roster_path) if roster_path else None
    skip = ((roster_path, "单位名单（--roster），不是报送文件，未检查。"),) if roster_path else ()
    report = collect(args.folder, profile=args.profile, jobs=args.jobs, progress=not args.quiet, roster=roster,
                     skip=skip)
    output = write_summary(report, outputs["-o"])
    if outputs["--json"]:
        write_json(outputs["--json"], report)
    notices = write_notice_files(report, outputs["--notices"]) if outputs["--notices"] else []
    for entry in sorted(report["files"], key=_status_rank):
        if entry["status"] != "accepted":
            print(f"  [{entry['status_label']}] {entry['path']}")
            for problem in entry["problems"]:
                where = "!".join(x for x in (problem["sheet"], problem["cell"]) if x)
                print(f"      {where + '：' if where else ''}{problem['message']}")
    for item in report["ignored"]:
        print(f"  [已忽略] {item['path']}：{item['reason']}")
    if report["roster"] is not None:
        missing, unexpected = report["roster"]["missing"], report["roster"]["unexpected"]
        print(f"单位名单：未报送 {len(missing)} 项，多报 {len(unexpected)} 项。")
        for item in missing[:20]:
            print(f"  [未报送] {item['unit']}" + (f"：{item['project']}" if item.get("project") else "")
                  + f"（{item['note']}）")
        for item in unexpected[:20]:
            print(f"  [多报] {item['unit']}：{item['project']}（{item['note']}，{item['file']}）")
    else:
        print("未提供单位名单（--roster），无法知道哪些单位未报送。")
    print(summary_line(report))
    print(f"汇总表：{output}" + (f"；报告：{outputs['--json']}" if outputs["--json"] else "")
          + (f"；复核意见 {len(notices)} 份：{outputs['--notices']}" if outputs["--notices"] else ""))
    return 0 if all(entry["status"] == "accepted" for entry in report["files"]) else EXIT_NOT_ACCEPTED
