"""Build and install the 「绩效自评」 Excel add-ins from xlwings' own custom add-in.

No VBA is generated. Each add-in is a copy of ``quickstart_addin_ribbon.xlam`` shipped
inside the *installed* xlwings package (so its VBA always matches the installed xlwings,
DLL name included), with only XML parts rewritten:

* ``customUI/customUI.xml`` — the ribbon: tab 「绩效自评」 and one button, taken from
  ``toolkit/excel/ribbon.xml``. Every add-in declares the same tab and group through ``idQ``, so
  Excel merges their buttons into one tab.
* ``xl/workbook.xml`` — the settings sheet ``_myaddin.conf`` (disabled as shipped) is
  renamed to ``myaddin.conf``: the VBA reads ``PROJECT_NAME & ".conf"`` and
  ``PROJECT_NAME`` is the constant ``"myaddin"`` in xlwings' module, whatever the file name.
* ``xl/worksheets/sheet1.xml`` — values of that sheet (Interpreter_Win, PYTHONPATH,
  Use UDF Server, Show Console); its keys (column A) are left exactly as xlwings ships them.
* ``docProps/core.xml`` — a title naming the toolkit and xlwings versions, for IT staff.

xlwings' VBA ``RibbonMyAddin.RunMain`` runs ``import <file stem>; <file stem>.main()``,
so ``jixiao_score.xlam`` runs ``jixiao_score.main()`` — a top-level module of this
distribution that calls :func:`toolkit.excel.xl.score_active`. One add-in per button is the only
way to give buttons different actions without writing VBA (RunMain ignores which control
called it).

Example::

    >>> import tempfile
    >>> paths = build_addins(tempfile.mkdtemp())
    >>> sorted(p.name for p in paths)
    ['jixiao_about.xlam', 'jixiao_export.xlam', 'jixiao_report.xlam', 'jixiao_score.xlam']
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from toolkit import __version__
from toolkit.core.problems import ToolkitError

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
JX_NS = "jixiao.toolkit"  # namespace of the shared idQ tab and group ("jx:JixiaoTab")
SOURCE_ADDIN = "quickstart_addin_ribbon.xlam"
PROJECT_NAME = "myaddin"  # xlwings' VBA constant PROJECT_NAME in the quickstart add-in
SHIPPED_CONF_SHEET = f"_{PROJECT_NAME}.conf"
CONF_SHEET = f"{PROJECT_NAME}.conf"
RUN_MAIN = "RibbonMyAddin.RunMain"
RIBBON_FILE = Path(__file__).resolve().parent / "ribbon.xml"  # package data: works from a wheel
# The button modules (jixiao_score.py …): xlwings imports the module named like the add-in file,
# from the PYTHONPATH its settings sheet gives — this folder of the installed package.
BUTTONS_DIR = Path(__file__).resolve().parent / "buttons"

# Settings sheet: key in column A (as shipped) → row. Only column B is ever written.
CONF_ROWS = {"Interpreter_Win": 1, "Interpreter_Mac": 2, "PYTHONPATH": 3, "Conda Path": 4,
             "Conda Env": 5, "UDF Modules": 6, "Debug UDFs": 7, "Use UDF Server": 8,
             "Show Console": 9}


@dataclass(frozen=True)
class Button:
    """One ribbon button of ``toolkit/excel/ribbon.xml``; ``addin`` is its ``tag`` (file stem = module)."""

    addin: str
    element: ET.Element


def xlwings_source() -> Path:
    """The custom-add-in file inside the installed xlwings package.

    >>> xlwings_source().name
    'quickstart_addin_ribbon.xlam'
    """
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / SOURCE_ADDIN
    if not path.exists():
        raise ToolkitError(f"已安装的 xlwings {xlwings.__version__} 中没有 {SOURCE_ADDIN}，无法生成加载项。"
                           "请用 pip install -U xlwings 重新安装 xlwings（0.30 以上版本自带该文件）。")
    return path


def read_ribbon(path: str | Path = RIBBON_FILE) -> tuple[ET.Element, list[Button]]:
    """Parse the ribbon definition and list its buttons (one add-in each).

    >>> root, buttons = read_ribbon()
    >>> [b.addin for b in buttons]
    ['jixiao_score', 'jixiao_export', 'jixiao_report', 'jixiao_about']
    """
    path = Path(path)
    if not path.exists():
        raise ToolkitError(f"找不到功能区定义 {path}。请在工具箱源码目录中用 pip install -e . 安装后再生成加载项。")
    text = path.read_text("utf-8")
    if f'xmlns:jx="{JX_NS}"' not in text:
        raise ToolkitError(f'{path.name}：缺少 xmlns:jx="{JX_NS}"（共享选项卡 idQ 所用的命名空间）。')
    root = ET.fromstring(text.encode("utf-8"))
    buttons = []
    for element in root.iter(f"{{{CUSTOMUI_NS}}}button"):
        addin = element.get("tag", "")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", addin):
            raise ToolkitError(f"{path.name}：按钮 {element.get('id')} 的 tag「{addin}」不是合法的 Python 模块名。")
        if element.get("onAction") != RUN_MAIN:
            raise ToolkitError(f"{path.name}：按钮 {element.get('id')} 的 onAction 必须是 {RUN_MAIN}"
                               "（xlwings 自带的 VBA 过程）。")
        buttons.append(Button(addin, element))
    if not buttons:
        raise ToolkitError(f"{path.name} 中没有任何按钮。")
    return root, buttons


def customui_for(root: ET.Element, addin: str) -> bytes:
    """The customUI XML of one add-in: the shared tab/group holding only that add-in's buttons.

    >>> root, _ = read_ribbon()
    >>> xml = customui_for(root, "jixiao_score").decode("utf-8")
    >>> "计算得分" in xml and "导出报送" not in xml and 'idQ="jx:JixiaoTab"' in xml
    True
    """
    ET.register_namespace("", CUSTOMUI_NS)
    tree = ET.fromstring(ET.tostring(root))
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag == f"{{{CUSTOMUI_NS}}}button" and child.get("tag") != addin:
                parent.remove(child)
    for element in tree.iter(f"{{{CUSTOMUI_NS}}}button"):
        del element.attrib["tag"]  # the file name already says which add-in it is
    # idQ values are QNames ("jx:JixiaoTab"): ElementTree only keeps the jx prefix declared when
    # an element or attribute name uses it, so declare it explicitly on the root.
    text = ET.tostring(tree, encoding="unicode")
    if 'xmlns:jx=' not in text:
        text = text.replace(f'xmlns="{CUSTOMUI_NS}"', f'xmlns="{CUSTOMUI_NS}" xmlns:jx="{JX_NS}"', 1)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text).encode("utf-8")


def conf_sheet_xml(shipped: str, settings: dict[str, object]) -> str:
    """Set column-B values of the settings sheet; keys (column A) stay as xlwings ships them.

    >>> xml = '<sheetData><row r="1" spans="1:1"><c r="A1" s="1" t="s"><v>6</v></c></row></sheetData>'
    >>> conf_sheet_xml(xml, {"Interpreter_Win": r"C:\\Python\\pythonw.exe"})
    '<sheetData><row r="1" spans="1:2"><c r="A1" s="1" t="s"><v>6</v></c><c r="B1" s="1" t="inlineStr"><is><t>C:\\\\Python\\\\pythonw.exe</t></is></c></row></sheetData>'
    """
    for key, value in settings.items():
        if key not in CONF_ROWS:
            raise ToolkitError(f"加载项设置没有「{key}」这一项（可用：{'、'.join(CONF_ROWS)}）。")
        row = CONF_ROWS[key]
        if isinstance(value, bool):
            cell = f'<c r="B{row}" s="1" t="b"><v>{int(value)}</v></c>'
        elif value is None or value == "":
            cell = ""
        else:
            cell = f'<c r="B{row}" s="1" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
        pattern = re.compile(rf'(<row r="{row}"[^>]*>)(.*?)(</row>)', re.S)
        match = pattern.search(shipped)
        if not match:
            raise ToolkitError(f"xlwings 加载项的设置表结构与预期不同（找不到第 {row} 行），无法写入「{key}」。")
        head = re.sub(r'spans="[^"]*"', 'spans="1:2"', match[1]) if cell else match[1]
        body = re.sub(rf'<c r="B{row}"[^>]*?(?:/>|>.*?</c>)', "", match[2], flags=re.S) + cell
        shipped = shipped[:match.start()] + head + body + match[3] + shipped[match.end():]
    return shipped


def default_settings() -> dict[str, object]:
    """Settings written into each add-in: on Windows, the Python running this command.

    >>> sorted(default_settings())
    ['Interpreter_Win', 'PYTHONPATH', 'Show Console', 'Use UDF Server']
    """
    interpreter = ""
    if sys.platform.startswith("win"):
        exe = Path(sys.executable)
        pythonw = exe.with_name("pythonw.exe")
        interpreter = str(pythonw if pythonw.exists() else exe)
    return {"Interpreter_Win": interpreter, "PYTHONPATH": str(BUTTONS_DIR), "Use UDF Server": False,
            "Show Console": False}


def build_addins(outdir: str | Path, *, settings: dict[str, object] | None = None,
                 ribbon: str | Path = RIBBON_FILE) -> list[Path]:
    """Write one ``<module>.xlam`` per ribbon button into ``outdir``; return their paths.

    >>> import tempfile, zipfile
    >>> path = build_addins(tempfile.mkdtemp(), settings={"Interpreter_Win": "python"})[0]
    >>> b"myaddin.conf" in zipfile.ZipFile(path).read("xl/workbook.xml")
    True
    """
    import xlwings

    source = xlwings_source()
    root, buttons = read_ribbon(ribbon)
    values = default_settings()
    values.update(settings or {})
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    addins = sorted({button.addin for button in buttons}, key=[b.addin for b in buttons].index)
    written = []
    with zipfile.ZipFile(source) as shipped:
        for addin in addins:
            labels = "、".join(b.element.get("label", "") for b in buttons if b.addin == addin)
            title = f"绩效自评工具箱「{labels}」加载项（jixiao-toolkit {__version__}，xlwings {xlwings.__version__}）"
            target = outdir / f"{addin}.xlam"
            tmp = target.with_name(f".{target.name}.tmp")
            with zipfile.ZipFile(tmp, "w") as out:
                for info in shipped.infolist():
                    data = shipped.read(info.filename)
                    if info.filename == "customUI/customUI.xml":
                        data = customui_for(root, addin)
                    elif info.filename == "xl/workbook.xml":
                        data = _rename_conf_sheet(data.decode("utf-8")).encode("utf-8")
                    elif info.filename == "xl/worksheets/sheet1.xml":
                        data = conf_sheet_xml(data.decode("utf-8"), values).encode("utf-8")
                    elif info.filename == "docProps/core.xml":
                        data = re.sub(r"<dc:title\s*/>|<dc:title>.*?</dc:title>",
                                      f"<dc:title>{escape(title)}</dc:title>", data.decode("utf-8")).encode("utf-8")
                    fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    fresh.external_attr = info.external_attr
                    out.writestr(fresh, data, compress_type=info.compress_type)
            tmp.replace(target)
            written.append(target)
    return written


def _rename_conf_sheet(workbook_xml: str) -> str:
    if f'name="{SHIPPED_CONF_SHEET}"' not in workbook_xml:
        raise ToolkitError(f"xlwings 加载项中没有设置表 {SHIPPED_CONF_SHEET}，与预期的 xlwings 版本不符。")
    return workbook_xml.replace(f'name="{SHIPPED_CONF_SHEET}"', f'name="{CONF_SHEET}"')


def install_addins(paths: list[Path], *, all_users: bool = False) -> list[str]:
    """Copy built add-ins into Excel's XLSTART folder (Windows only); return messages.

    >>> try:
    ...     install_addins([])
    ... except ToolkitError as exc:
    ...     print(exc)
    加载项只能安装到 Windows 上的 Excel。...
    """
    if not sys.platform.startswith("win"):
        raise ToolkitError("加载项只能安装到 Windows 上的 Excel。请在本机用「jixiao addin build 文件夹」生成 .xlam，"
                           "复制到填报人的 Windows 电脑后，在那里运行「jixiao addin install」；"
                           "WPS 用户请直接运行「jixiao score 文件.xlsx」。")
    from xlwings import cli as xlwings_cli  # xlwings' own installer: closes open copies, copies, reloads

    messages = []
    for path in paths:
        xlwings_cli._addin_install(str(path), all_users)
        messages.append(f"已安装：{path.name}")
    return messages


def run_build(args) -> int:
    """``jixiao addin build`` (see :mod:`toolkit.cli`)."""
    settings = {}
    if args.interpreter:
        settings["Interpreter_Win"] = args.interpreter
    if args.pythonpath:  # xlwings splits PYTHONPATH at ";"; the button modules always come first
        settings["PYTHONPATH"] = f"{BUTTONS_DIR};{args.pythonpath}"
    if args.udf_server:
        settings["Use UDF Server"] = True
    if args.show_console:
        settings["Show Console"] = True
    paths = build_addins(args.outdir, settings=settings)
    for path in paths:
        print(f"已生成加载项：{path}")
    interpreter = settings.get("Interpreter_Win") or default_settings()["Interpreter_Win"]
    print(f"Interpreter_Win = {interpreter or '（未设置：将使用 PATH 中的 python；建议用 --interpreter 指定）'}")
    return 0


def run_install(args) -> int:
    """``jixiao addin install`` (see :mod:`toolkit.cli`)."""
    import tempfile

    outdir = Path(args.outdir) if args.outdir else Path(tempfile.mkdtemp(prefix="jixiao_addin_"))
    if not sys.platform.startswith("win"):
        install_addins([])  # raises the clear message
    settings = {"Interpreter_Win": args.interpreter} if args.interpreter else {}
    paths = build_addins(outdir, settings=settings)
    for line in install_addins(paths, all_users=args.all_users):
        print(line)
    print("请重新启动 Excel，功能区会出现「绩效自评」选项卡。")
    if not args.outdir:
        shutil.rmtree(outdir, ignore_errors=True)
    return 0
