"""Issue 22: what a command writes keeps what the clerk owns — a replaced file keeps its mode, and an
--in-place whose backup cannot be written stops with a message before anything is changed."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from toolkit.cli import main

from .conftest import SAMPLE


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_a_replaced_output_keeps_its_permissions(mode, tmp_path):
    out = tmp_path / "b.xlsx"
    shutil.copy(SAMPLE, out)
    os.chmod(out, mode)
    assert main(["score", str(SAMPLE), "-o", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_in_place_keeps_the_clerks_private_mode(tmp_path):
    workbook = tmp_path / "a.xlsx"
    shutil.copy(SAMPLE, workbook)
    os.chmod(workbook, 0o600)
    assert main(["score", str(workbook), "--in-place"]) == 0
    assert stat.S_IMODE(os.stat(workbook).st_mode) == 0o600


def test_in_place_without_room_for_the_backup_changes_nothing(tmp_path, monkeypatch, capsys):
    workbook = tmp_path / "a.xlsx"
    shutil.copy(SAMPLE, workbook)
    before = workbook.read_bytes()

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "copy2", refused)  # a read-only folder, as a non-root user meets it
    assert main(["score", str(workbook), "--in-place"]) == 2
    err = capsys.readouterr().err
    assert "无法在" in err and "备份" in err and "意外错误" not in err
    assert workbook.read_bytes() == before
