"""Hostile and careless workbooks (issues 13 and 22): every family of ``tests/hostile/corpus.py``
is built once (seed 0, CI scale) and run through score, score --in-place, export and collect —
and the family's own commands — by ``tests/hostile/runner.py``; each family's test asserts that
all the issues' counts are 0 — tracebacks, exit 1, runs over the time or 1 GB limit, clerk cells
changed (an input or a watched file changed counts), files missing from collect's report, live
formulas in what the tool wrote, parts of the package lost, an exit other than expected, and the
other broken promises. The tests at the end check issue 22's single behaviours directly: a
document type declaration and a missing stylesheet get the one 「damaged」 message from every
command and both collect readers, report and export check their outputs, the fast reader reads
Strict Open XML.

The whole corpus is built and run once per session, in parallel (one worker per core), for the
families selected (``-k`` keeps a run short). A run gets ``JIXIAO_HOSTILE_TIMEOUT`` seconds
(default 10: a sound tool needs 1–3 s for these files; ``benchmarks/hostile_run.py`` uses the
issue's 60 s); once a command of a case runs out of time or memory the case's other commands
are skipped, and ``score --in-place`` runs only where it meets more than ``score -o``.

:data:`KNOWN_FAILURES` lists the families the current code fails, each marked
``xfail(strict=True)``: when a fix makes one pass, its test fails as XPASS until its entry is
removed here.
"""

from __future__ import annotations

import os
import shutil
import zipfile

import pytest

from tests.conftest import SAMPLE
from tests.hostile import corpus, runner
from toolkit.cli import main
from toolkit.submission.collect import check_file
from toolkit.submission.export import export_file
from toolkit.workbook.io import damaged_message, is_strict

SEED = 0
OPTIONS = runner.Options(timeout=float(os.environ.get("JIXIAO_HOSTILE_TIMEOUT", "10")), stop_after_limit=True,
                         all_in_place=False)

# family → what the current code does wrong (remove the entry with the fix).
KNOWN_FAILURES: dict[str, str] = {}


def _family_params():
    """One parameter per family, marked xfail(strict) when listed in :data:`KNOWN_FAILURES`."""
    expected = KNOWN_FAILURES
    return [pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=expected[name]))
            if name in expected else pytest.param(name, id=name) for name in corpus.FAMILIES]


@pytest.fixture(scope="session")
def hostile_runs(request, tmp_path_factory) -> list[runner.Run]:
    """Every selected family built and run once, in parallel."""
    selected = {item.callspec.params["family"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_hostile_family" and hasattr(item, "callspec")}
    out = tmp_path_factory.mktemp("hostile")
    setup = corpus.Setup.prepare(out / "_bases", corpus.CI)
    specs = [(name, SEED) for name in corpus.FAMILIES if name in selected]
    return runner.run_corpus(out, setup, specs, OPTIONS)


@pytest.mark.parametrize("family", _family_params())
def test_hostile_family(family, hostile_runs):
    """Every count of the issue is 0 for the family's runs."""
    runs = [run for run in hostile_runs if run.family == family]
    assert runs, f"{family} did not run"
    counts = runner.counts(runs)
    assert not any(counts.values()), f"{runner.summary(runs)}\n{runner.table(runs, only_failures=True)}"


def test_known_failures_name_families():
    """Every known failure names a family that exists (a renamed family must not silently pass)."""
    assert set(KNOWN_FAILURES) <= set(corpus.FAMILIES)


def test_corpus_is_seeded(tmp_path):
    """The same seed writes the same file."""
    setup = corpus.Setup.prepare(tmp_path / "_bases", corpus.CI)
    first = corpus.build_case(tmp_path / "a", "value_at_a1048576", 7, setup)
    second = corpus.build_case(tmp_path / "b", "value_at_a1048576", 7, setup)
    assert first.description == second.description
    assert first.inputs[0].read_bytes() == second.inputs[0].read_bytes()


def test_zip_bomb_is_small_on_disk_and_inflates_past_the_limit(tmp_path):
    """A bomb is a valid deflate stream, a few MB on disk and past the 1 GB limit once inflated."""
    case = corpus.build_case(tmp_path, "zip_bomb_sheet_whitespace", 0, corpus.Setup.prepare(tmp_path, corpus.CI))
    path = case.inputs[0]
    with zipfile.ZipFile(path) as archive:
        biggest = max(archive.infolist(), key=lambda info: info.file_size)
        with archive.open(biggest) as part:  # the first 4 MB inflate to the sheet, then whitespace
            start = part.read(4 * 2**20)
    assert b"<worksheet" in start[:200] and start[-64:].strip() == b""  # whitespace (where it starts depends on the sheet)
    assert biggest.file_size > runner.MEMORY_MB * 2**20 and path.stat().st_size < 8 * 2**20


# -- issue 22: one behaviour for every command ------------------------------------------------------

def _doctype_copy(tmp_path, part: str = "xl/workbook.xml", name: str = "doctype.xlsx"):
    """The sample with an internal entity declared (and not used) in ``part``."""
    package = corpus.Package(SAMPLE)
    package.put(part, '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e "实体">]>'
                + package.text(part).split("?>", 1)[-1])
    return package.save(tmp_path / name)


def _command_errors(path, tmp_path, capsys) -> dict[str, tuple[int, str]]:
    """Exit and stderr of score, score --in-place, export, report and adopt on ``path``."""
    found = {}
    for name, args in {"score": ["score", str(path), "-o", str(tmp_path / "o.xlsx")],
                       "score --in-place": ["score", str(path), "--in-place"],
                       "export": ["export", str(path), "--force", "-o", str(tmp_path / "export") + "/"],
                       "report": ["report", str(path), "-o", str(tmp_path / "r.docx")],
                       "adopt": ["adopt", str(path), "-o", str(tmp_path / "a.xlsx")]}.items():
        found[name] = (main(args), capsys.readouterr().err.strip())
    return found


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet2.xml", "docProps/core.xml"])
def test_a_document_type_declaration_is_refused_alike_by_every_command(part, tmp_path, capsys):
    """A DTD in any part (where entities are declared) gets the one 「damaged」 message from every
    command and from both of collect's readers; the file is never changed and no entity expanded."""
    path = _doctype_copy(tmp_path, part)
    before = path.read_bytes()
    message = damaged_message(path, f"部件 {part} 含文档类型声明 <!DOCTYPE>，Excel 工作簿中不应有；"
                                    "为安全起见，工具不读取其中声明的实体")
    errors = _command_errors(path, tmp_path, capsys)
    assert errors == {name: (2, f"错误：{message}") for name in errors}
    for engine in ("auto", "openpyxl"):
        entry = check_file(path, engine=engine)
        assert entry["status"] == "unreadable" and [p["message"] for p in entry["problems"]] == [message]
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_package_without_styles_gets_the_same_message_from_score_and_both_collect_readers(tmp_path, capsys):
    package = corpus.Package(SAMPLE)
    del package.parts["xl/styles.xml"]
    path = package.save(tmp_path / "no_styles.xlsx")
    assert main(["score", str(path), "-o", str(tmp_path / "o.xlsx")]) == 2
    said = capsys.readouterr().err.strip().removeprefix("错误：")
    assert said.startswith("文件「no_styles.xlsx」无法作为 Excel 工作簿读取（缺少样式部件 xl/styles.xml")
    for engine in ("auto", "openpyxl"):
        entry = check_file(path, engine=engine)
        assert (entry["status"], [p["message"] for p in entry["problems"]]) == ("unreadable", [said])
    assert "意外错误" not in said


@pytest.mark.parametrize("command", ["report", "export"])
def test_report_and_export_check_their_outputs_before_any_work(command, tmp_path, capsys):
    """A name past 255 bytes, or the input itself, is refused with exit 2 — the input unchanged,
    nothing written."""
    workbook = tmp_path / ("表.docx" if command == "report" else "表.xlsx")  # a workbook a clerk named .docx
    shutil.copy(SAMPLE, workbook)
    before = workbook.read_bytes()
    force = ["--force"] if command == "export" else []
    long_name = "报" * 90 + (".docx" if command == "report" else ".xlsx")
    assert main([command, str(workbook), *force, "-o", str(tmp_path / long_name)]) == 2
    assert "超过文件系统允许的 255 字节" in capsys.readouterr().err
    assert main([command, str(workbook), *force, "-o", str(workbook)]) == 2
    assert "输出从不覆盖输入" in capsys.readouterr().err
    assert workbook.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [workbook.name]


def test_export_into_a_folder_never_replaces_the_input_it_is_named_like(tmp_path, capsys):
    """The export's name comes from the form (unit, year, title): an input already named so is not
    replaced by its own export, whether ``-o`` names the folder or nothing — the export goes beside it
    as 「…（2）.xlsx」 and says so."""
    name = "深圳市社会保险基金管理局_2021_项目支出绩效自评表_含未解决问题.xlsx"
    workbook = tmp_path / name
    shutil.copy(SAMPLE, workbook)
    before = workbook.read_bytes()
    for output in ([], ["-o", f"{tmp_path}/"]):
        assert main(["export", str(workbook), "--force", *output]) == 0
        printed = capsys.readouterr().out
        assert "未覆盖" in printed and "含未解决问题（2）.xlsx" in printed
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == [name, name.replace(".xlsx", "（2）.xlsx")]


def test_the_fast_reader_reads_a_strict_export_like_the_transitional_one(tmp_path):
    """collect's calamine reader reads a Strict Open XML export through its transitional copy: the
    entry is the transitional file's, read by calamine (not handed back to openpyxl)."""
    export = export_file(SAMPLE, tmp_path / "export.xlsx", force=True).output
    strict = corpus.make_strict(export, tmp_path / "strict.xlsx")
    assert is_strict(strict) and not is_strict(export)
    plain, read = check_file(export, engine="calamine"), check_file(strict, engine="calamine")
    assert read["timing"]["reader"] == "calamine" and read["status"] == plain["status"] == "unresolved_errors"
    for entry in (plain, read):
        entry.pop("path"), entry.pop("timing")
    assert read == plain


def test_the_parts_check_sees_what_openpyxl_drops(tmp_path):
    """The runner's part-by-part check is not blind: the x14 family's workbook saved by openpyxl
    alone (no preservation) loses its dropdown, data bar, sparkline and text box, and the check
    names each; the workbook saved unchanged loses nothing."""
    import openpyxl

    case = corpus.build_case(tmp_path, "x14_extensions_and_shapes", 0, corpus.Setup.prepare(tmp_path, corpus.CI))
    source = case.inputs[0]
    before = runner.package_inventory(source)
    resaved = tmp_path / "resaved.xlsx"
    with pytest.warns(UserWarning):  # openpyxl says it removes the extensions
        openpyxl.load_workbook(source).save(resaved)
    lost = runner.lost_parts(before, resaved)
    assert sorted(lost) == sorted([f"sheet extLst {uri} (1 → 0)" for uri in corpus.X14_URIS.values()]
                                  + ["sheet relationship drawing (1 → 0)", "drawn sp (1 → 0)"])
    assert runner.lost_parts(before, source) == []
