"""Entry of the 「关于」 button: the add-in ``jixiao_about.xlam`` runs ``jixiao_about.main()``.

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.xl import about_active


def main() -> None:
    """Show toolkit, xlwings and Python versions and paths, for IT staff checking an install."""
    about_active()
