"""Run hostile cases through the ``jixiao`` command line, each run under a wall-clock and a
memory limit, and check what the tool did to them.

For every input of a :class:`~tests.hostile.corpus.Case`:

* ``score IN -o out.xlsx --json report.json``; with ``case.rescore``, the output is scored again;
* ``score COPY --in-place`` on a copy with the same file name;
* ``export IN --force -o DIR/``;

then ``collect`` over the case's folder (or over the inputs and their exports), then the
commands of the case's own (:class:`~tests.hostile.corpus.Command`, issue 22: outputs aimed at
inputs, hostile profiles, report and adopt), each with the exits it must end with. Every command
is ``sys.executable -m toolkit.cli …`` in its own session, killed after ``timeout`` seconds,
with ``RLIMIT_AS`` set in ``preexec_fn`` (cases run in parallel *processes*, so no thread is
alive when a child forks). Its peak RSS comes from ``wait4``.

Checks, counted as the issue asks (:data:`CATEGORIES`):

* **tracebacks** in stdout or stderr; **exit-1** (unexpected error; also collect's
  ``internal_error`` entries); **over-time**; **over-memory** (``MemoryError`` under the limit);
* **clerk cells changed**: every non-blank cell of the input's clerk sheets keeps its value and
  stays text if it was text; the tool may only fill blank cells, its own tool columns (headed
  系统计算得分 / 计算说明 in the input) and its own sheets (``case.tool_sheets``). The export is
  compared, by cached values, on the input's form sheets. An input file changed by any
  command, or an in-place run that refused but rewrote, counts too;
* **files missing** from collect's JSON report (links included);
* **live formulas** in anything the tool wrote that were not in the input at the same place,
  found both by openpyxl (``data_type == "f"``) and by ``<f>`` in the sheet XML;
* **parts lost** (issue 22): what the input's package holds beyond cells — each sheet's
  relationships (drawings, comments, tables, printer settings …), extLst entries (x14 data
  validations and conditional formats, sparklines) and drawn shapes, the workbook's
  relationships, defined names, custom XML — found fewer times in what ``score -o`` or
  ``--in-place`` wrote (:func:`lost_parts`; macros count only in an .xlsm);
* **other** broken promises: an allowed exit without its output, JSON with NaN, an .xlsx
  holding macros, no backup identical to the original, a message contradicting itself
  (「应有 4 行…现为 4 行」), score refusing a file export reads, new problems when the
  output is scored again, an output openpyxl cannot read, a status collect must not give, an exit
  other than the case expects (``case.expect``, ``command.exits``), a refused command that wrote
  an output, collect's own outputs not listed under ``ignored`` (which counts as listed).

Example::

    >>> Run("f", "c", "score", "a.xlsx", exit=1, problems=[("exit-1", 1, "boom")]).result
    'FAIL: exit-1: boom'
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import posixpath
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

from tests.hostile.corpus import MAIN_NS, Case, Command, Setup, build_case, sheet_parts

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0
MEMORY_MB = 1024
PYCACHE = Path(tempfile.gettempdir()) / "jixiao-hostile-pycache"  # outside the repository
CHECK_LIMIT = 256 * 2**20  # the checker itself does not inflate packages larger than this
TOOL_HEADERS = ("系统计算得分", "计算说明")
CATEGORIES = ("tracebacks", "exit-1", "over-time", "over-memory", "clerk cells changed", "files missing",
              "live formulas", "parts lost", "other")
SUMMED = ("clerk cells changed", "files missing", "live formulas", "parts lost")  # counted in cells, files, parts
ALLOWED_EXITS = {"score": {0, 2}, "rescore": {0, 2}, "score --in-place": {0, 2}, "export": {0, 2, 4},
                 "collect": {0, 6}}
_CONTRADICTION = re.compile(r"应有\s*(\d+)\s*([行列个项])[^。；\n]*?现为\s*\1\s*\2")


@dataclass
class Run:
    """One command on one file: what happened and what was wrong with it."""

    family: str
    case: str
    command: str
    target: str
    exit: int | None = None
    seconds: float = 0.0
    peak_mb: float = 0.0
    message: str = ""
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (category, count, detail)
    skipped: str = ""
    description: str = ""  # the case's, from the corpus
    allowed: frozenset[int] | None = None  # the exits this run may end with (None: ALLOWED_EXITS of its command)

    def fail(self, category: str, detail: str, count: int = 1) -> None:
        """Record a problem of ``category`` (``count`` cells or files for the summed categories)."""
        if count:
            self.problems.append((category, count, detail))

    @property
    def result(self) -> str:
        """``ok``, ``FAIL: …`` or ``skipped: …``."""
        if self.skipped:
            return f"skipped: {self.skipped}"
        if not self.problems:
            return "ok"
        return "FAIL: " + "; ".join(f"{category}: {detail}" for category, _, detail in self.problems)

    @property
    def hit_limit(self) -> bool:
        """Did this run run out of time or memory?"""
        return any(category in ("over-time", "over-memory") for category, _, _ in self.problems)


@dataclass
class Options:
    """How commands run: seconds and megabytes of address space each. A short (CI) run may skip
    a case's remaining commands once one ran out of time or memory (``stop_after_limit``), and
    run ``score --in-place`` only where the case says it meets something ``score -o`` does not
    (``all_in_place`` False). ``root`` may name another checkout (a clean snapshot of HEAD while
    others edit this one)."""

    timeout: float = TIMEOUT
    memory_mb: int = MEMORY_MB
    stop_after_limit: bool = False
    all_in_place: bool = True
    root: Path = ROOT  # the tree whose toolkit package runs


# -- running one command -----------------------------------------------------------------------

def _limit_memory(limit: int, respect_permissions: bool = False) -> None:
    """Cap the address space; runs in the child between fork and exec. With ``respect_permissions``
    a root runner's command loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (dropped from the
    bounding set, so the exec'd command never has them): a read-only folder is read-only to it, as
    to a clerk."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if respect_permissions and os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_cli(run: Run, args: list, cwd: Path, options: Options, *, respect_permissions: bool = False,
            logs: Path | None = None) -> Run:
    """Run ``jixiao ARGS`` in ``cwd`` under the limits; fill exit, time, peak memory, the first
    error line and the process-level problems of ``run``."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(options.root), os.environ.get("PYTHONPATH")])),
               PYTHONIOENCODING="utf-8", PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compile the package once, not in every one of hundreds of runs
    logs = logs or cwd  # stdout and stderr are kept there (not in a cwd that must stay as it was)
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{run.command.split()[0]}.stdout", logs / f"{run.command.split()[0]}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", *args], cwd=cwd, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
                                   preexec_fn=partial(_limit_memory, options.memory_mb * 2**20, respect_permissions))
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > options.timeout:
            os.killpg(process.pid, signal.SIGKILL)
            timed_out = True
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.02)
    process.returncode = run.exit = os.waitstatus_to_exitcode(status)
    run.seconds = time.monotonic() - started
    run.peak_mb = usage.ru_maxrss / 1024
    text = out_path.read_text("utf-8", "replace") + "\n" + err_path.read_text("utf-8", "replace")
    run.message = _first_error_line(err_path.read_text("utf-8", "replace"))
    _process_problems(run, text, timed_out, options)
    return run


def _first_error_line(stderr: str) -> str:
    """The line a clerk (or the lead) reads first: the exception line of a traceback, else stderr's first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if "Traceback (most recent call last)" in stderr:
        after = [line for line in lines if not line.startswith(("Traceback", "File ", "^", "~"))]
        return next((line for line in reversed(after) if re.match(r"[\w.]+(Error|Exception|Exit)\b", line)), lines[-1])
    return lines[0] if lines else ""


def _process_problems(run: Run, text: str, timed_out: bool, options: Options) -> None:
    """Time, memory, traceback, exit status and self-contradiction, from a finished command's output."""
    memory = "MemoryError" in text or "Cannot allocate memory" in text or run.peak_mb >= 0.98 * options.memory_mb
    if timed_out:
        run.fail("over-time", f"killed after {options.timeout:g} s")
    elif memory:
        run.fail("over-memory", f"out of memory at {options.memory_mb} MB ({run.message})")
    if "Traceback (most recent call last)" in text:
        run.fail("tracebacks", run.message)
    if run.exit == 1 and not memory and not timed_out:
        run.fail("exit-1", run.message)
    elif not timed_out and run.exit not in allowed_exits(run) and run.exit != 1:
        run.fail("other", f"exit {run.exit}, expected {'/'.join(map(str, sorted(allowed_exits(run))))} ({run.message})")
    contradiction = _CONTRADICTION.search(text)
    if contradiction:
        run.fail("other", f"self-contradictory message 「{_line_of(text, contradiction.start())}」")


def allowed_exits(run: Run) -> frozenset[int]:
    """The exits ``run`` may end with: its case's or command's own, else those of its command."""
    return run.allowed if run.allowed is not None else frozenset(ALLOWED_EXITS[run.command])


def _line_of(text: str, index: int) -> str:
    """The line of ``text`` holding ``index``, trimmed."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:end if end >= 0 else None].strip()[:160]


# -- reading what was written ------------------------------------------------------------------

def _blank(value) -> bool:
    """None or the empty string: a cell the tool may fill."""
    return value is None or (isinstance(value, str) and value == "")


@dataclass
class BookView:
    """What the checker knows of a workbook: its non-blank cells as {sheet: {ref: (is_formula,
    value)}} — ``cells`` with formulas as written, ``values`` with the values Excel cached for
    them —, its form sheets, its formula cells (openpyxl and sheet XML) and the sheets too large
    to read (``"*"``: the whole package)."""

    cells: dict[str, dict[str, tuple[bool, object]]]
    values: dict[str, dict[str, tuple[bool, object]]]
    forms: set[str]
    formulas: set[tuple[str, str]]
    unread: set[str] = field(default_factory=set)


def read_book(path: Path) -> BookView | str:
    """The :class:`BookView` of ``path`` (one openpyxl load, one pass over the sheet XML), or a
    string saying why it cannot be read."""
    try:
        with zipfile.ZipFile(path) as archive:
            formulas, unread = _xml_formulas(archive)
            if sum(info.file_size for info in archive.infolist()) > CHECK_LIMIT:
                return BookView({}, {}, set(), set(formulas), unread | {"*"})
        from openpyxl import load_workbook
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, rich_text=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 — whatever the file is, the checker reports it
        return f"{type(exc).__name__}: {exc}"[:200]
    cells, values, forms = {}, {}, set()
    for ws in wb.worksheets:
        cells[ws.title], values[ws.title] = {}, {}
        for cell in ws._cells.values():  # the cells present, never max_row × max_column
            is_formula = cell.data_type == "f"
            if is_formula:
                formulas.setdefault((ws.title, cell.coordinate), None)
            if not _blank(cell.value):
                cells[ws.title][cell.coordinate] = (is_formula, getattr(cell.value, "text", cell.value))
            value = formulas.get((ws.title, cell.coordinate)) if is_formula else cell.value
            if not _blank(value):
                values[ws.title][cell.coordinate] = (False, value)
        if any(name.startswith("JX") for name in ws.defined_names):
            forms.add(ws.title)
    return BookView(cells, values, forms, set(formulas), unread)


def _xml_formulas(archive: zipfile.ZipFile) -> tuple[dict[tuple[str, str], object], set[str]]:
    """Cells with an ``<f>`` element in each sheet XML, with the value cached beside it; sheets
    too large to parse are listed apart."""
    found, unread = {}, set()
    try:
        parts = sheet_parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return found, unread
    tags = {name: f"{{{MAIN_NS}}}{name}" for name in ("c", "f", "v")}
    for title, part in parts.items():
        try:
            if archive.getinfo(part).file_size > CHECK_LIMIT:
                unread.add(title)
                continue
            with archive.open(part) as handle:
                for _, element in ElementTree.iterparse(handle):
                    if element.tag == tags["c"]:
                        if element.find(tags["f"]) is not None:
                            found[(title, element.get("r"))] = _cached(element.findtext(tags["v"]), element.get("t"))
                        element.clear()
        except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError):
            unread.add(title)
    return found, unread


def _cached(text: str | None, kind: str | None) -> object:
    """A formula's cached ``<v>`` as openpyxl's data_only would give it.

    >>> _cached("98", None), _cached("1", "b"), _cached("x", "str"), _cached(None, None)
    (98.0, True, 'x', None)
    """
    if text is None:
        return None
    if kind in (None, "n"):
        try:
            return float(text)
        except ValueError:
            return text
    return text == "1" if kind == "b" else text


def _tool_area(cells: dict[str, tuple[bool, object]]) -> dict[str, int]:
    """Column letters headed by a tool header in the input → the header's row (the tool owns
    the header and everything below it)."""
    area = {}
    for ref, (_, value) in cells.items():
        if value in TOOL_HEADERS:
            column, row = re.match(r"([A-Z]+)(\d+)", ref).groups()
            area[column] = min(int(row), area.get(column, int(row)))
    return area


def _excel_value(value: object) -> object:
    """Dates, times and durations as the Excel serial number they are stored as.

    >>> _excel_value(datetime.datetime(2021, 12, 31)), _excel_value("x")
    (44561.0, 'x')
    """
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)):
        from openpyxl.utils.datetime import to_excel
        return float(to_excel(value))
    return value


def _same(a: tuple[bool, object], b: tuple[bool, object]) -> bool:
    """Same kind (formula or not) and the same value; numbers (dates as serials) within 1e-9."""
    if a[0] != b[0]:
        return False
    x, y = _excel_value(a[1]), _excel_value(b[1])
    numbers = (int, float)
    if isinstance(x, numbers) and isinstance(y, numbers) and not isinstance(x, bool) and not isinstance(y, bool):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


def changed_cells(before: dict, after: dict, sheets: set[str], unread: set[str] = frozenset()) -> list[str]:
    """Clerk cells of ``sheets`` whose value ``after`` differs from ``before`` (tool columns and
    blank cells excluded), as ``sheet!ref before → after``.

    >>> before = {"s": {"A1": (False, "=1+1"), "B1": (False, 2)}}
    >>> changed_cells(before, {"s": {"A1": (True, "=1+1"), "B1": (False, 2.0)}}, {"s"})
    ["s!A1 '=1+1' → '=1+1'"]
    """
    changed = []
    for title in sorted(sheets):
        if title in unread or "*" in unread:
            continue
        new = after.get(title)
        tool = _tool_area(before.get(title, {}))
        for ref, old in before.get(title, {}).items():
            column, row = re.match(r"([A-Z]+)(\d+)", ref).groups()
            if column in tool and int(row) >= tool[column]:
                continue
            value = None if new is None else new.get(ref)
            if value is None or not _same(old, value):
                shown = "sheet gone" if new is None else repr(value[1] if value else None)[:40]
                changed.append(f"{title}!{ref} {repr(old[1])[:40]} → {shown}")
    return changed


def _fingerprint(path: Path) -> str:
    """Content of a file, or of a folder tree (links by their target), as a SHA-256."""
    digest = hashlib.sha256()
    paths = [path] if not path.is_dir() or path.is_symlink() else sorted(path.rglob("*"))
    for item in paths:
        digest.update(os.fsencode(item))
        if item.is_symlink():
            digest.update(os.fsencode(os.readlink(item)))
        elif item.is_file():
            digest.update(item.read_bytes())
    return digest.hexdigest()


def _strict_json(path: Path) -> dict | str:
    """The JSON at ``path``, or why it is not standard JSON."""
    def refuse(constant):
        raise ValueError(f"holds {constant}, which is not JSON")
    try:
        return json.loads(path.read_bytes().decode("utf-8"), parse_constant=refuse)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


# -- parts of the package ---------------------------------------------------------------------

_EXT_URI = re.compile(rb'<(?:[A-Za-z0-9_]+:)?ext\b[^>]*?\buri="([^"]+)"')
_ANCHORED = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(sp|pic|graphicFrame|grpSp|cxnSp)\b")
_REL_NS_PREFIX = "http://schemas.openxmlformats.org/package/2006/relationships"


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type, resolved target) of the relationships of ``part`` (none when it has no .rels part)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    try:
        root = ElementTree.fromstring(archive.read(rels))
    except (KeyError, ElementTree.ParseError):
        return []
    found = []
    for rel in root.iter(f"{{{_REL_NS_PREFIX}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((rel.get("Type", "").rsplit("/", 1)[-1], target))
    return found


def package_inventory(path: Path, skip_sheets=frozenset()) -> dict[str, int] | str:
    """What a workbook package holds beyond cells, counted by what it is: the sheets'
    relationships by type (drawing, comments, printerSettings, table, hyperlink …), their extLst
    entries by uri (x14 data validations and conditional formats, sparklines) and the shapes of their
    drawings by kind; the workbook's relationships by type, defined names, custom XML parts. Counted
    over the whole package, not per sheet title (a saver may rename a sheet whose title is taken
    twice); the sheets ``skip_sheets`` (the tool's own) are left out. A string when the package
    cannot be read.

    >>> inventory = package_inventory(ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx")
    >>> sorted(key for key in inventory if "extLst" in key)
    []
    """
    items: dict[str, int] = {}

    def count(key: str, amount: int = 1) -> None:
        items[key] = items.get(key, 0) + amount
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            sheets = sheet_parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
            for title, part in sheets.items():
                if part not in names or title in skip_sheets:
                    continue
                for kind, target in _rels(archive, part):
                    count(f"sheet relationship {kind}")
                    if kind == "drawing" and target in names:
                        for shape in _ANCHORED.findall(archive.read(target)):
                            count(f"drawn {shape.decode()}")
                if archive.getinfo(part).file_size <= CHECK_LIMIT:
                    for uri in _EXT_URI.findall(archive.read(part)):
                        count(f"sheet extLst {uri.decode()}")
            for kind, _target in _rels(archive, "xl/workbook.xml"):
                if kind not in ("worksheet", "chartsheet", "styles", "sharedStrings", "theme", "calcChain"):
                    count(f"workbook relationship {kind}")  # written anew by the saver, whatever it is
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            titles = [sheet.get("name") for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet")]
            for defined in workbook.iter(f"{{{MAIN_NS}}}definedName"):
                local = defined.get("localSheetId")
                scope = titles[int(local)] if local is not None and local.isdigit() and int(local) < len(titles) \
                    else None
                if scope not in skip_sheets:
                    count(f"defined name {defined.get('name')}" + (" (sheet)" if scope else ""))
            for name in names:
                if name.startswith("customXml/") and not name.endswith(".rels"):
                    count("customXml part")
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError, EOFError) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return items


# What the tool may leave out when it says so: flag code → the inventory key it excuses.
ANNOUNCED_DROPS = {"links_dropped": "workbook relationship externalLink"}


def lost_parts(before: dict[str, int] | str, output: Path, *, tool_sheets=frozenset(), macros: bool = True,
               announced=frozenset()) -> list[str]:
    """What ``before`` (the input's :func:`package_inventory` without ``tool_sheets``) held that the
    written ``output`` holds fewer of, as ``what (n → m)``. The tool's own sheets are its to
    rewrite; a macro project counts only when the output may hold macros (an .xlsm); a drop the
    report announced (flag codes ``announced``, see :data:`ANNOUNCED_DROPS`) is not a loss."""
    if isinstance(before, str):
        return []
    after = package_inventory(output, tool_sheets)
    if isinstance(after, str):
        return [f"output unreadable ({after})"]
    excused = {ANNOUNCED_DROPS[code] for code in announced if code in ANNOUNCED_DROPS}
    lost = []
    for key, amount in before.items():
        if key in excused or not macros and key == "workbook relationship vbaProject":
            continue
        if after.get(key, 0) < amount:
            lost.append(f"{key} ({amount} → {after.get(key, 0)})")
    return lost


# -- checks on written files ------------------------------------------------------------------

def check_written(run: Run, output: Path, before: BookView | str | None, *, sheets: set[str],
                  cached: bool = False) -> None:
    """Checks shared by everything the tool wrote as a workbook: readable, no macros in an
    .xlsx, clerk cells of ``sheets`` kept, no formula the input did not have (``before`` is the
    input's view; a string when the input could not be read, None when there was no input).
    With ``cached`` the input's formulas count by their cached values (an export holds values)."""
    after = read_book(output)
    if isinstance(after, str):
        run.fail("other", f"output {output.name} unreadable by openpyxl ({after})")
        return
    if output.suffix.lower() == ".xlsx":
        with zipfile.ZipFile(output) as archive:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in types or "xl/vbaProject.bin" in archive.namelist():
                run.fail("other", f"{output.name} is an .xlsx holding macros (macroEnabled content type or "
                                  "vbaProject.bin)")
    if isinstance(before, BookView):
        changed = changed_cells(before.values if cached else before.cells, after.cells, sheets, before.unread)
        run.fail("clerk cells changed", f"{len(changed)} cells, e.g. {'；'.join(changed[:3])}", len(changed))
        known = before.formulas
        new = sorted(f for f in after.formulas - known if f[0] not in before.unread)
    else:
        new = sorted(after.formulas)
    run.fail("live formulas", f"{len(new)} new, e.g. {', '.join(f'{s}!{r}' for s, r in new[:4])}", len(new))


def _flag_keys(report: dict, every: bool = False) -> set[tuple[str, str, str]]:
    """(sheet, cell, code) of every error and warning (``every``: every flag) anywhere in a score report."""
    keys = set()

    def walk(node, sheet):
        if isinstance(node, dict):
            sheet = node.get("sheet", sheet)
            if "code" in node and (every or node.get("severity") in ("error", "warning")):
                keys.add((str(sheet), str(node.get("cell")), node["code"]))
            for value in node.values():
                walk(value, sheet)
        elif isinstance(node, list):
            for value in node:
                walk(value, sheet)
    walk(report, None)
    return keys


# -- one case ----------------------------------------------------------------------------------

class CaseRunner:
    """Runs every command of one case in ``<case folder>/run`` and checks the results."""

    def __init__(self, case: Case, options: Options):
        self.case, self.options = case, options
        self.work = (case.folder or case.inputs[0].parent).parent / "run"
        shutil.rmtree(self.work, ignore_errors=True)
        self.runs: list[Run] = []
        self.exports: list[Path] = []
        self.inventories: dict[Path, dict[str, int] | str] = {}

    def new_run(self, command: str, target: Path) -> Run:
        """A run of this case, skipped when an earlier one hit a limit and the options say so."""
        run = Run(self.case.family, self.case.id, command, os.fsencode(target.name).decode("utf-8", "replace"),
                  description=self.case.description, allowed=self.case.expect.get(command))
        self.runs.append(run)
        if self.options.stop_after_limit and any(r.hit_limit for r in self.runs[:-1]):
            run.skipped = "an earlier command of this case ran out of time or memory"
        return run

    def execute(self, run: Run, args: list, cwd: Path, watched: list[Path], **how) -> bool:
        """Run unless skipped; a watched input that changed is a clerk file rewritten. ``how`` goes to
        :func:`run_cli`."""
        if run.skipped:
            return False
        prints = {path: _fingerprint(path) for path in watched}
        run_cli(run, args, cwd, self.options, **how)
        for path, digest in prints.items():
            if _fingerprint(path) != digest:
                run.fail("clerk cells changed", f"input {run.target} was modified")
        return True

    def run(self) -> list[Run]:
        """Every command on every input, then collect (unless the case has only commands of its
        own), then the case's own commands."""
        if self.case.standard:
            for index, path in enumerate(self.case.inputs):
                self.run_file(path, self.work / str(index))
            self.run_collect()
        for index, command in enumerate(self.case.commands):
            self.run_command(command, self.work / f"command-{index}")
        return self.runs

    def run_command(self, command: Command, work: Path) -> Run:
        """One command of the case's own: its exit, its watched files unchanged, nothing written
        where it must not be, collect's own outputs listed under ``ignored``."""
        target = next((Path(arg) for arg in command.args if isinstance(arg, Path)), Path(command.name))
        run = self.new_run(command.name, target)
        run.allowed = command.exits
        if not self.execute(run, command.args, command.cwd or work, command.watched, logs=work):
            return run
        for path in command.absent:
            if path.exists():
                run.fail("other", f"refused (exit {run.exit}) but wrote {path.name}" if run.exit in (2, 3)
                         else f"wrote {path.name}, which it must not")
        if command.report is not None and run.exit in (0, 6):
            data = _strict_json(command.report)
            if isinstance(data, str):
                run.fail("other", f"JSON report: {data}")
                return run
            ignored = {entry.get("path") for entry in data.get("ignored", [])}
            listed = {entry.get("path"): entry.get("status") for entry in data.get("files", [])}
            for name in command.ignored:
                if name not in ignored:
                    run.fail("other", f"collect's own {name} not under ignored (status {listed.get(name)})")
        return run

    def run_file(self, path: Path, work: Path) -> None:
        """score, score --in-place and export of one input, and the score/export agreement."""
        before = read_book(path)
        clerk = set(before.cells) - self.case.tool_sheets if isinstance(before, BookView) else set()
        score = self.score(path, work / "score", before, clerk)
        if self.options.all_in_place or self.case.in_place:
            self.score_in_place(path, work / "inplace", before, clerk)
        export = self.export(path, work / "export", before)
        if score.exit == 2 and export.exit in (0, 4) or export.exit == 2 and score.exit == 0:
            score.fail("other", f"score exits {score.exit} but export exits {export.exit} on the same file")

    def score(self, path: Path, work: Path, before, clerk: set[str]) -> Run:
        """``score IN -o out.xlsx --json report.json``; then the rescore when the case asks for it."""
        run = self.new_run("score", path)
        output, report = work / "out.xlsx", work / "report.json"
        if self.execute(run, ["score", path, "-o", output, "--json", report], work, [path]) and run.exit == 0:
            if not output.exists():
                run.fail("other", "exit 0 but no output workbook")
                return run
            check_written(run, output, before, sheets=clerk)
            data = _strict_json(report)
            self.check_parts(run, path, output, data if isinstance(data, dict) else None)
            if isinstance(data, str):
                run.fail("other", f"JSON report: {data}")
            elif self.case.rescore:
                self.rescore(output, work / "rescore", data)
        return run

    def check_parts(self, run: Run, source: Path, output: Path, report: dict | None = None) -> None:
        """No part of the input's package lost in the scored ``output`` (see :func:`lost_parts`);
        ``report`` is the score's JSON report, whose flags may announce a drop."""
        before = self.inventories.get(source)
        if before is None:
            before = self.inventories[source] = package_inventory(source, self.case.tool_sheets)
        lost = lost_parts(before, output, tool_sheets=self.case.tool_sheets, macros=output.suffix.lower() == ".xlsm",
                          announced={code for _, _, code in _flag_keys(report, every=True)} if report else set())
        run.fail("parts lost", f"{len(lost)}: {'; '.join(lost[:4])}", len(lost))

    def rescore(self, scored: Path, work: Path, first: dict) -> None:
        """Score the scored output again: no error or warning may appear that the first scoring did not give."""
        run = self.new_run("rescore", scored)
        report = work / "report.json"
        if self.execute(run, ["score", scored, "-o", work / "out.xlsx", "--json", report], work, [scored]) \
                and run.exit == 0:
            second = _strict_json(report)
            if isinstance(second, str):
                run.fail("other", f"JSON report: {second}")
                return
            new = sorted(_flag_keys(second) - _flag_keys(first))
            if new:
                run.fail("other", "scoring the scored output finds new problems: "
                         + ", ".join(f"{code} at {sheet}!{cell}" for sheet, cell, code in new[:4]))

    def score_in_place(self, path: Path, work: Path, before, clerk: set[str]) -> Run:
        """``score COPY --in-place --json R``: a backup identical to the original, clerk cells kept, no part
        lost (but those the report says it dropped); a refusal leaves the file alone."""
        run = self.new_run("score --in-place", path)
        work.mkdir(parents=True, exist_ok=True)
        copy = work / path.name
        shutil.copy(path, copy)
        original = path.read_bytes()
        read_only = self.case.read_only_in_place
        report = work.parent / "inplace-report.json"  # beside the folder, which may be read-only
        if read_only:  # the folder of the clerk's file may not be written: no room for the backup
            os.chmod(work, 0o555)
        try:
            if not self.execute(run, ["score", copy, "--in-place", "--json", report], work, [path],
                                respect_permissions=read_only,
                                logs=work.parent / "inplace-logs" if read_only else None):
                return run
        finally:
            if read_only:
                os.chmod(work, 0o755)
        if read_only and sorted(p.name for p in work.iterdir()) != [copy.name]:
            run.fail("other", "the read-only folder holds files the command wrote: "
                     + ", ".join(p.name for p in work.iterdir() if p != copy))
        if run.exit != 0:
            if copy.read_bytes() != original:
                run.fail("clerk cells changed", "the tool refused but rewrote the file")
            return run
        others = [p for p in work.iterdir() if p != copy and p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm")]
        if not any(p.read_bytes() == original for p in others):
            run.fail("other", "no backup identical to the original beside it")
        check_written(run, copy, before, sheets=clerk)
        data = _strict_json(report)
        if isinstance(data, str):
            run.fail("other", f"JSON report: {data}")
        self.check_parts(run, path, copy, data if isinstance(data, dict) else None)
        return run

    def export(self, path: Path, work: Path, before) -> Run:
        """``export IN --force -o DIR/``: the form sheets' values kept, no formula, no macro."""
        run = self.new_run("export", path)
        folder = work / "out"
        folder.mkdir(parents=True, exist_ok=True)
        if not self.execute(run, ["export", path, "--force", "-o", f"{folder}{os.sep}"], work, [path]) \
                or run.exit != 0:
            return run
        written = sorted(folder.glob("*.xlsx"))
        if not written:
            run.fail("other", "exit 0 but no export written")
            return run
        self.exports += written
        for output in written:
            forms = before.forms if isinstance(before, BookView) else set()
            check_written(run, output, before, sheets=forms, cached=True)
        return run

    def run_collect(self) -> None:
        """``collect`` over the case's folder (or its inputs and their exports): every file and link reported, statuses
        allowed, no internal error, the summary without formulas."""
        folder = self.case.folder
        if folder is None:
            folder = self.work / "received"
            folder.mkdir(parents=True, exist_ok=True)
            for path in self.case.inputs + self.exports:
                if not (folder / path.name).exists():
                    shutil.copy(path, folder / path.name)
        run = self.new_run("collect", folder)
        summary, report = self.work / "汇总.xlsx", self.work / "collect.json"
        if not self.execute(run, ["collect", folder, "-o", summary, "--json", report, "-q", "--jobs", "1"],
                            self.work, [folder]):
            return
        expected = expected_entries(folder)
        data = _strict_json(report) if report.exists() else "no JSON report written"
        if isinstance(data, str):
            run.fail("files missing", f"{len(expected)} (JSON report: {data})", len(expected))
            return
        ignored = [_normal(entry.get("path", "")) for entry in data.get("ignored", [])]  # collect's own outputs
        reported = [_normal(entry.get("path", "")) for entry in data.get("files", [])] + ignored
        for name in self.case.must_ignore:
            if _normal(name) not in ignored:
                run.fail("other", f"collect's own {name} not listed under ignored")
        missing = [name for name in expected if not any(r == name or r.startswith(name + "/") for r in reported)]
        run.fail("files missing", ", ".join(missing[:4]), len(missing))
        for entry in data.get("files", []):
            forbidden = self.case.forbidden_status.get(entry.get("path"), ())
            if entry.get("status") in forbidden:
                run.fail("other", f"{entry['path']} reported {entry['status']}")
            for problem in entry.get("problems", []):
                if problem.get("code") == "internal_error":
                    run.fail("exit-1", f"internal_error for {entry.get('path')}: {problem.get('message')}")
        if run.exit in ALLOWED_EXITS["collect"]:
            if not summary.exists():
                run.fail("other", "no summary workbook written")
            else:
                check_written(run, summary, None, sheets=set())


def _normal(name: str) -> str:
    """A path as the report would show it: bytes that are not UTF-8 as replacement characters."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "replace").decode("utf-8")


def expected_entries(folder: Path) -> list[str]:
    """Everything collect must list: every file and every symbolic link under ``folder``
    (links not followed), as relative paths."""
    found = []
    for top, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            found.append(_normal(os.path.relpath(os.path.join(top, name), folder)))
    return sorted(found)


# -- the corpus ----------------------------------------------------------------------------------

def build_and_run(out: Path, name: str, seed: int, setup: Setup, options: Options) -> list[Run]:
    """Write one case (see :func:`~tests.hostile.corpus.build_case`) and run every command of it."""
    return CaseRunner(build_case(out, name, seed, setup), options).run()


def run_corpus(out: str | Path, setup: Setup, specs: list[tuple[str, int]], options: Options = Options(),
               jobs: int | None = None, progress=None) -> list[Run]:
    """Build and run the cases ``specs`` = [(family, seed), …] under ``out`` in ``jobs`` worker
    processes (generation is parallel too); ``progress(runs)`` is called as each case ends.
    Runs come back in the order of ``specs``."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: dict[int, list[Run]] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(build_and_run, Path(out), name, seed, setup, options): index
                   for index, (name, seed) in enumerate(specs)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress:
                progress(results[futures[future]])
    return [run for index in sorted(results) for run in results[index]]


def counts(runs: list[Run]) -> dict[str, int]:
    """The issue's counts: runs with a traceback, exit 1, over time, over memory, other; cells
    changed, files missing and live formulas summed."""
    totals = dict.fromkeys(CATEGORIES, 0)
    for run in runs:
        for category in {category for category, _, _ in run.problems}:
            summed = category in SUMMED
            totals[category] += sum(n for c, n, _ in run.problems if c == category) if summed else 1
    return totals


def table(runs: list[Run], only_failures: bool = False) -> str:
    """A text table: family, command, file, result, seconds, peak MB."""
    rows = [(r.family, r.command, r.target[:28], r.result, f"{r.seconds:.1f}", f"{r.peak_mb:.0f}")
            for r in runs if r.problems or not only_failures]
    header = ("family", "command", "file", "result", "s", "MB")
    widths = [max(len(row[i]) for row in rows + [header]) if i < 3 else len(header[i]) for i in range(6)]
    widths[3] = min(110, max(len(row[3]) for row in rows + [header]))
    lines = []
    for row in [header] + rows:
        result = row[3] if len(row[3]) <= widths[3] else row[3][: widths[3] - 1] + "…"
        cells = list(row[:3]) + [result, row[4].rjust(5), row[5].rjust(5)]
        lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(cells)))
    return "\n".join(lines)


def family_table(runs: list[Run]) -> str:
    """One line per family, as the benchmark prints it: files, the exits seen (``exit×runs``), the
    slowest run and the largest peak memory of one command, then the counts the issue wants 0 —
    tracebacks, exit 1, clerk cells changed, parts lost — and the runs that failed any check.

    >>> print(family_table([Run("f", "f-s0", "score", "a.xlsx", exit=0, seconds=1.5, peak_mb=80)]))
    family  files  exits  max s  peak MB  tracebacks  exit-1  cells changed  parts lost  failed
    f           1  0×1      1.5       80           0       0              0           0       0
    """
    header = ("family", "files", "exits", "max s", "peak MB", "tracebacks", "exit-1", "cells changed", "parts lost",
              "failed")
    rows = []
    for family in dict.fromkeys(run.family for run in runs):
        mine = [run for run in runs if run.family == family]
        ran = [run for run in mine if not run.skipped]
        exits: dict[str, int] = {}
        for run in ran:
            key = "killed" if run.exit is None or run.exit < 0 else str(run.exit)
            exits[key] = exits.get(key, 0) + 1
        total = counts(mine)
        rows.append((family, str(len({(run.case, run.target) for run in mine})),
                     " ".join(f"{code}×{count}" for code, count in sorted(exits.items())),
                     f"{max((run.seconds for run in ran), default=0):.1f}",
                     f"{max((run.peak_mb for run in ran), default=0):.0f}",
                     str(total["tracebacks"]), str(total["exit-1"]), str(total["clerk cells changed"]),
                     str(total["parts lost"]), str(sum(1 for run in mine if run.problems))))
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) if i in (0, 2) else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in [header] + rows]
    return "\n".join(line.rstrip() for line in lines)


def summary(runs: list[Run]) -> str:
    """One line: every count of :data:`CATEGORIES`, and how many runs failed."""
    total = counts(runs)
    failed = sum(1 for run in runs if run.problems)
    skipped = sum(1 for run in runs if run.skipped)
    return (" · ".join(f"{name} {value}" for name, value in total.items())
            + f" — {len(runs)} runs, {failed} failed, {skipped} skipped")
