"""Issue 22: a workbook saved as Strict Open XML (ISO/IEC 29500 strict namespaces; Excel's 「Strict Open
XML 电子表格」) is read like the transitional one — our own sample and an adopted real form score the
same, export reads it, adopt reads it — and the clerk is told the output is transitional."""

from __future__ import annotations

import importlib.util
import zipfile

from toolkit.cli import main
from toolkit.forms.project.adopt import adopt_file
from toolkit.service import score_file
from toolkit.workbook.io import is_strict

from .conftest import ROOT, SAMPLE
from .realforms_harness import build_form_file

_spec = importlib.util.spec_from_file_location("make_strict", ROOT / "tests" / "data" / "strict" / "make_strict.py")
make_strict = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_strict)


def _scores(report: dict) -> list:
    return [(form["name"], form["total"], [(i["label"], i["computed"]) for i in form["items"]])
            for form in report["forms"]]


def test_the_sample_saved_strict_scores_as_the_sample(tmp_path):
    strict = tmp_path / "strict.xlsx"
    make_strict.make_strict(str(SAMPLE), str(strict))
    assert is_strict(strict) and not is_strict(SAMPLE)
    assert b"purl.oclc.org" in zipfile.ZipFile(strict).read("xl/worksheets/sheet2.xml")
    plain = score_file(SAMPLE, tmp_path / "plain_out.xlsx").report
    read = score_file(strict, tmp_path / "strict_out.xlsx").report
    assert _scores(read) == _scores(plain) and read["profile"]["id"] == "shenzhen"  # the meta sheet is read too
    assert [flag["code"] for flag in read["flags"]] == ["strict_read"]
    assert not is_strict(tmp_path / "strict_out.xlsx")


def test_an_adopted_real_form_saved_strict_scores_the_same(tmp_path):
    # 云南丽江 2020, adopted, then saved as Strict Open XML by the clerk.
    adopted = tmp_path / "adopted.xlsx"
    adopt_file(build_form_file("yunnan-lijiang-2020-weipian", tmp_path), adopted)
    strict = tmp_path / "adopted_strict.xlsx"
    make_strict.make_strict(str(adopted), str(strict))
    assert _scores(score_file(strict, tmp_path / "a.xlsx").report) == \
        _scores(score_file(adopted, tmp_path / "b.xlsx").report)


def test_adopt_and_export_read_a_strict_workbook(tmp_path):
    strict = tmp_path / "strict.xlsx"
    make_strict.make_strict(str(SAMPLE), str(strict))
    outcome = adopt_file(strict, tmp_path / "again.xlsx")  # our own template, strict: adopted as itself
    assert len(outcome.adopted) == 8
    assert main(["export", str(strict), "--force", "-o", str(tmp_path / "export")]) == 0
