"""Entry of the 「关于」 button: the add-in ``jixiao_about.xlam`` runs ``jixiao_about.main()``.

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.launch import lean


def main() -> None:
    """Show toolkit, xlwings and Python versions and paths, for IT staff checking an install."""
    lean("about_active")
