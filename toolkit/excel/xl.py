"""The xlwings layer: the 「绩效自评」 ribbon buttons acting on the workbook open in Excel.

Same data flow as ``jixiao score``, with the workbook read and written through xlwings::

    xw.Book ─reading.read_open_book→ WorkbookData ─service.score_book→ EditPlan
            ─writing.apply_plan→ the same xw.Book

:mod:`toolkit.excel.reading` reads each sheet in one bulk read and finds the forms by their
printed labels; :mod:`toolkit.excel.writing` writes values in blocks, colours in one call per
sheet (per colour on desktop Excel) and notes only where they change. This module holds what
the ribbon buttons do with that.

Entry points for buttons (:func:`score_active`, :func:`export_active`, :func:`about_active`)
find the active workbook (not the add-in) and never show a traceback: every failure becomes a
Chinese message box; the traceback of an unexpected error goes to a log file named in it.

Example (xlwings' remote engine, no Excel needed)::

    >>> import os
    >>> _ = os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests/CI set it anyway
    >>> import xlwings as xw
    >>> book = xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
    ...     "book": {"name": "空.xlsx", "active_sheet_index": 0, "selection": "A1"},
    ...     "sheets": [{"name": "Sheet1", "values": [["x"]], "pictures": [], "tables": []}]})
    >>> score_workbook(book)
    False
    >>> book.json()["actions"][-1]["func"], "没有可识别" in book.json()["actions"][-1]["args"][0]
    ('alert', True)
"""

from __future__ import annotations

import datetime as _dt
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import SEVERITY_LABELS, ToolkitError
from toolkit.excel.engine import EXCEL_ERRORS, is_desktop
from toolkit.excel.reading import read_book, read_open_book
from toolkit.excel.writing import ApplyStats, apply_plan
from toolkit.report import two_numbers_line
from toolkit.workbook.edits import EditPlan
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import WorkbookData


TITLE = "绩效自评"
EXPORT_MISSING = "导出报送功能尚未安装/可用"
MESSAGE_LIMIT = 1800  # characters shown in one message box; the rest is in 「校验结果」

__all__ = ["read_book", "apply_plan", "run_score", "score_workbook", "score_active", "export_workbook",
           "export_active", "report_workbook", "report_active", "about_text", "about_active", "EXCEL_ERRORS"]


@dataclass
class XlScoreRun:
    """The outcome of :func:`run_score` on one open workbook."""

    book: WorkbookData
    results: list
    plan: EditPlan
    stats: ApplyStats


# ---------------------------------------------------------------- entry points

def run_score(book, profile=None) -> XlScoreRun:
    """Read, score and write back one open workbook; raises ToolkitError on unusable input."""
    from toolkit.service import resolve_profile, score_book

    opened = read_open_book(book)
    data = opened.data
    results, plan = score_book(data, resolve_profile(data, profile))
    stats = apply_plan(book, plan, opened)
    return XlScoreRun(book=data, results=results, plan=plan, stats=stats)


def score_message(run: XlScoreRun) -> str:
    """The success message: one line per form (total, grade, flags), then where to look.

    >>> from toolkit.core.results import FormResult
    >>> run = XlScoreRun(WorkbookData(Path("a.xlsx"), [], {}, Registry()),
    ...                  [FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {})],
    ...                  EditPlan(), ApplyStats())
    >>> print(score_message(run))
    已计算 1 张自评表：
    · 项目：总分 填报 91.9，复核 91.9，一致；等级 优；错误 0，提醒 0，说明 0
    <BLANKLINE>
    标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。
    """
    lines = [f"已计算 {len(run.results)} 张自评表："]
    lines += [f"· {two_numbers_line(result)}" for result in run.results]
    for flag in run.book.flags:
        lines.append(f"[{SEVERITY_LABELS[flag.severity]}] {flag.message}")
    if run.stats.formulas_kept:
        kept = "、".join(f"{sheet}!{ref}" for sheet, ref in run.stats.formulas_kept)
        lines.append(f"[说明] 单元格 {kept} 有公式（当前显示为空），工具没有写入计算值；计算值见右侧「系统计算得分」列。")
    lines += ["", "标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。"]
    return _clip("\n".join(lines))


def _clip(text: str) -> str:
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + "\n……（其余内容见「校验结果」表）"


def alert(book_or_app, text: str, title: str = TITLE, *, critical: bool = False, buttons: str = "ok"):
    """Show a message box through the workbook's Excel (the remote engine records an action)."""
    app = getattr(book_or_app, "app", book_or_app)
    if app is None:
        print(text, file=sys.stderr)  # no Excel: VBA's ShowError displays stderr
        return None
    return app.alert(_clip(text), title=title, buttons=buttons, mode="critical" if critical else "info")


def _unexpected(exc: BaseException, action: str) -> str:
    log = Path(tempfile.gettempdir()) / "jixiao_excel_error.log"
    try:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {_dt.datetime.now():%Y-%m-%d %H:%M:%S} jixiao-toolkit {__version__} {action}\n")
            handle.write("".join(traceback.format_exception(exc)))
        where = f"详细信息已记录在 {log}。"
    except OSError:
        where = ""
    return (f"{action}时发生意外错误（{type(exc).__name__}：{exc}）。\n"
            f"您的工作簿未被改动或只写入了一部分计算结果，请关闭后不保存重新打开再试。{where}\n"
            "如仍出错，请把此信息和文件发给技术支持。")


def score_workbook(book, profile=None) -> bool:
    """Button 「计算得分」 on a given workbook: score in place and report in a message box.

    Returns True on success; every failure is shown as a Chinese message box, never raised.
    (See the module example for a workbook that is not a form.)
    """
    try:
        run = run_score(book, profile)
    except ToolkitError as exc:
        adopted = adopt_beside(book) if not getattr(exc, "flags", None) else []
        if adopted:
            alert(book, "这是其他版式的自评表：已按本工具模板导入为\n" + "\n".join(map(str, adopted)) +
                        "\n并已打开（原工作簿未改动）。请在新工作簿上再点「计算得分」。导入时每个单元格的去向见其「导入说明」表。",
                  f"{TITLE} - 导入其他版式")
            return False
        alert(book, f"未能计算得分：\n{exc}", f"{TITLE} - 计算得分", critical=True)
        return False
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary: a message, never a traceback
        alert(book, _unexpected(exc, "计算得分"), f"{TITLE} - 计算得分", critical=True)
        return False
    alert(book, score_message(run), f"{TITLE} - 计算得分完成")
    return True


def adopt_beside(book) -> list[Path]:
    """A workbook in another official layout (no template names, forms found by their labels):
    save it, adopt it into ``<name>_导入.xlsx`` beside it (and ``<name>_部门_导入.xlsx`` when it also
    holds a department table), open them and return their paths; [] when the workbook holds no
    such form or is not saved in a local folder."""
    from toolkit.forms.project.adopt import adopt_file, adoption_hint

    try:
        path = Path(book.fullname)
    except EXCEL_ERRORS:
        return []
    if not path.is_absolute() or not path.exists():
        return []
    try:
        book.save()
        if not adoption_hint(path):
            return []
        outcome = adopt_file(path)
        outputs = outcome.outputs or [outcome.output]
        for output in outputs:
            book.app.books.open(str(output))
    except (ToolkitError, *EXCEL_ERRORS):
        return []
    return outputs


def active_book():
    """The workbook the clerk has open in the Excel that pressed the button (never the add-in).

    >>> import xlwings as xw
    >>> try:
    ...     active_book()
    ... except ToolkitError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    没有打开的工作簿...
    """
    import xlwings as xw

    app = None
    try:
        app = xw.Book.caller().app  # the calling Excel instance (the caller may be the add-in itself)
    except EXCEL_ERRORS:
        try:
            app = xw.apps.active
        except EXCEL_ERRORS:
            app = None
    book = None
    if app is not None:
        try:
            book = app.books.active
        except EXCEL_ERRORS:
            book = None
    if book is None or book.name.lower().endswith((".xlam", ".xla")):
        raise ToolkitError("没有打开的工作簿：请先打开要处理的自评表工作簿，再点功能区「绩效自评」上的按钮。")
    return book


def _run_button(action: str, work) -> None:
    try:
        book = active_book()
    except ToolkitError as exc:
        _fallback_alert(str(exc), action)
        return
    except EXCEL_ERRORS as exc:
        _fallback_alert(_unexpected(exc, action), action)
        return
    work(book)


def _fallback_alert(text: str, action: str, *, critical: bool = True) -> None:
    try:
        import xlwings as xw
        alert(xw.apps.active if xw.apps else None, text, f"{TITLE} - {action}", critical=critical)
    except (ImportError, *EXCEL_ERRORS):  # no Excel to show it in: the console is all there is
        print(text, file=sys.stderr)


def score_active() -> None:
    """The 「计算得分」 button: score the active workbook in place (same results as ``jixiao score``)."""
    _run_button("计算得分", score_workbook)


def _exporter():
    """``toolkit.submission.export``'s file exporter, or None when that module is not installed."""
    import importlib

    try:
        export = importlib.import_module("toolkit.submission.export")
    except ImportError:
        return None
    return export.export_file


def export_workbook(book) -> bool:
    """Button 「导出报送」 on a given workbook: save it, export the saved file beside it.

    Shows 「导出报送功能尚未安装/可用」 when :mod:`toolkit.submission.export` cannot be imported.
    """
    exporter = _exporter()
    title = f"{TITLE} - 导出报送"
    if exporter is None:
        alert(book, f"{EXPORT_MISSING}：本机安装的绩效自评工具箱（{__version__}）没有导出模块。"
                    "请联系技术支持升级工具箱（pip install -U）并重新生成加载项。", title, critical=True)
        return False
    try:
        fullname = Path(book.fullname)
        if not fullname.is_absolute() or not fullname.parent.exists():
            raise ToolkitError("工作簿还没有保存到本机文件夹（或在网盘/SharePoint 上）。请先「另存为」到本机文件夹，再导出报送。")
        book.save()
        try:
            outcome = exporter(fullname)
        except ToolkitError as exc:
            if not hasattr(exc, "flags"):
                raise
            answer = alert(book, f"{exc}\n\n仍要导出吗？导出的文件会标记为「含未解决问题」。", title,
                           critical=True, buttons="yes_no")
            if answer != "yes":
                return False
            outcome = exporter(fullname, force=True)
    except ToolkitError as exc:
        alert(book, f"未能导出：\n{exc}", title, critical=True)
        return False
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary
        alert(book, _unexpected(exc, "导出报送"), title, critical=True)
        return False
    from toolkit.submission.export import done_message

    alert(book, done_message(outcome), title)
    return True


def export_active() -> None:
    """The 「导出报送」 button: export the active workbook (clear message if not available)."""
    _run_button("导出报送", export_workbook)


def about_text(book=None) -> str:
    """Versions and paths for IT staff; warns when an add-in was built for another xlwings.

    >>> "jixiao-toolkit" in about_text()
    True
    """
    import xlwings as xw

    lines = [f"绩效自评工具箱 jixiao-toolkit {__version__}",
             f"xlwings {xw.__version__}（{Path(xw.__file__).parent}）",
             f"Python {sys.version.split()[0]}（{sys.executable}）",
             f"工具箱位置：{Path(__file__).resolve().parent}",
             f"导出报送：{'可用' if _exporter() else EXPORT_MISSING}"]
    if book is not None and is_desktop(book) and sys.platform.startswith("win"):
        from toolkit.excel.addin import read_ribbon

        for name in dict.fromkeys(f"{button.addin}.xlam" for button in read_ribbon()[1]):  # every add-in
            try:
                title = str(book.app.books[name].api.BuiltinDocumentProperties("Title").Value)
            except EXCEL_ERRORS:
                lines.append(f"{name}：未加载")
                continue
            ok = f"xlwings {xw.__version__}" in title
            lines.append(f"{name}：{title}" + ("" if ok else " —— 与已安装的 xlwings 版本不一致，请重新运行 jixiao addin install"))
    return "\n".join(lines)


def about_active() -> None:
    """The 「关于」 button: show :func:`about_text` in a message box (works with no workbook open)."""
    try:
        book = active_book()
    except (ToolkitError, *EXCEL_ERRORS):
        book = None
    try:
        text = about_text(book)
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary
        text = _unexpected(exc, "显示版本信息")
    if book is not None:
        alert(book, text, f"{TITLE} - 关于")
    else:
        _fallback_alert(text, "关于", critical=False)


def report_workbook(book) -> bool:
    """Button 「生成报告」 on a given workbook: save it, draft the 自评报告 (Word) beside it and
    say where (``toolkit.narrative.draft``; an earlier draft is never overwritten)."""
    title = f"{TITLE} - 生成报告"
    try:
        outcome = _draft_beside(book)
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary: a message, never a traceback
        known = isinstance(exc, ToolkitError)
        alert(book, f"未能生成报告：\n{exc}" if known else _unexpected(exc, "生成报告"), title, critical=True)
        return False
    alert(book, f"已生成自评报告草稿：\n{outcome.output}\n\n请在 Word/WPS 中打开，把 {outcome.placeholders} 处黄色底纹的"
                "【待填写：…】据实填写。表格修改后请重新生成。", title)
    return True


def _draft_beside(book):
    from toolkit.narrative.draft import draft_report

    fullname = Path(book.fullname)
    if not fullname.is_absolute() or not fullname.parent.exists():
        raise ToolkitError("工作簿还没有保存到本机文件夹（或在网盘/SharePoint 上）。请先「另存为」到本机文件夹，再生成报告。")
    book.save()
    return draft_report(fullname)


def report_active() -> None:
    """The 「生成报告」 button: draft the 自评报告 of the active workbook beside it."""
    _run_button("生成报告", report_workbook)
