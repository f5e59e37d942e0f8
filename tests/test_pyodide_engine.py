"""The WPS add-in with its engine inside the page (``jixiao wps build OUT --engine pyodide``): the
scoring runs as Python in WebAssembly (npm ``pyodide``, pinned in tests/pyodide/package.json), so a
信创 desktop (统信 UOS ships Python 3.7; the toolkit needs 3.10+) needs no Python of its own.

tests/pyodide/engine.test.mjs loads the built add-in's scripts in index.html's order into Node,
with the fake WPS ``Application`` of tests/wps/fake_et.js holding a workbook, serves the add-in
folder on 127.0.0.1 (the wheels come through the page's own fetch) and presses the buttons. For the
project sample, a department sample and a real published form (adopted): the cells the press leaves
equal what ``jixiao score`` writes, every plan Python-in-Pyodide returned equals CPython's
``protocol.press`` for the same snapshot, no process is started, and a second press writes only
the tool's own sheets. 导出报送/生成报告 say plainly that they need the command line.

The wheels: the project's own (``pip wheel --no-deps``) and the pinned pure-Python dependencies
(``pip download``) in ``.cache/pyodide/wheels``. Needs Node 18+ and tests/pyodide/node_modules
(``npm install --prefix tests/pyodide``; .ci/run does it and sets ``JIXIAO_REQUIRE_PYODIDE=1``,
under which a missing piece fails instead of skipping).

One more test opens the built add-in's index.html as WPS opens an offline add-in — from its folder,
file:// — in Debian's ``chromium`` (through npm ``playwright-core``, pinned there too; .ci/run
installs chromium): the engine starts from the folder's own scripts and the cells are those of
``jixiao score``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from toolkit.core.problems import ToolkitError
from toolkit.excel import protocol
from toolkit.excel.pyodide_build import (DEPENDENCIES, FETCHED_FILES, PYODIDE_VERSION, build_pyodide_addin,
                                         download_wheels, folder_size)
from toolkit.forms.project.adopt import adopt_file
from toolkit.workbook.meta import META_SHEET

from tests.realforms_harness import build_form_file, form_ids
from tests.test_protocol import SAMPLE, assert_same_as_score
from tests.test_wps_addin import as_host, grid_of

ROOT = Path(__file__).resolve().parents[1]
PYODIDE_TESTS = ROOT / "tests" / "pyodide"
NPM_PYODIDE = PYODIDE_TESTS / "node_modules" / "pyodide"
WHEELS = ROOT / ".cache" / "pyodide" / "wheels"
DEPARTMENT = ROOT / "samples" / "seed004_部门整体支出绩效.xlsx"
REAL_FORM = form_ids()[0]


def _missing(reason: str):
    if os.environ.get("JIXIAO_REQUIRE_PYODIDE") == "1":
        pytest.fail(f"{reason}（JIXIAO_REQUIRE_PYODIDE=1：CI 必须运行页内引擎的测试）")
    pytest.skip(reason)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        _missing("没有找到 node（Node.js 18+）")
    if not (NPM_PYODIDE / "pyodide.asm.wasm").exists() and shutil.which("npm"):  # a fresh checkout: install once
        subprocess.run(["npm", "install", "--prefix", str(PYODIDE_TESTS), "--no-audit", "--no-fund", "--silent"],
                       check=False, timeout=600)
    if not (NPM_PYODIDE / "pyodide.asm.wasm").exists():
        _missing("tests/pyodide/node_modules 中没有 pyodide（npm install --prefix tests/pyodide）")
    return node


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    """The add-in as ``jixiao wps build OUT --engine pyodide`` writes it."""
    from toolkit.cli import main

    _node()
    download_wheels(WHEELS)
    out = tmp_path_factory.mktemp("addin") / "jixiao"
    assert main(["wps", "build", str(out), "--engine", "pyodide", "--pyodide", str(NPM_PYODIDE),
                 "--wheels", str(WHEELS)]) == 0
    return out


@pytest.fixture(scope="module")
def books(addin, tmp_path_factory) -> dict:
    """The three workbooks pressed in one page (one engine boot): score, score again; and on the
    project sample 导出报送 and 生成报告 too. Returns the run and, per book, its source and grid."""
    folder = tmp_path_factory.mktemp("books")
    adopted = folder / f"{REAL_FORM}_导入.xlsx"
    adopt_file(build_form_file(REAL_FORM, folder), adopted)
    sources = {"sample": SAMPLE, "department": DEPARTMENT, "realform": adopted}
    job, grids = {"books": []}, {}
    for key, source in sources.items():
        book = folder / source.name
        if book != source:
            shutil.copyfile(source, book)
        grids[key] = grid_of(book)
        actions = ["score", "score"] + (["export", "report"] if key == "sample" else [])
        job["books"].append({"grid": grids[key], "actions": actions})
    (folder / "job.json").write_text(json.dumps(job, ensure_ascii=False), "utf-8")
    out = folder / "out.json"
    done = subprocess.run([_node(), str(PYODIDE_TESTS / "engine.test.mjs"), str(addin), str(folder / "job.json"), str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    run = json.loads(out.read_text("utf-8"))
    run["sources"] = {key: folder / source.name for key, source in sources.items()}
    run["keys"] = list(sources)
    return run


def _book(run: dict, key: str) -> dict:
    return run["books"][run["keys"].index(key)]


@pytest.mark.parametrize("key", ["sample", "department", "realform"])
def test_a_press_in_the_page_gives_the_cells_score_writes(books, key, tmp_path):
    first, second = _book(books, key)["presses"][:2]
    assert len(first["messages"]) == 1 and "计算得分完成" in first["messages"][0], first["messages"]
    results = assert_same_as_score(as_host(first["workbook"]), books["sources"][key], tmp_path / "cli.xlsx")
    assert results and all(form.name in first["messages"][0] for form in results)
    # The second press: nothing changed, so the forms' cells are written no more (the tool's own sheets only).
    assert second["calls"].get("writes:Range.Value2", 0) == 2 and not second["calls"].get("notes:Range.AddComment")
    without_meta = lambda workbook: [sheet for sheet in workbook if sheet["name"] != META_SHEET]  # noqa: E731
    assert without_meta(second["workbook"]) == without_meta(first["workbook"])
    assert books["started"] == []  # no engine process: the page computed it


@pytest.mark.parametrize("key", ["sample", "department", "realform"])
def test_python_in_pyodide_plans_what_cpython_plans(books, key):
    """Every plan the page got equals CPython's ``protocol.press`` for the same snapshot (what
    tests/test_protocol.py proves gives the cells ``jixiao score`` writes)."""
    exchanges = [e for press in _book(books, key)["presses"] if press["action"] == "score" for e in press["exchanges"]]
    assert [e["plan"]["status"] for e in exchanges][:2] == ["needs", "done"]  # values, then the number formats asked
    for exchange in exchanges:
        assert protocol.schema_problems(exchange["plan"], "plan") == []
        assert exchange["plan"] == protocol.press(exchange["snapshot"])


def test_the_page_opened_from_its_folder_scores_in_chromium(addin, tmp_path):
    """WPS opens an offline add-in from the jsaddons folder (file://), where Chromium refuses fetch():
    the real page, in Debian's chromium, starts the engine from its own scripts and gives the cells
    ``jixiao score`` writes, requesting nothing but the folder's files."""
    browser = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(browser).exists():
        _missing(f"没有找到 chromium（{browser}；apt-get install chromium）")
    if not (PYODIDE_TESTS / "node_modules" / "playwright-core").exists():
        _missing("tests/pyodide/node_modules 中没有 playwright-core（npm install --prefix tests/pyodide）")
    book = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, book)
    (tmp_path / "grid.json").write_text(json.dumps(grid_of(book), ensure_ascii=False), "utf-8")
    out = tmp_path / "page.json"
    command = [_node(), str(PYODIDE_TESTS / "page.test.mjs"), str(addin), str(tmp_path / "grid.json"), str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page = json.loads(out.read_text("utf-8"))
    assert page["href"].startswith("file://") and page["errors"] == []
    assert all(url.startswith("file://") for url in page["requested"]), page["requested"]
    assert len(page["messages"]) == 1 and "计算得分完成" in page["messages"][0], page["messages"]
    assert_same_as_score(as_host(page["workbook"]), book, tmp_path / "cli.xlsx")
    seconds = {key: f"{ms / 1000:.1f} s" for key, ms in page["timings"].items()}
    print(f"\nChromium {page['browser']}, file:// page: scripts {seconds['scripts']}, load {seconds['load']}, "
          f"wheels {seconds['wheels']}, import {seconds['import']}; first press {page['ms'] / 1000:.1f} s")


def test_export_and_report_say_they_need_the_command_line(books):
    export, report = _book(books, "sample")["presses"][2:]
    for press, command in ((export, "jixiao export"), (report, "jixiao report")):
        assert len(press["messages"]) == 1 and command in press["messages"][0] and "做不到" in press["messages"][0]
        assert press["exchanges"] == [] and not press["calls"].get("writes:Workbook.Save")  # nothing pretended, nothing saved
        assert not any(key.startswith("writes:") for key in press["calls"])


def test_the_engine_loads_offline_from_the_addin_folder_and_reports_its_timings(books, addin):
    """Only the add-in's own scripts are read (nothing fetched but them: the wheels come out of their
    scripts), each once; the engine's start and the presses timed."""
    timings = books["timings"]
    assert set(timings) == {"scripts", "load", "wheels", "import", "firstCall"}
    config = json.loads((addin / "config.js").read_text("utf-8").split("=", 1)[1].strip().rstrip(";"))
    fetched = [name.replace(" (not run in Node)", "") for name in books["fetched"]]
    assert sorted(fetched) == sorted(config["pyodide"]["scripts"])
    assert all((addin / script).exists() for script in config["pyodide"]["scripts"])
    boot = timings["scripts"] + timings["load"] + timings["wheels"] + timings["import"]
    first, again = (press["ms"] for press in _book(books, "sample")["presses"][:2])
    others = [book["presses"][0]["ms"] for book in books["books"][1:]]
    assert first > boot  # the first press waits for the engine; later ones do not
    seconds = {key: f"{ms / 1000:.1f} s" for key, ms in timings.items()}
    print(f"\nPyodide {PYODIDE_VERSION} in Node: scripts {seconds['scripts']}, load {seconds['load']}, "
          f"wheels {seconds['wheels']}, import toolkit {seconds['import']}; first press (with the boot) {first / 1000:.1f} s, "
          f"second {again / 1000:.2f} s, first press on the next books {', '.join(f'{ms / 1000:.2f} s' for ms in others)}; "
          f"add-in folder {folder_size(addin) / 1e6:.1f} MB")


def test_the_build_holds_the_runtime_the_wheels_and_selects_the_engine(addin):
    """pyodide.js and pyodide.asm.js as they are; what Pyodide would fetch, and the wheels, only as
    scripts holding the same bytes (a file:// page may not fetch)."""
    import base64

    files = sorted(str(p.relative_to(addin)) for p in addin.rglob("*") if p.is_file())
    assert [f for f in files if f.startswith("pyodide/")] == sorted(
        ["pyodide/pyodide.js", "pyodide/pyodide.asm.js"] + [f"pyodide/{name}.js" for name in FETCHED_FILES])
    wasm = (addin / "pyodide" / "pyodide.asm.wasm.js").read_text("ascii")
    assert base64.b64decode(wasm.split('= "', 1)[1].rsplit('"', 1)[0]) == (NPM_PYODIDE / "pyodide.asm.wasm").read_bytes()
    wheels = [f for f in files if f.startswith("wheels/")]
    assert len(wheels) == len(DEPENDENCIES) + 1 and all(f.endswith(".whl.js") for f in wheels)
    assert any("jixiao_toolkit" in f for f in wheels)
    assert not any(name in f for f in wheels for name in ("xlwings", "pandas", "numpy", "rpds"))
    html = (addin / "index.html").read_text("utf-8")
    assert html.index("./js/press.js") < html.index("./js/pyodide_engine.js") < html.index("./main.js")
    config = (addin / "config.js").read_text("utf-8")
    assert '"engine": "pyodide"' in config and '"token"' not in config


def test_the_build_refuses_what_is_not_a_runtime_or_misses_a_wheel(tmp_path):
    with pytest.raises(ToolkitError, match="不是 npm pyodide 的文件夹"):
        build_pyodide_addin(tmp_path / "out", tmp_path, WHEELS)
    with pytest.raises(ToolkitError, match="缺少页内计算引擎要装的 wheel"):
        build_pyodide_addin(tmp_path / "out", NPM_PYODIDE, tmp_path)
    assert not (tmp_path / "out").exists()  # refused before writing anything
