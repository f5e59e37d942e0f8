"""The WPS add-in with its scoring engine inside the page: Python in WebAssembly (npm ``pyodide``),
for desktops without a Python the toolkit can use: the toolkit needs 3.10+, 统信 UOS ships 3.7 (and a
glibc older than 2.29, so a CPython built elsewhere may not even load), 麒麟 Kylin V10 is said to ship 3.8.

``jixiao wps build OUT --engine pyodide --pyodide DIR --wheels DIR`` writes the usual add-in
(:func:`toolkit.excel.wps.build_addin`) plus:

- ``pyodide/``: from an npm ``pyodide`` folder, ``pyodide.js`` and ``pyodide.asm.js`` as they are,
  and what Pyodide fetches while it starts — ``pyodide.asm.wasm``, ``python_stdlib.zip``,
  ``pyodide-lock.json`` — each as a classic script ``<file>.js`` holding it in base64
  (:func:`embedded_script`); no source maps, typings or console page;
- ``wheels/``: this toolkit's own wheel and the pure-Python wheels a 「计算得分」 press imports
  (:data:`DEPENDENCIES`: openpyxl, et_xmlfile, and jsonschema 4.17 with attrs and pyrsistent —
  later jsonschema needs rpds-py, which has no Pyodide wheel on PyPI), as scripts too; no xlwings,
  no pandas;
- ``js/pyodide_engine.js`` (the in-page transport), loaded by ``index.html`` after ``js/press.js``;
- ``config.js`` selecting that engine (``engine: "pyodide"``; no token, no engine to start).

Why scripts: WPS opens an offline add-in from the jsaddons folder as a file:// page, where Chromium
refuses fetch() and module imports but runs ``<script src>``. The engine loads the scripts and
answers Pyodide's fetches from them, so no local web server is needed; served from
http://127.0.0.1 the same folder works as well.

The wheels come from pip: :func:`download_wheels` builds the project wheel from a source checkout
(``pip wheel --no-deps``) and downloads the pinned dependencies (``pip download``).

Example::

    >>> sorted(DEPENDENCIES)
    ['attrs', 'et_xmlfile', 'jsonschema', 'openpyxl', 'pyrsistent']
    >>> wheel_name("jsonschema-4.17.3-py3-none-any.whl")
    ('jsonschema', '4.17.3')
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import ToolkitError
from toolkit.excel import wps

PYODIDE_VERSION = "0.27.7"  # as tests/pyodide/package.json pins it: Python 3.12, classic <script> loading
PYTHON_TAG = "3.12"  # Pyodide 0.27's CPython
# What `pyodide.js` reads when a page calls loadPyodide() (fullStdLib off, no packages of the lock file loaded).
RUNTIME_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
PROJECT = "jixiao_toolkit"
# The pure-Python wheels a score press imports, pinned: jsonschema 4.17 validates with pyrsistent
# (4.18+ needs rpds-py, a Rust extension with no Pyodide wheel on PyPI).
DEPENDENCIES = {"openpyxl": "3.1.5", "et_xmlfile": "2.0.0", "jsonschema": "4.17.3", "attrs": "25.3.0",
                "pyrsistent": "0.20.0"}
# What Pyodide fetches while it starts (with the wheels, embedded as scripts); the rest is loaded by <script>.
FETCHED_FILES = ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
FILES_GLOBAL = "JIXIAO_FILES"  # window.JIXIAO_FILES["pyodide/pyodide.asm.wasm"] = "<base64>"
ENGINE_SCRIPT = "js/pyodide_engine.js"
SOURCE_ROOT = Path(__file__).resolve().parents[2]  # a source checkout's root (pyproject.toml), when there is one


def wheel_name(filename: str) -> tuple[str, str]:
    """(distribution, version) of a wheel file name, the distribution normalised as in wheel names.

    >>> wheel_name("et_xmlfile-2.0.0-py3-none-any.whl")
    ('et_xmlfile', '2.0.0')
    """
    parts = filename[:-len(".whl")].split("-")
    return re.sub(r"[-_.]+", "_", parts[0]).lower(), parts[1]


def download_wheels(folder: str | Path, source: str | Path | None = None) -> list[Path]:
    """Fill ``folder`` with the wheels the in-page engine installs: the project wheel built from the
    source checkout ``source`` (default: the one this module lives in) and the pinned
    :data:`DEPENDENCIES` from PyPI (pure-Python wheels only). Wheels already there are kept.

    >>> download_wheels  # doctest: +ELLIPSIS
    <function download_wheels at ...>
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source = Path(source) if source else SOURCE_ROOT
    if not (source / "pyproject.toml").exists():
        raise ToolkitError(f"「{source}」不是绩效自评工具箱的源码文件夹（没有 pyproject.toml），无法生成本工具箱的 wheel。")
    for old in folder.glob(f"{PROJECT}-*.whl"):
        old.unlink()  # the project wheel is rebuilt every time: the source changes
    pip = [sys.executable, "-m", "pip"]
    _run(pip + ["wheel", "--no-deps", "--no-build-isolation", "--quiet", "--wheel-dir", str(folder), str(source)])
    missing = [f"{name}=={version}" for name, version in DEPENDENCIES.items()
               if not any(wheel_name(p.name) == (name, version) for p in folder.glob("*.whl"))]
    if missing:
        _run(pip + ["download", "--no-deps", "--only-binary=:all:", "--python-version", PYTHON_TAG,
                    "--implementation", "py", "--abi", "none", "--platform", "any", "--quiet",
                    "--dest", str(folder), *missing])
    return wheels_for_engine(folder)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ToolkitError(f"pip 未能取得页内引擎所需的 wheel：\n{' '.join(command)}\n{done.stderr.strip()[-2000:]}")


def wheels_for_engine(folder: str | Path) -> list[Path]:
    """The wheels in ``folder`` the engine installs, in install order (dependencies, then the
    project); a clear message naming what is missing or of another version."""
    folder = Path(folder)
    found = {wheel_name(p.name): p for p in sorted(folder.glob("*.whl"))} if folder.is_dir() else {}
    wanted = list(DEPENDENCIES.items()) + [(PROJECT, __version__)]
    missing = [f"{name} {version}" for name, version in wanted if (name, version) not in found]
    if missing:
        raise ToolkitError(
            f"「{folder}」中缺少页内计算引擎要装的 wheel：{'、'.join(missing)}。\n"
            "可在本工具箱的源码文件夹中运行：\n"
            f"  pip wheel --no-deps -w {folder} .\n"
            f"  pip download --no-deps --only-binary=:all: --python-version {PYTHON_TAG} --implementation py "
            f"--abi none --platform any -d {folder} " + " ".join(f"{n}=={v}" for n, v in DEPENDENCIES.items()))
    return [found[key] for key in wanted]


def runtime_files(folder: str | Path) -> list[Path]:
    """The Pyodide files a page needs, from an npm ``pyodide`` folder (``node_modules/pyodide``);
    a clear message when the folder is not one or holds another version than :data:`PYODIDE_VERSION`."""
    folder = Path(folder)
    missing = [name for name in RUNTIME_FILES if not (folder / name).is_file()]
    if missing:
        raise ToolkitError(f"「{folder}」不是 npm pyodide 的文件夹（缺少 {'、'.join(missing)}）。"
                           f"可用 npm install pyodide@{PYODIDE_VERSION} 取得，再指向其中的 node_modules/pyodide。")
    try:
        version = json.loads((folder / "package.json").read_text("utf-8")).get("version")
    except (OSError, ValueError):
        version = None
    if version != PYODIDE_VERSION:
        raise ToolkitError(f"「{folder}」中的 Pyodide 版本是 {version or '未知'}，本工具箱按 {PYODIDE_VERSION} 测试："
                           f"请用 npm install pyodide@{PYODIDE_VERSION}。")
    return [folder / name for name in RUNTIME_FILES]


def embedded_script(relative: str, data: bytes) -> str:
    """A classic script that puts ``data`` (a file of the add-in, at ``relative``) into
    ``window.JIXIAO_FILES`` in base64, for a file:// page that may not fetch it.

    >>> print(embedded_script("wheels/a.whl", b"PK"), end="")
    (window.JIXIAO_FILES = window.JIXIAO_FILES || {})["wheels/a.whl"] = "UEs=";
    """
    import base64

    return (f"(window.{FILES_GLOBAL} = window.{FILES_GLOBAL} || {{}})[{json.dumps(relative)}] = "
            f'"{base64.b64encode(data).decode("ascii")}";\n')


def config_js(wheels: list[str], scripts: list[str] | None = None) -> str:
    """``config.js`` for the in-page engine: which engine, where Pyodide and the wheels are, and the
    scripts the engine loads first (``pyodide.asm.js`` and the embedded files).

    >>> "pyodide" in config_js(["wheels/a.whl"]) and '"token"' not in config_js([])
    True
    """
    settings = {"engine": "pyodide", "version": __version__,
                "pyodide": {"indexURL": "./pyodide/", "baseURL": "./", "wheels": wheels, "scripts": scripts or []}}
    return ("// 由 jixiao wps build --engine pyodide 生成：计算引擎在加载项页面内运行（Pyodide），本机不需要 Python。\n"
            f"window.JIXIAO_CONFIG = {json.dumps(settings, ensure_ascii=False, indent=2)};\n")


def build_pyodide_addin(out: str | Path, pyodide: str | Path, wheels: str | Path) -> Path:
    """Write the add-in with the in-page engine into ``out`` (see the module doc); returns ``out``."""
    runtime, packages = runtime_files(pyodide), wheels_for_engine(wheels)  # refuse before writing
    out = wps.build_addin(out)
    for folder in ("pyodide", "wheels"):
        if (out / folder).exists():
            shutil.rmtree(out / folder)  # an earlier build's files: replaced, not mixed
        (out / folder).mkdir()
    scripts = ["pyodide/pyodide.asm.js"]  # a classic script: its module import would fail on a file:// page
    for relative, path in [(f"pyodide/{p.name}", p) for p in runtime] + [(f"wheels/{p.name}", p) for p in packages]:
        if path.name in FETCHED_FILES or relative.startswith("wheels/"):  # only as a script: no copy twice
            (out / f"{relative}.js").write_text(embedded_script(relative, path.read_bytes()), "ascii")
            scripts.append(f"{relative}.js")
        else:
            shutil.copyfile(path, out / relative)
    shutil.copyfile(wps.ADDIN_SOURCE / ENGINE_SCRIPT, out / ENGINE_SCRIPT)
    html = (out / "index.html").read_text("utf-8")
    anchor = '<script src="./js/press.js"></script>'
    if anchor not in html:
        raise ToolkitError(f"加载项的 index.html 中找不到 {anchor}：工具箱安装不完整，请重新安装。")
    html = html.replace(anchor, f'{anchor}\n  <script src="./{ENGINE_SCRIPT}"></script>')
    (out / "index.html").write_text(html, "utf-8")
    (out / "config.js").write_text(config_js([f"wheels/{p.name}" for p in packages], scripts), "utf-8")
    return out


def folder_size(folder: str | Path) -> int:
    """Bytes of every file under ``folder``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a").write_bytes(b"123"); folder_size(d)
    3
    """
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def run_build(args) -> int:
    """``jixiao wps build OUT [--engine pyodide --pyodide DIR --wheels DIR]``: the default engine's
    build is :func:`toolkit.excel.wps.run_build`, unchanged."""
    if getattr(args, "engine", "http") != "pyodide":
        return wps.run_build(args)
    if not args.pyodide or not args.wheels:
        raise ToolkitError("--engine pyodide 需要 --pyodide（npm pyodide 的文件夹）和 --wheels（页内引擎要装的 wheel 所在文件夹）。")
    out = build_pyodide_addin(args.out, args.pyodide, args.wheels)
    print(f"已生成 WPS 加载项（页内计算引擎 Pyodide {PYODIDE_VERSION}，本机不需要 Python）：{out}，"
          f"共 {folder_size(out) / 1e6:.1f} MB。\n"
          "复制到 WPS 的 jsaddons 文件夹并在 publish.xml 中登记即可（见 macros/README.md 的 WPS 一节）。"
          "此加载项只能「计算得分」「关于」；导出报送、生成报告请在装有工具箱的电脑上用命令行。")
    return 0
