"""Atomic file writes: a half-written workbook never replaces a good one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then move the finished file onto ``path`` in one step.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(target, lambda p: p.write_text("ok"))
    >>> target.read_text()
    'ok'
    """
    path = Path(path)
    try:
        _write_replace(path, write)
    except OSError as exc:
        from toolkit.core.problems import ToolkitError

        raise ToolkitError(f"无法写入「{path}」：{exc.strerror or exc}。文件可能正在 Excel/WPS 中打开，"
                           "或该路径是文件夹、没有写权限。请关闭文件或换一个输出位置后重试。") from None


def _write_replace(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".~jx-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    _give_mode(tmp, path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _give_mode(tmp: Path, path: Path) -> None:
    """The new file gets the mode (and, where allowed, the owner) of the file it replaces — a
    private 0600 workbook stays private; a new file gets the usual mode (mkstemp makes 0600)."""
    try:
        existing = os.stat(path)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    os.chmod(tmp, existing.st_mode & 0o7777)
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, existing.st_uid, existing.st_gid)
        except OSError:  # only root may give a file away; the mode is what matters to the clerk
            pass


def atomic_save(workbook, path: Path) -> None:
    """Save an openpyxl workbook atomically."""
    atomic_write(Path(path), lambda tmp: workbook.save(tmp))
