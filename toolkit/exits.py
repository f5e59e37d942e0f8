"""The exit status of every ``jixiao`` command, in one place (README lists them from here).

Example::

    >>> EXIT_CODES[EXIT_BAD_INPUT]
    '输入文件无法使用（非 xlsx、加密、损坏、不是本模板）'
"""

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_BAD_PROFILE = 0, 1, 2, 3
EXIT_BLOCKED, EXIT_DRIFT, EXIT_NOT_ACCEPTED, EXIT_USAGE = 4, 5, 6, 64
EXIT_COMPONENT_MISSING = 7  # the input is fine; this installation lacks a part the command needs
EXIT_CODES = {
    EXIT_OK: "完成（评分文件中仍可能有标记）",
    EXIT_UNEXPECTED: "意外错误（请把提示发给技术支持）",
    EXIT_BAD_INPUT: "输入文件无法使用（非 xlsx、加密、损坏、不是本模板）",
    EXIT_BAD_PROFILE: "规则配置有误",
    EXIT_BLOCKED: "导出因仍有错误被拒绝",
    EXIT_DRIFT: "已提交的模板或样例与代码不一致（--check）",
    EXIT_NOT_ACCEPTED: "汇总：有文件未通过（见报告）",
    EXIT_COMPONENT_MISSING: "缺少组件：本机安装的版本不含该命令所需的组件（如汇总所需的 pandas），输入文件没有问题",
    EXIT_USAGE: "命令用法错误（参数缺失或无法识别）",
}
