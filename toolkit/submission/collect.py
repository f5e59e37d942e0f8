"""Collection (汇总): a folder of received submissions → a checked summary workbook and report.

``jixiao collect FOLDER [-o 汇总.xlsx] [--json REPORT.json] [--jobs N] [--profile P]``

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
from toolkit.core.problems import SEVERITY_LABELS, ToolkitError
from toolkit.core.profile import Profile, load_profile
from toolkit.exits import EXIT_NOT_ACCEPTED
from toolkit.forms import registry as kinds
from toolkit.submission.tables import unit_rows
from toolkit.workbook.io import sniff, unusable_message
from toolkit.submission.fastread import SheetUnreadable as _SheetUnreadable, read_submission
from toolkit.report import json_safe
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


def _sniff(path: Path) -> dict | None:
    """A finished entry for files that are not usable workbooks, else None."""
    what = sniff(path)
    if what == "xlsx":
        return None
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
    try:
        props = fp.read_properties(wb)
        book = read_openpyxl_book(wb, path)
        bureau, profile = profile, resolve_profile(book, profile)
    except ToolkitError as exc:
        wb.close()
        return _finish(path, "wrong_template", [_problem("wrong_template", str(exc))],
                       fingerprint=_fp_summary(props), timing=_read_timing(started, wb))
    except READ_ERRORS as exc:  # a damaged structure openpyxl accepted
        wb.close()
        return _finish(path, "unreadable", [_problem("corrupt", f"文件「{name}」结构异常（{type(exc).__name__}：{exc}）。")],
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

    results, _plan = score_book(book, profile)
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
    rows = [kinds.kind_of(forms[result.sheet]).summary_row(forms[result.sheet], result)
            for result in results if result.sheet in forms]
    problems += _finite_rows(rows)
    entry = _finish(path, worst_status(statuses), problems, fingerprint=_fp_summary(props), forms=rows)
    entry["timing"] = dict(_read_timing(started, wb, read_done), score=time.perf_counter() - read_done)
    return entry


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
    """Mark files that repeat a unit/year/project (or the exact content) of an earlier file.

    Files are taken in path order; the first file with a given unit/year/project is the
    original. Only an intact export of an accepted template (status :data:`ORIGINAL_STATUSES`,
    see the module docstring) counts as an original: a working copy, a file of another template,
    a tampered or hand-edited export never does (a later clean export is not a duplicate of
    them), but they are still checked against earlier originals.

    >>> a = {"path": "a", "status": "accepted", "problems": [], "fingerprint": {"sha256": "1"},
    ...      "forms": [{"unit": "甲", "year": "2021", "project": "P", "sheet": "s"}]}
    >>> b = dict(a, path="b", problems=[]); mark_duplicates([a, b]); b["status"], a["status"]
    ('duplicate', 'accepted')
    >>> copy = dict(a, path="0_copy", status="not_export", fingerprint=None, problems=[])
    >>> export = dict(a, path="1_export", problems=[]); mark_duplicates([copy, export]); export["status"]
    'accepted'
    """
    seen: dict[tuple, str] = {}
    seen_sha: dict[str, str] = {}
    for entry in entries:
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
            elif original:
                seen[key] = entry["path"]
        if sha and same_file is None:
            seen_sha[sha] = entry["path"]
        if same_file:
            entry["problems"].append(_problem("duplicate_file", f"与「{same_file}」内容完全相同（同一导出文件重复报送）。"))
        for earlier, names in repeated.items():
            shown = "、".join(names[:5]) + (f" 等 {len(names)} 个项目" if len(names) > 5 else "")
            unit = entry["forms"][0]["unit"] or "未填单位"
            entry["problems"].append(_problem(
                "duplicate", f"单位「{unit}」同一年度的项目 {shown} 已在「{earlier}」中报送（单位、年度、项目相同）。"))
        if same_file or repeated:
            entry["status"] = worst_status([entry["status"], "duplicate"])
            entry["status_label"] = STATUS_LABELS[entry["status"]]


def collect(folder: str | Path, *, profile: Profile | str | None = None, jobs: int | None = None,
            progress: bool = True) -> dict:
    """Check every file in ``folder`` and return the collection report (a JSON-able dict).

    ``profile`` is the bureau's rule profile; None re-scores each file by the profile it records
    (its kind's default when it records none), and the report's ``profile`` is then null.

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
    for entry in entries:
        entry["path"] = os.path.relpath(entry["path"], folder) if Path(entry["path"]).is_relative_to(folder) else entry["path"]
    mark_duplicates(entries)
    return json_safe(build_report(folder, entries, profile, time.perf_counter() - started, jobs))


def build_report(folder: Path, entries: list[dict], profile: Profile | None, elapsed: float, jobs: int) -> dict:
    """Assemble the report: summary, files, projects (one row per form) and units. Without the
    bureau's ``profile``, grades are listed in the order of the project kind's default profile."""
    by_status: dict[str, int] = {}
    for entry in entries:
        by_status[entry["status"]] = by_status.get(entry["status"], 0) + 1
        for form in entry["forms"]:
            form["status"] = entry["status"]
    accepted = by_status.get("accepted", 0)
    projects = [dict(form, file=entry["path"]) for entry in entries for form in entry["forms"]]
    projects.sort(key=lambda row: (-(row["total"] if row["total"] is not None else -1), row["unit"], row["project"]))
    for rank, row in enumerate(projects, start=1):
        row["rank"] = rank
    bands = (profile or kinds.default_profile())["grades"]
    grades = [band["grade"] for band in sorted(bands, key=lambda b: -b["min"])]
    # Department frameworks name their own grades (兖州: 良好, 一般): count those too.
    grades += sorted({p["grade"] for p in projects if p["grade"] and p["grade"] not in grades})
    return {
        "generated_at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "toolkit_version": __version__,
        "folder": str(folder),
        "profile": None if profile is None else {"id": profile.id, "version": str(profile.version),
                                                 "sha256": profile.sha256},
        "summary": {"read": len(entries), "accepted": accepted, "with_problems": len(entries) - accepted,
                    "by_status": {s: by_status[s] for s in STATUS_ORDER if s in by_status},
                    "seconds": round(elapsed, 3), "jobs": jobs},
        "grades": {grade: sum(1 for p in projects if p["grade"] == grade) for grade in grades},
        "files": entries,
        "projects": projects,
        "units": unit_rows(projects, grades, worst=worst_status),
    }


def summary_line(report: dict) -> str:
    """The one-line summary.

    >>> summary_line({"summary": {"read": 3, "accepted": 1, "with_problems": 2,
    ...               "by_status": {"accepted": 1, "tampered": 1, "not_excel": 1}}})
    '共读取 3 个文件：通过 1 个，有问题 2 个（内容被改动 1、不是 Excel 1）。'
    """
    s = report["summary"]
    detail = "、".join(f"{STATUS_LABELS[k]} {v}" for k, v in s["by_status"].items() if k != "accepted")
    return (f"共读取 {s['read']} 个文件：通过 {s['accepted']} 个，有问题 {s['with_problems']} 个"
            + (f"（{detail}）" if detail else "") + "。")


def report_schema() -> dict:
    return json.loads((resources.files("toolkit") / "schemas" / "collect_report.schema.json").read_text("utf-8"))


def validate_collect_report(report: dict) -> None:
    """Raise jsonschema.ValidationError when ``report`` does not match the shipped schema."""
    import jsonschema

    jsonschema.validate(report, report_schema())


# -- the summary workbook ----------------------------------------------------------------

PROJECT_HEADER = ["排名", "单位", "主管部门", "年度", "项目", "全年预算数", "全年执行数", "执行率", "总分", "等级",
                  "标记数", "错误数", "状态", "文件", "工作表"]
UNIT_HEADER = ["排名", "单位", "项目数", "全年预算数", "全年执行数", "执行率", "平均总分", "最低总分"]
FILE_HEADER = ["文件", "状态", "状态代码", "项目数", "问题数", "导出时间", "内容指纹"]
PROBLEM_HEADER = ["文件", "状态", "代码", "级别", "工作表", "单元格", "说明"]


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


def write_summary(report: dict, path: str | Path) -> Path:
    """Write the summary workbook (projects, units, files, problems, charts) atomically.

    Every cell goes through :func:`summary_value` and ``put_value``: a project name or sheet
    title typed as 「=cmd|' /C calc'!A0」, 「+SUM(1)」, 「-1+1」, 「@SUM(1)」 or with a leading TAB
    or CR is written as text, never as a live formula.
    """
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    from toolkit.workbook.atomic import atomic_save

    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F2F2F2")

    def put(ws, row: int, column: int, value) -> None:
        put_value(ws.cell(row, column), summary_value(value))

    def append(ws, values) -> None:
        row = ws.max_row + 1 if ws._cells else 1
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value)

    def table(ws, header, rows, widths, formats=None):
        append(ws, header)
        for row in rows:
            append(ws, row)
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[ws.cell(1, index).column_letter].width = width
        for column, number_format in (formats or {}).items():
            for row in ws.iter_rows(min_row=2, min_col=column, max_col=column):
                row[0].number_format = number_format
        ws.auto_filter.ref = ws.dimensions
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = "项目汇总"
    table(ws, PROJECT_HEADER, [[p["rank"], p["unit"], p["department"], p["year"], p["project"], p["budget"],
                                p["actual"], p["rate"], p["total"], p["grade"], p["flags"], p["errors"],
                                STATUS_LABELS[p["status"]], p["file"], p["sheet"]] for p in report["projects"]],
          [6, 28, 28, 7, 32, 15, 15, 8, 8, 6, 7, 7, 12, 40, 20], {6: "#,##0.00", 7: "#,##0.00", 8: "0.00%"})

    grades = list(report["grades"])
    ws = wb.create_sheet("单位汇总")
    table(ws, UNIT_HEADER + grades + ["标记数", "状态"],
          [[u["rank"], u["unit"], u["projects"], u["budget"], u["actual"], u["rate"], u["average_total"], u["min_total"]]
           + [u["grades"][g] for g in grades] + [u["flags"], STATUS_LABELS[u["status"]]] for u in report["units"]],
          [6, 30, 8, 15, 15, 8, 9, 9] + [5] * len(grades) + [7, 12], {4: "#,##0.00", 5: "#,##0.00", 6: "0.00%"})

    ws = wb.create_sheet("文件清单")
    table(ws, FILE_HEADER, [[e["path"], e["status_label"], e["status"], len(e["forms"]), len(e["problems"]),
                             (e["fingerprint"] or {}).get("exported_at"), (e["fingerprint"] or {}).get("sha256")]
                            for e in report["files"]], [44, 12, 18, 7, 7, 26, 66])

    ws = wb.create_sheet("问题清单")
    rows = [[e["path"], e["status_label"], p["code"], SEVERITY_LABELS.get(p["severity"], p["severity"]), p["sheet"],
             p["cell"], p["message"]] for e in report["files"] for p in e["problems"]]
    table(ws, PROBLEM_HEADER, rows or [["", "", "", "", "", "", "未发现问题。"]], [40, 12, 18, 6, 20, 9, 90])
    for row in ws.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")

    ws = wb.create_sheet("图表")
    append(ws, ["等级", "项目数"])
    for grade, count in report["grades"].items():
        append(ws, [grade, count])
    chart = BarChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = "等级分布", "项目数", "等级"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(grades) + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(grades) + 1))
    ws.add_chart(chart, "D2")
    start = len(grades) + 4
    bins = [(0, 60), (60, 70), (70, 80), (80, 90), (90, 100.0001)]
    put(ws, start, 1, "总分区间"), put(ws, start, 2, "项目数")
    totals = [p["total"] for p in report["projects"] if p["total"] is not None]
    for offset, (low, high) in enumerate(bins, start=1):
        label = f"{low}–{int(high)}" if high <= 100 else f"{low}–100"
        put(ws, start + offset, 1, label)
        put(ws, start + offset, 2, sum(1 for t in totals if low <= t < high))
    histogram = BarChart()
    histogram.title, histogram.y_axis.title, histogram.x_axis.title = "总分分布", "项目数", "总分"
    histogram.add_data(Reference(ws, min_col=2, min_row=start, max_row=start + len(bins)), titles_from_data=True)
    histogram.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(bins)))
    ws.add_chart(histogram, "D18")
    units = report["units"][:30]
    if units:
        ustart = start + len(bins) + 3
        put(ws, ustart, 1, "单位（前 30）"), put(ws, ustart, 2, "平均总分")
        for offset, unit in enumerate(units, start=1):
            put(ws, ustart + offset, 1, unit["unit"]), put(ws, ustart + offset, 2, unit["average_total"])
        bars = BarChart()
        bars.type = "bar"
        bars.title, bars.x_axis.title, bars.y_axis.title = "单位平均总分（前 30）", "单位", "平均总分"
        bars.add_data(Reference(ws, min_col=2, min_row=ustart, max_row=ustart + len(units)), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=1, min_row=ustart + 1, max_row=ustart + len(units)))
        bars.height = max(7.5, 0.5 * len(units))
        ws.add_chart(bars, "D34")
    ws.column_dimensions["A"].width = 28

    path = Path(path)
    for ws in wb.worksheets:  # a reviewer prints these: landscape A4, every column on the page
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
    atomic_save(wb, path)
    return path


def run_cli(args) -> int:
    """``jixiao collect``: exit 0 when every file is accepted, 6 when any is not (see :mod:`toolkit.cli`)."""
    from toolkit.service import write_json

    report = collect(args.folder, profile=args.profile, jobs=args.jobs, progress=not args.quiet)
    output = write_summary(report, args.output)
    if args.json:
        write_json(Path(args.json), report)
    for entry in report["files"]:
        if entry["status"] != "accepted":
            print(f"  [{entry['status_label']}] {entry['path']}")
            for problem in entry["problems"]:
                where = "!".join(x for x in (problem["sheet"], problem["cell"]) if x)
                print(f"      {where + '：' if where else ''}{problem['message']}")
    print(summary_line(report))
    print(f"汇总表：{output}" + (f"；报告：{args.json}" if args.json else ""))
    return 0 if all(entry["status"] == "accepted" for entry in report["files"]) else EXIT_NOT_ACCEPTED
