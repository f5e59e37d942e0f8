"""The printed labels of self-evaluation forms, read from ``labels.json`` (data, not code), and
how a printed text is matched against them.

A text is first normalised (:func:`normalise`: NFKC, no whitespace or line breaks, no trailing
colon). :meth:`LabelTable.lookup` then tries the whole text, then the text with its bracketed
suffixes taken off one by one — （A）（B）（B/A）（%）（万元）（10分）… — so 「全年预算数（A）」,
「执行率（B/A）」 and 「产出指标（50分）」 are the labels they print. :func:`bracket_suffixes` gives what
was taken off (a money unit, a weight), for the caller that needs it.

Example::

    >>> table = label_table("grid_columns")
    >>> table.lookup("年初目标值（A）"), table.lookup("全年实际值（B）"), table.lookup("年度\\n指标值")
    ('target', 'actual', 'target')
    >>> table.lookup("未完成原因及拟采取的改进措施"), table.lookup("项目")
    ('reason', None)
    >>> bracket_suffixes("预算执行情况（万元）\\n（20分）")
    ('预算执行情况', ['万元', '20分'])
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LABELS_FILE = Path(__file__).with_name("labels.json")
# A bracketed group at the end of a label, as NFKC leaves it: （A） → (A).
_TRAILING_GROUP = re.compile(r"\(([^()]{0,12})\)$")


def normalise(text: object) -> str:
    """A label as compared: NFKC, no whitespace or line breaks, no trailing colon.

    >>> normalise("一级\\n指标"), normalise("其中：当年财政拨款"), normalise("项目资金\\n（万元）")
    ('一级指标', '其中:当年财政拨款', '项目资金(万元)')
    >>> normalise("本年财政拨款："), normalise("总  分")
    ('本年财政拨款', '总分')
    """
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).rstrip(":")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def bracket_suffixes(text: object) -> tuple[str, list[str]]:
    """The label without its trailing bracketed groups, and the groups (left to right).

    >>> bracket_suffixes("执行率（B/A）"), bracket_suffixes("主管部门(单位)名称")
    (('执行率', ['B/A']), ('主管部门(单位)名称', []))
    """
    rest, groups = normalise(text), []
    while True:
        match = _TRAILING_GROUP.search(rest)
        if not match or match.start() == 0:
            return rest, groups
        groups.insert(0, match[1])
        rest = rest[: match.start()].rstrip(":")


@dataclass(frozen=True)
class LabelTable:
    """One table of ``labels.json``: every printed variant → its field, plus the words that name
    a field wherever they stand in a cell."""

    name: str
    variants: dict[str, str]
    contains: tuple[tuple[str, str], ...]
    ranks: dict[str, int] = field(default_factory=dict)  # variant → its alias's place, for ``ranked`` fields

    @classmethod
    def from_entries(cls, name: str, entries: dict) -> "LabelTable":
        variants: dict[str, str] = {}
        ranks: dict[str, int] = {}
        contains = []
        for key, entry in entries.items():
            if not isinstance(entry, dict) or "aliases" not in entry:
                continue
            aliases = [normalise(alias) for alias in entry["aliases"]]
            if entry.get("ranked"):
                for place, alias in enumerate(aliases):
                    ranks.setdefault(alias, place)
            # a prefix keeps its colon (「其中：」): normalise() takes a colon off only at the end of a label
            prefixes = [""] + [_squeeze(word) for word in entry.get("prefixes", ())]
            suffixes = [""] + [_squeeze(word) for word in entry.get("suffixes", ())]
            for alias in aliases:
                for prefix in prefixes:
                    for suffix in suffixes:
                        variants.setdefault(prefix + alias + suffix, key)
            contains.extend((normalise(word), key) for word in entry.get("contains", ()))
        return cls(name, variants, tuple(contains), ranks)

    def exact(self, text: str) -> str | None:
        """The field ``text`` (already normalised) prints, without taking anything off."""
        return self.variants.get(text)

    def lookup(self, text: object) -> str | None:
        """The field a printed text names: the whole text, else without bracketed suffixes, else
        by a word it contains (``contains``)."""
        norm = normalise(text)
        if not norm:
            return None
        found = self.variants.get(norm)
        if found:
            return found
        rest, groups = bracket_suffixes(norm)
        while groups:
            found = self.variants.get(rest + "".join(f"({g})" for g in groups[:-1]))
            if found:
                return found
            groups.pop()
        found = self.variants.get(rest)
        if found:
            return found
        return next((key for word, key in self.contains if word in norm and len(norm) <= 30), None)

    def rank(self, text: object) -> int:
        """Where a printed label stands among its field's aliases when the field is ``ranked`` (0 =
        the first, the most specific); labels of other fields rank 0, so they never displace another.

        >>> table = label_table("header_fields")
        >>> table.rank("主管部门"), table.rank("部门"), table.rank("项目名称")
        (0, 7, 0)
        """
        norm = normalise(text)
        rest, _groups = bracket_suffixes(norm)
        return self.ranks.get(norm, self.ranks.get(rest, 0))

    def aliases(self, key: str) -> tuple[str, ...]:
        """Every printed variant of ``key`` (normalised)."""
        return tuple(text for text, field_key in self.variants.items() if field_key == key)

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        """field → its printed variants, for callers that iterate."""
        keys = dict.fromkeys(self.variants.values())
        return {key: self.aliases(key) for key in keys}


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(LABELS_FILE.read_text("utf-8"))


@lru_cache(maxsize=None)
def label_table(name: str) -> LabelTable:
    """The table ``name`` of ``labels.json``.

    >>> label_table("fund_columns").lookup("全年预算数（A）"), label_table("fund_rows").lookup("其中：本年财政拨款")
    ('budget', 'appropriation')
    """
    return LabelTable.from_entries(name, _data()[name])


@lru_cache(maxsize=1)
def placeholder_patterns() -> tuple[re.Pattern, ...]:
    """A template's placeholder rows (指标1, 指标2：, ……, ★) by their normalised 三级 text.

    >>> any(p.match("指标2:") for p in placeholder_patterns()), any(p.match("租车次数") for p in placeholder_patterns())
    (True, False)
    """
    return tuple(re.compile(pattern) for pattern in _data()["placeholder_rows"]["patterns"])
