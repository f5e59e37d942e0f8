"""The 「绩效自评」 WPS JS add-in (加载项): build it, install it per user, remove it.

The add-in is a folder as ``wpsjs`` lays one out — ``manifest.xml``, ``ribbon.xml`` (customUI
2006/01: tab 「绩效自评」 with 计算得分 / 导出报送 / 生成报告 / 关于; labels and tips from the Excel
ribbon ``toolkit/excel/ribbon.xml``, so both hosts say the same), ``index.html``, ``main.js`` (the
ribbon callbacks), ``js/press.js`` (what a press does; see :mod:`toolkit.excel.protocol`) and
``config.js`` (engine port, the per-install token, the command that starts ``jixiao serve``).

Installing needs no admin rights: the folder goes into the user's ``jsaddons`` folder
(Windows ``%APPDATA%\\kingsoft\\wps\\jsaddons``, Linux ``~/.local/share/Kingsoft/wps/jsaddons``) as
``jixiao_<version>`` and is listed in ``publish.xml`` there (other add-ins' entries kept) — WPS's
offline deployment.

Example::

    >>> import tempfile, pathlib
    >>> out = build_addin(pathlib.Path(tempfile.mkdtemp()) / "jixiao")
    >>> sorted(p.name for p in out.iterdir())
    ['config.js', 'index.html', 'js', 'main.js', 'manifest.xml', 'ribbon.xml']
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from toolkit import __version__
from toolkit.core.problems import ToolkitError
from toolkit.excel.addin import CUSTOMUI_NS, read_ribbon

ADDIN_NAME = "jixiao"
ADDIN_SOURCE = Path(__file__).resolve().parent / "jsaddin"  # the add-in's own files (package data)
DEFAULT_PORT = 47655  # the engine's port on 127.0.0.1 unless installed with another
CONFIG_FILE = "serve.json"  # token and port, in the user's config folder
# The Excel ribbon's buttons (tag = add-in file stem) → the press protocol's actions.
ACTIONS = {"jixiao_score": "score", "jixiao_export": "export", "jixiao_report": "report", "jixiao_about": "about"}
STATIC_FILES = ("index.html", "main.js", "js/press.js")


def config_dir() -> Path:
    """Where the token and port live: %APPDATA%\\jixiao-toolkit on Windows, $XDG_CONFIG_HOME (or
    ~/.config)/jixiao-toolkit elsewhere; ``JIXIAO_CONFIG_DIR`` overrides (tests, portable installs).

    >>> config_dir().name in ("jixiao-toolkit",) or "JIXIAO_CONFIG_DIR" in os.environ
    True
    """
    if os.environ.get("JIXIAO_CONFIG_DIR"):
        return Path(os.environ["JIXIAO_CONFIG_DIR"])
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "jixiao-toolkit"


def load_config(folder: Path | None = None) -> dict:
    """The saved configuration ({} when there is none or it is unreadable)."""
    path = (folder or config_dir()) / CONFIG_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ensure_config(folder: Path | None = None, *, port: int | None = None) -> dict:
    """The configuration, with a token created (128 random bits) when there is none; readable by
    the user only where the file system allows.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> first = ensure_config(folder); first == ensure_config(folder) and len(first["token"]) == 32
    True
    """
    folder = folder or config_dir()
    config = load_config(folder)
    changed = False
    if not isinstance(config.get("token"), str) or len(config["token"]) < 32:
        config["token"], changed = secrets.token_hex(16), True
    if port is not None and config.get("port") != port or "port" not in config:
        config["port"], changed = port or DEFAULT_PORT, True
    if changed:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CONFIG_FILE
        path.write_text(json.dumps(config, ensure_ascii=False, indent=2), "utf-8")
        try:
            path.chmod(0o600)
        except OSError:
            pass
    return config


def jsaddons_dir() -> Path:
    """The user's WPS jsaddons folder (created on install).

    >>> jsaddons_dir().name
    'jsaddons'
    """
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / "kingsoft" / "wps" / "jsaddons"
    return Path.home() / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def folder_name() -> str:
    """``jixiao_<version>``: WPS finds an offline add-in in the folder named ``<name>_<version>``.

    >>> folder_name() == f"jixiao_{__version__}"
    True
    """
    return f"{ADDIN_NAME}_{__version__}"


def ribbon_xml() -> str:
    """The WPS ribbon: one tab 「绩效自评」, the Excel ribbon's buttons with ``onAction="ribbon.OnAction"``
    and the action in ``tag``.

    >>> "计算得分" in ribbon_xml() and 'tag="score"' in ribbon_xml()
    True
    """
    _, buttons = read_ribbon()
    lines = []
    for button in buttons:
        element = button.element
        action = ACTIONS[button.addin]
        supertip = element.get("supertip", "").replace("、xlwings 与 Python", "与 Python")  # no xlwings in WPS
        attributes = {"id": f"jx_{action}", "tag": action, "label": element.get("label", ""),
                      "screentip": element.get("screentip", ""), "supertip": supertip,
                      "size": "large", "onAction": "ribbon.OnAction", "getEnabled": "ribbon.OnGetEnabled"}
        lines.append("          <button " + " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items()) + "/>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<customUI xmlns="{CUSTOMUI_NS}" onLoad="ribbon.OnAddinLoad">\n'
            '  <ribbon startFromScratch="false">\n    <tabs>\n'
            '      <tab id="jx_tab" label="绩效自评">\n        <group id="jx_group" label="绩效自评工具箱">\n'
            + "\n".join(lines) +
            "\n        </group>\n      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n")


def manifest_xml() -> str:
    """``manifest.xml`` as ``wpsjs`` writes it."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<JsPlugin>\n  <ApiVersion>1.0.0</ApiVersion>\n'
            f"  <Name>{ADDIN_NAME}</Name>\n  <Version>{escape(__version__)}</Version>\n"
            "  <Description>绩效自评工具箱：计算得分、导出报送、生成报告</Description>\n</JsPlugin>\n")


def engine_command() -> tuple[str, str]:
    """What ``OAAssist.ShellExecute`` runs to start the engine: this Python (pythonw.exe on
    Windows: no console window) with ``-m toolkit.cli serve``."""
    python = Path(sys.executable)
    if sys.platform.startswith("win") and (python.parent / "pythonw.exe").exists():
        python = python.parent / "pythonw.exe"
    return str(python), "-m toolkit.cli serve"


def config_js(config: dict | None) -> str:
    """``config.js``: port, token and start command; without ``config`` (a build for inspection) no
    token — the buttons then say to install."""
    command, args = engine_command()
    settings = {"port": (config or {}).get("port", DEFAULT_PORT), "token": (config or {}).get("token", ""),
                "command": command, "args": args, "version": __version__}
    return ("// 由 jixiao wps install 生成：计算引擎的端口、本机安装口令（不要外传）和启动命令。\n"
            f"window.JIXIAO_CONFIG = {json.dumps(settings, ensure_ascii=False, indent=2)};\n")


def build_addin(out: str | Path, config: dict | None = None) -> Path:
    """Write the add-in folder into ``out`` (created; files of an earlier build replaced)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ToolkitError(f"「{out}」是一个文件，不是文件夹：请换一个输出位置。")
    for relative in STATIC_FILES:
        source = ADDIN_SOURCE / relative
        if not source.exists():
            raise ToolkitError(f"找不到加载项文件 {source}：工具箱安装不完整，请重新安装。")
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (out / "ribbon.xml").write_text(ribbon_xml(), "utf-8")
    (out / "manifest.xml").write_text(manifest_xml(), "utf-8")
    (out / "config.js").write_text(config_js(config), "utf-8")
    return out


def publish_entries(publish: Path) -> ET.Element:
    """The ``<jsplugins>`` of an existing publish.xml (a new one when absent)."""
    if not publish.exists():
        return ET.Element("jsplugins")
    try:
        root = ET.fromstring(publish.read_bytes())
    except ET.ParseError as exc:
        raise ToolkitError(f"WPS 的加载项清单「{publish}」无法解析（{exc}）。请先备份并修正或删除该文件，再安装。") from None
    if root.tag != "jsplugins":
        raise ToolkitError(f"WPS 的加载项清单「{publish}」不是 <jsplugins> 清单，未改动。")
    return root


def write_publish(publish: Path, root: ET.Element) -> None:
    ET.indent(root)
    publish.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n")


def install(folder: str | Path | None = None, *, port: int | None = None) -> Path:
    """Install the add-in for the current user into ``folder`` (default :func:`jsaddons_dir`):
    the add-in folder, its entry in publish.xml (other entries and earlier versions of ours: only
    ours replaced), and the token in the user's config folder. Returns the add-in folder."""
    folder = Path(folder) if folder else jsaddons_dir()
    config = ensure_config(port=port)
    publish = folder / "publish.xml"
    root = publish_entries(publish)  # refuse before writing anything
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{ADDIN_NAME}_*"):
            if old.is_dir() and old.name != folder_name():
                shutil.rmtree(old)
        target = build_addin(folder / folder_name(), config)
    except OSError as exc:
        raise ToolkitError(f"无法写入 WPS 加载项文件夹「{folder}」（{exc.strerror or exc}）。") from None
    for entry in [e for e in root.findall("jsplugin") if e.get("name") == ADDIN_NAME]:
        root.remove(entry)
    ET.SubElement(root, "jsplugin", {"name": ADDIN_NAME, "type": "et", "url": folder_name(),
                                     "version": __version__, "enable": "enable", "install": "null"})
    write_publish(publish, root)
    return target


def uninstall(folder: str | Path | None = None) -> list[Path]:
    """Remove what :func:`install` put into ``folder``: our add-in folders and our publish.xml entry."""
    folder = Path(folder) if folder else jsaddons_dir()
    removed = [old for old in folder.glob(f"{ADDIN_NAME}_*") if old.is_dir()]
    for old in removed:
        shutil.rmtree(old)
    publish = folder / "publish.xml"
    if publish.exists():
        root = publish_entries(publish)
        for entry in [e for e in root.findall("jsplugin") if e.get("name") == ADDIN_NAME]:
            root.remove(entry)
        write_publish(publish, root)
    return removed


def run_build(args) -> int:
    """``jixiao wps build OUT``."""
    out = build_addin(args.out)
    print(f"已生成 WPS 加载项：{out}（未含安装口令；给填报人安装请用 jixiao wps install）")
    return 0


def run_install(args) -> int:
    """``jixiao wps install [--dir DIR] [--port N]``."""
    target = install(args.dir, port=args.port)
    print(f"已为当前用户安装 WPS 加载项：{target}\n"
          f"口令与端口保存在 {config_dir()}。请重启 WPS 表格，功能区会出现「绩效自评」选项卡；"
          "按钮会在需要时自动启动计算引擎（jixiao serve）。")
    return 0


def run_uninstall(args) -> int:
    """``jixiao wps uninstall [--dir DIR]``."""
    removed = uninstall(args.dir)
    print("已删除 WPS 加载项：" + ("、".join(map(str, removed)) if removed else "（没有找到已安装的加载项）"))
    return 0
