"""``jixiao department …`` subcommands: build or check the department templates and samples.

Example::

    >>> import argparse
    >>> parser = argparse.ArgumentParser(); sub = parser.add_subparsers(dest="command")
    >>> register_cli(sub)
    >>> parser.parse_args(["department", "template", "build", "--check"]).check
    True
"""

from __future__ import annotations

from pathlib import Path


def _build_or_check(args, build, check, *, built: str, consistent: str) -> int:
    """Build the files into ``args.out``, or with ``--check`` list how the committed ones drift."""
    if args.check:
        drift = check(Path(args.out))
        for line in drift:
            print(line)
        if not drift:
            print(consistent)
        return 0 if not drift else 2
    for path in build(Path(args.out)):
        print(f"{built}：{path}")
    return 0


def _cmd_template(args) -> int:
    from toolkit.forms.department.builds import build_templates, check_templates

    return _build_or_check(args, build_templates, check_templates, built="已生成模板", consistent="部门整体模板与代码一致。")


def _cmd_sample(args) -> int:
    from toolkit.forms.department.builds import build_samples, check_samples

    return _build_or_check(args, build_samples, check_samples, built="已生成样例", consistent="部门整体样例与数据一致。")


def register_cli(subparsers) -> None:
    """Add ``department template build [--check]`` and ``department sample build [--check]``."""
    department = subparsers.add_parser("department", help="部门整体支出绩效：模板与样例")
    sub = department.add_subparsers(dest="action", required=True)
    template = sub.add_parser("template", help="部门整体模板").add_subparsers(dest="step", required=True)
    build = template.add_parser("build", help="按规则配置生成模板（templates/部门整体支出绩效_*.xlsx）")
    build.add_argument("--out", default="templates")
    build.add_argument("--check", action="store_true", help="只检查已提交的模板是否与代码一致")
    build.set_defaults(func=_cmd_template)
    sample = sub.add_parser("sample", help="部门整体样例").add_subparsers(dest="step", required=True)
    sample_build = sample.add_parser("build", help="由 samples/seedNNN_department.json 生成样例工作簿")
    sample_build.add_argument("--out", default="samples")
    sample_build.add_argument("--check", action="store_true", help="只检查已提交的样例是否与数据一致")
    sample_build.set_defaults(func=_cmd_sample)
