"""The xlwings layer: the 「绩效自评」 ribbon buttons acting on the workbook open in Excel.

「计算得分」 is a host of the press protocol (:mod:`toolkit.excel.protocol`), like the WPS add-in,
in the same process::

    xw.Book ─reading.open_book→ snapshot ─protocol.score→ plan ─writing.apply_plan→ the same xw.Book

:mod:`toolkit.excel.reading` builds the snapshot from one bulk read per sheet and answers the
engine's questions (names, number formats) from Excel; the engine finds the forms, scores them
as ``jixiao score`` does and plans the changes; :mod:`toolkit.excel.writing` applies the plan —
values in blocks, colours in one call per sheet (per colour on desktop Excel), notes only where
they change. This module holds what the ribbon buttons do with that.

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

import sys
import tempfile  # noqa: F401 — unexpected() logs to tempfile.gettempdir(); tests redirect it as xl.tempfile
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import ToolkitError
from toolkit.excel.engine import EXCEL_ERRORS, is_desktop
from toolkit.excel.protocol import EXPORT_MISSING, TITLE, ScoreRun, clip, score, score_message, unexpected
from toolkit.excel.reading import open_book, read_book, settle
from toolkit.excel.writing import apply_plan, target

__all__ = ["read_book", "run_score", "score_workbook", "score_active", "export_workbook", "export_active",
           "report_workbook", "report_active", "about_text", "about_active", "score_message", "EXCEL_ERRORS"]


# ---------------------------------------------------------------- entry points

def run_score(book, profile=None) -> ScoreRun:
    """Read, score and write back one open workbook through the press protocol; raises
    ToolkitError on unusable input. The snapshot says what this host can do: notes and formula
    reads on desktop Excel only."""
    opened = open_book(book)
    where = target(book, opened.sheets())
    opened.snapshot["host"] = {"name": "excel" if where.desktop else "xlwings", "notes": where.desktop}
    formulas = where.formulas if where.desktop else None  # a values-only read shows a formula's "" as blank
    sheets, run = settle(opened, lambda snapshot: score(snapshot, profile=profile, formulas=formulas))
    apply_plan(where, sheets, run.stats)
    return run


def alert(book_or_app, text: str, title: str = TITLE, *, critical: bool = False, buttons: str = "ok"):
    """Show a message box through the workbook's Excel (the remote engine records an action)."""
    app = getattr(book_or_app, "app", book_or_app)
    if app is None:
        print(text, file=sys.stderr)  # no Excel: VBA's ShowError displays stderr
        return None
    return app.alert(clip(text), title=title, buttons=buttons, mode="critical" if critical else "info")


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
        alert(book, unexpected(exc, "计算得分"), f"{TITLE} - 计算得分", critical=True)
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
        _fallback_alert(unexpected(exc, action), action)
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
        alert(book, unexpected(exc, "导出报送"), title, critical=True)
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
        text = unexpected(exc, "显示版本信息")
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
        alert(book, f"未能生成报告：\n{exc}" if known else unexpected(exc, "生成报告"), title, critical=True)
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
