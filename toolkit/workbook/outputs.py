"""Paths a command writes, checked against what it reads and against each other before any work:
an output never replaces an input or another output of the same run.

Example::

    >>> from pathlib import Path
    >>> check_outputs([Path("a.xlsx")], {"-o": Path("b.xlsx"), "--json": Path("b.json")})
    >>> check_outputs([Path("a.xlsx")], {"-o": Path("b.xlsx"), "--json": Path("a.xlsx")})
    Traceback (most recent call last):
    ...
    toolkit.core.problems.ToolkitError: --json 指向输入文件「a.xlsx」：输出从不覆盖输入，请换一个文件名。
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.core.problems import ToolkitError


def same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (an existing file by its identity, else by its resolved path)?"""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return Path(os.path.abspath(a)).resolve() == Path(os.path.abspath(b)).resolve()


NAME_MAX = 255  # one file or folder name: 255 bytes on ext4 and APFS, 255 UTF-16 units on NTFS


def name_size(part: str) -> int:
    """The size of one name as this system's file systems count it: UTF-16 units on Windows,
    bytes elsewhere.

    >>> name_size("报告.docx") if os.name != "nt" else 11
    11
    """
    if os.name == "nt":
        return len(part.encode("utf-16-le", "surrogatepass")) // 2
    return len(os.fsencode(part))


def check_name_length(option: str, path: Path) -> None:
    """Raise ToolkitError when a name in ``path`` is longer than the file system takes (on Linux and
    macOS a Chinese character is 3 bytes: 85 characters fill 255 bytes), before any work rather
    than at the write.

    >>> check_name_length("-o", Path("报告.docx"))
    >>> check_name_length("-o", Path("长" * 300 + ".docx"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toolkit.core.problems.ToolkitError: -o 的名称「长长长长长长长长长长长长长长长长长长长长…」有 ...，超过文件系统允许的 255 ...：请换一个较短的名称。
    """
    unit = "个字符单位" if os.name == "nt" else "字节"
    for part in Path(path).parts:
        size = name_size(part)
        if size > NAME_MAX:
            shown = part if len(part) <= 24 else part[:20] + "…"
            raise ToolkitError(f"{option} 的名称「{shown}」有 {size} {unit}，超过文件系统允许的 {NAME_MAX} {unit}："
                               "请换一个较短的名称。")


def check_outputs(inputs: list[Path], outputs: dict[str, Path | None], *, in_place: Path | None = None) -> None:
    """Raise ToolkitError when an output (by option name) is an input — except ``in_place``, the one
    input a command may rewrite after a backup —, two outputs are one file, or a name in an output's
    path is too long for the file system (:func:`check_name_length`)."""
    named = [(option, Path(path)) for option, path in outputs.items() if path is not None]
    for option, path in named:
        check_name_length(option, path)
    for option, path in named:
        for source in inputs:
            if same_file(path, Path(source)) and not (in_place is not None and same_file(path, in_place)
                                                       and option == "-o"):
                raise ToolkitError(f"{option} 指向输入文件「{Path(source).name}」：输出从不覆盖输入，请换一个文件名。")
    for index, (option, path) in enumerate(named):
        for other, other_path in named[index + 1:]:
            if same_file(path, other_path):
                raise ToolkitError(f"{option} 与 {other} 是同一个文件「{path.name}」：两个输出会互相覆盖，请分别指定文件名。")
