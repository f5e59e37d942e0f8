"""Parse 年度指标值 (target) and 实际完成值 (actual) cells exactly as clerks write them.

Two entry points:

* :func:`parse_indicator_value` turns one indicator cell into a :class:`ParsedValue`
  (a number with comparator/unit/percent/approximate flags, a qualitative label,
  不适用, empty, or unparseable with a Chinese reason).
* :func:`parse_number` reads plain numeric cells (金额, 分值, 得分, 执行率).

Neither function ever raises; whatever they cannot understand comes back with a reason,
so the clerk sees a flag instead of a silent guess.

Text is first normalised: NFKC (full-width ９５％ ＞ → 95% >), ≧/≦/⩾/⩽ → ≥/≤ and the box-drawing
「═」 some Yunnan forms print for an equals sign → "=" (NFKC leaves them alone), U+2212 minus → "-",
invisible format characters dropped, whitespace collapsed.
For parsing, spaces are dropped except between two digits ("22 次" → "22次", but
"10 20" stays two numbers).

Numeric vs qualitative — the rule, applied in this order:

1. No arabic digit at all → ``qualitative`` (label = normalised text), unless the text is
   a comparator without a number ("≥%") or a Chinese-numeral percentage ("百分之九十五"),
   which are ``unparseable``; text with no letter at all is ``unparseable``.
2. A written date ("2021年12月底前", "2021-12-31") → ``qualitative``: a deadline is judged.
3. Exactly one number and the whole text fits the grammar below → ``number``.
4. Otherwise, text that starts with a word and contains sentence punctuation
   ("完成，采购12台台式机、3台打印机") → ``qualitative``: a sentence that merely mentions numbers.
5. Otherwise two or more numbers ("90-95%", "3至5次") → ``unparseable`` (ranges are not
   supported), and one number that does not fit the grammar → ``unparseable`` with the reason.

The grammar of a numeric cell (after dropping spaces)::

    [subject words ≤12 letters, may contain a comparator word and 约/预计/大约/近/估计][:]
    [comparator symbol ≥ > ≤ < = >= <=] [百分之] [sign] NUMBER [余|多]
    [scale 万 亿 千 百万 千万] [余|多] [% | 百分比 | UNIT[/UNIT]]
    [以上 | 及以上 | 以下 | 及以下 | 以内 | 内 | 左右]  [trailing words ≤6 letters]

NUMBER is ``123``, ``123.45`` or ``2,340,000.00``. UNIT is a known unit (longest first,
so 人次 beats 人 and 千米 is not 千 × 米), else a run of ≤3 letters. 余/多/左右 and the
approximation words set ``approximate``. A comparator may be written once or twice, but two
different directions ("≥95%以下") are unparseable.

Non-text cells: int/float/Decimal are numbers (with a ``%`` Excel format, 0.95 → 95.0
percent); bool, NaN/∞ and dates are unparseable — Excel turns typed "3-5" or "12/31" into
dates, so a date in an indicator cell is flagged rather than trusted.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = ["Comparator", "ParsedValue", "ParsedNumber", "parse_indicator_value", "parse_number", "quantities_in",
           "rate_as_ratio"]

Comparator = Literal[">=", ">", "<=", "<", "="]


@dataclass(frozen=True)
class ParsedValue:
    text: str  # the original cell content as text ("" for None), never altered
    kind: Literal["number", "qualitative", "not_applicable", "empty", "unparseable"]
    comparator: Comparator | None = None  # None when no comparator was written
    number: float | None = None  # scaled by 万/亿/千; percent kept as 95.0 for "95%"
    unit: str | None = None  # base unit without scaling prefix; None for percent or bare numbers
    percent: bool = False  # %, ％, 百分比, 百分之…
    approximate: bool = False  # 约, 预计, 大约, 近, 左右, 估计
    label: str | None = None  # qualitative: normalised text
    reason: str | None = None  # unparseable: a short Chinese reason
    # Provenance (not part of what the value is): how it was written.
    scale: int = field(default=1, compare=False)  # 万 → 10000: a bare number on the other side inherits it
    comparator_source: str | None = field(default=None, compare=False)  # "symbol" (≥) or "words" (不超过, 以上)
    qualifier: str | None = field(default=None, compare=False)  # 约/余/多/以上/高于… as written
    date: bool = field(default=False, compare=False)  # 「2021年12月完成」: number = months since year 0

    @property
    def unit_label(self) -> str:
        """The unit as written, scale included: "%", "万元", "人次", "" for a bare number.

        >>> parse_indicator_value("≤30万元").unit_label, parse_indicator_value("35").unit_label
        ('万元', '')
        """
        if self.percent:
            return "%"
        prefix = {v: k for k, v in _SCALES.items()}.get(self.scale, "")
        return f"{prefix}{self.unit or ''}"


@dataclass(frozen=True)
class ParsedNumber:
    value: float | None
    reason: str | None = None  # Chinese, when value is None and the cell was not empty


# --- vocabulary ------------------------------------------------------------------------

_LETTERS = "A-Za-z\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs and latin letters
_LETTER_RUN = re.compile(f"[{_LETTERS}]+")
_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")

_NOT_APPLICABLE_WORDS = {"不适用", "N/A", "NA", "无此项", "不涉及"}
_DASHES_OR_SLASH = re.compile(r"[-—–―/]+")  # "—", "——", "-", "/" mean "nothing here"

# Characters NFKC does not fold but clerks use as the same symbol (「═」 U+2550 stands for "=" in the
# 指标性质 column of 云南永德 2022, where a font substitution turned the equals sign into it).
_SYMBOL_FOLDS = str.maketrans({"≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "−": "-", "═": "="})

_SYMBOL_COMPARATORS = {">=": ">=", "<=": "<=", "≥": ">=", "≤": "<=", ">": ">", "<": "<", "=": "="}
_SYMBOL_COMPARATOR = re.compile(">=|<=|≥|≤|>|<|=")
_WORD_COMPARATORS = {
    "大于等于": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=", "至少": ">=", "达到": ">=",
    "小于等于": "<=", "不高于": "<=", "不超过": "<=", "不大于": "<=", "不多于": "<=",
    "大于": ">", "高于": ">", "超过": ">", "多于": ">",
    "小于": "<", "低于": "<", "少于": "<",
    "等于": "=",
}
# Longest first, so "不低于" is found before the "低于" inside it.
_WORD_COMPARATOR = re.compile("|".join(sorted(_WORD_COMPARATORS, key=len, reverse=True)))
_SUFFIX_MARKERS = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=",
                   "内": "<=", "左右": "approximate",
                   # a deadline: 「9月前」「11月底前」 — done by then, earlier is as good
                   "底前": "<=", "之前": "<=", "以前": "<=", "前": "<="}
_UNIT_JOINERS = "/*·×"
_APPROXIMATION_WORDS = ("约", "预计", "近", "估计")  # 大约 contains 约
_SCALES = {"千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3}
_UNITS = sorted(
    """个百分点 百分点 个工作日 工作日 平方公里 平方米 立方米 千瓦时 人次 户次 件次 场次 车次 班次 批次 个月 小时 分钟
    公里 千米 千克 公斤 公顷 季度 人 户 份 台 套 宗 件 次 页 元 分 个 项 天 日 周 月 年 家 所 场
    期 批 篇 本 册 张 辆 座 间 处 条 栋 名 位 组 部 卷 盒 箱 袋 棵 株 头 只 米 亩 吨 秒 课时 学时""".split(),
    key=len,
    reverse=True,
)
_SENTENCE_PUNCTUATION = set(",、。;:!?()[]【】“”‘’\"'《》")
_DATE = re.compile(
    r"(?<![0-9])(?:19|20)[0-9]{2}(?:年|[-/.][0-9]{1,2}[-/.][0-9]{1,2})|[0-9]{1,2}月[0-9]{1,2}日"
)
_QUOTES = re.compile("[\"'“”‘’「」]")
_CHINESE_NUMERAL_PERCENT = re.compile("百分之[零〇一二两三四五六七八九十百点]")


# What parsing an odd cell value can raise (a cell must never crash scoring; anything else is a bug).
CELL_ERRORS = (ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError, RuntimeError)


class _Unreadable(Exception):
    """Internal: the text does not fit the numeric grammar; args[0] is the Chinese reason."""


# --- public API ------------------------------------------------------------------------


def parse_indicator_value(value: object, number_format: str | None = None) -> ParsedValue:
    """Parse a 年度指标值 / 实际完成值 cell; never raises.

    ``number_format`` is the Excel number format of a numeric cell: with a real ``%`` in it
    the stored 0.95 means 95 %.

    >>> parse_indicator_value("30.68万份").number
    306800.0
    >>> v = parse_indicator_value("满意度≧９５％")
    >>> v.comparator, v.number, v.percent
    ('>=', 95.0, True)
    >>> v = parse_indicator_value("预计完成43万人次转移")
    >>> v.number, v.unit, v.approximate
    (430000.0, '人次', True)
    >>> parse_indicator_value(0.95, "0.00%").number
    95.0
    >>> parse_indicator_value("及时").label
    '及时'
    >>> parse_indicator_value("90-95%").kind
    'unparseable'
    """
    try:
        return _parse_any(value, number_format)
    except CELL_ERRORS as error:  # a last safety net: a cell must never crash scoring
        return ParsedValue(_safe_text(value), "unparseable", reason=f"内部错误：{type(error).__name__}")


def parse_number(value: object) -> ParsedNumber:
    """Read a plain numeric cell (金额, 分值, 得分, 执行率); never raises.

    Thousands separators, full-width digits, spaces and a trailing unit (元, 分, 次…) are
    accepted. A percent sign is dropped and the number kept as written ("86%" → 86.0): this
    function cannot know whether the cell holds a rate; use :func:`parse_indicator_value`
    when the percent flag matters. 万/亿/千 are refused because their meaning depends on the
    unit in the sheet header. "—", "-", "/" and empty cells are blank (no value, no reason).

    >>> parse_number("2,340,000.00").value
    2340000.0
    >>> parse_number("86%").value
    86.0
    >>> parse_number("—")
    ParsedNumber(value=None, reason=None)
    >>> parse_number("abc").reason
    '「abc」不是数字'
    """
    try:
        return _parse_number_any(value)
    except CELL_ERRORS as error:  # same safety net as above
        return ParsedNumber(None, f"内部错误：{type(error).__name__}")


# --- indicator cells -------------------------------------------------------------------


def _parse_any(value: object, number_format: str | None) -> ParsedValue:
    if value is None:
        return ParsedValue("", "empty")
    text = _safe_text(value)
    if isinstance(value, str):
        return _parse_text(text)
    if isinstance(value, bool):  # bool is an int subclass: test it first
        return ParsedValue(text, "unparseable", reason="布尔值（是/否）不是指标值")
    if isinstance(value, (_dt.date, _dt.time)):
        # Excel silently turns "3-5" or "12/31" into dates, so a date here is a flag.
        return ParsedValue(text, "unparseable", reason=f"单元格是日期（{text}），可能被Excel自动转换，请改为文本")
    if isinstance(value, (numbers.Real, Decimal)):
        return _parse_cell_number(text, value, number_format)
    return ParsedValue(text, "unparseable", reason=f"无法识别的单元格类型「{type(value).__name__}」")


def _parse_cell_number(text: str, value: object, number_format: str | None) -> ParsedValue:
    exact = _to_decimal(value)
    if exact is None or not exact.is_finite():
        return ParsedValue(text, "unparseable", reason="数值不是有限数")
    percent = _format_has_percent(number_format)
    number = float(exact)
    if percent and not _format_has_literal_percent(number_format) and math.isfinite(number):
        number = float(exact * 100) if abs(number) < 1e300 else math.inf  # Excel stores 95 % as 0.95
    if not math.isfinite(number):
        return ParsedValue(text, "unparseable", reason="数值过大")
    return ParsedValue(text, "number", number=number, percent=percent)


@functools.lru_cache(maxsize=8192)  # a pure function of the text; the same texts recur across forms and files
def _parse_text(text: str) -> ParsedValue:
    tidy = _normalise(text)
    if not tidy:
        return ParsedValue(text, "empty")
    if tidy.upper() in _NOT_APPLICABLE_WORDS or _DASHES_OR_SLASH.fullmatch(tidy):
        return ParsedValue(text, "not_applicable")
    compact = _compact(tidy)
    found = list(_NUMBER.finditer(compact))
    if not found:
        return _parse_words(text, tidy, compact)
    if _DATE.search(compact):
        return _parse_date(text, compact) or ParsedValue(text, "qualitative", label=tidy)
    if len(found) == 1:
        try:
            return _parse_quantity(text, compact, found[0])
        except _Unreadable as problem:
            reason = str(problem)
    if _is_sentence(compact):
        return ParsedValue(text, "qualitative", label=tidy)
    if len(found) > 1:
        reason = "含有多个数值，无法确定哪一个是指标值（不支持范围写法）"
    return ParsedValue(text, "unparseable", reason=reason)


_YEAR_MONTH = re.compile(r"^(?P<y>(?:19|20)[0-9]{2})年(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})[日号])?(?P<rest>.*)$")
# What may follow a date in a 时效 target or actual; 前 / 完成 make it a deadline (done by then).
_DATE_TAILS = {"": None, "底": None, "末": None, "份": None, "完成": "<=", "完工": "<=", "竣工": "<=", "全部完成": "<=",
               "前": "<=", "之前": "<=", "以前": "<=", "底前": "<=", "末前": "<=", "前完成": "<=", "底前完成": "<=",
               "底完成": "<=", "内完成": "<=", "前完工": "<=", "底前完工": "<=", "已完成": None}


def _parse_date(text: str, compact: str) -> ParsedValue | None:
    """A year and month (and day) as a 时效 value: 「2021年12月完成」, 「2023年6月30日前」. Its number
    counts months (days as a fraction), so two dates compare; 前/完成 make it a deadline (≤).

    >>> v = _parse_date("2021年12月完成", "2021年12月完成"); (v.number, v.comparator, v.date)
    (24263.0, '<=', True)
    >>> _parse_date("2021年1-12月", "2021年1-12月") is None
    True
    """
    match = _YEAR_MONTH.match(compact)
    if not match or match["rest"] not in _DATE_TAILS or not 1 <= int(match["m"]) <= 12:
        return None
    months = int(match["y"]) * 12 + int(match["m"]) - 1
    if match["d"]:
        months += (int(match["d"]) - 1) / 31
    elif match["rest"].startswith(("底", "末")):
        months += 30 / 31
    comparator = _DATE_TAILS[match["rest"]]
    return ParsedValue(text, "number", comparator=comparator, number=float(months), unit="年月",
                       comparator_source="words" if comparator else None, date=True)


def _parse_words(text: str, tidy: str, compact: str) -> ParsedValue:
    """Text without arabic digits: a qualitative label, or a number written in words."""
    if _CHINESE_NUMERAL_PERCENT.search(compact):
        return ParsedValue(text, "unparseable", reason="百分比用中文数字书写，暂不支持，请改为阿拉伯数字（如95%）")
    relation = _SYMBOL_COMPARATOR.search(compact)
    if relation and _LETTER_RUN.search(compact[: relation.start()]) and _LETTER_RUN.search(compact[relation.end():]):
        return ParsedValue(text, "qualitative", label=tidy)  # a relation in words: 实际支出数≤预算数
    if relation or "%" in compact:
        return ParsedValue(text, "unparseable", reason="有比较符号或百分号，但没有阿拉伯数字")
    if not _LETTER_RUN.search(compact):
        return ParsedValue(text, "unparseable", reason="无法识别的内容")
    return ParsedValue(text, "qualitative", label=tidy)


def _parse_quantity(text: str, compact: str, match: re.Match[str]) -> ParsedValue:
    """Apply the numeric grammar of the module docstring to the single number ``match``."""
    head, tail = compact[: match.start()], compact[match.end() :].rstrip("。.,;")

    # Before the number: subject words, comparator (symbol or word), 百分之, sign.
    percent = head.endswith("百分之")
    head = head.removesuffix("百分之")
    sign = -1 if head.endswith("-") else 1
    head = head.removesuffix("-").removesuffix("+")
    symbols = _SYMBOL_COMPARATOR.findall(head)
    if len(symbols) > 1:
        raise _Unreadable("含有多个比较符号")
    comparators = {_SYMBOL_COMPARATORS[symbol] for symbol in symbols}
    subject = _QUOTES.sub("", _SYMBOL_COMPARATOR.sub("", head)).removesuffix(":")  # "三公"经费 is a name
    if subject and not _LETTER_RUN.fullmatch(subject):
        raise _Unreadable(f"数值前有无法识别的内容「{head}」")
    words = _WORD_COMPARATOR.findall(subject)
    comparators.update(_WORD_COMPARATORS[w] for w in words)
    approximate = any(word in subject for word in _APPROXIMATION_WORDS)
    qualifiers = words + [w for w in _APPROXIMATION_WORDS if w in subject]

    # After the number: 余/多, scale, 余/多, percent or unit, 以上/以下/左右, a few words.
    if tail[:1] in ("余", "多") and not tail.startswith("多于"):
        qualifiers.append(tail[:1])
    rest, approximate = _take_more_than(tail, approximate)
    scale = 1
    if not _known_unit_at(rest):  # "5千米" is kilometres, not 5000 米
        for word, factor in _SCALES.items():
            if rest.startswith(word):
                scale, rest = factor, rest[len(word) :]
                break
    if rest[:1] in ("余", "多") and not rest.startswith("多于"):
        qualifiers.append(rest[:1])
    rest, approximate = _take_more_than(rest, approximate)

    unit = None
    if rest.startswith(("%", "百分比")):
        percent, rest = True, rest.removeprefix("%").removeprefix("百分比")
    elif not percent:
        unit, rest = _take_unit(rest)

    marker = _marker_at(rest)
    while marker:
        qualifiers.append(marker)
        if _SUFFIX_MARKERS[marker] == "approximate":
            approximate = True
        else:
            comparators.add(_SUFFIX_MARKERS[marker])
        rest = rest[len(marker) :]
        marker = _marker_at(rest)
    if rest and not _LETTER_RUN.fullmatch(rest):
        raise _Unreadable(f"数值后有无法识别的内容「{rest}」")
    if len(comparators) > 1:
        raise _Unreadable(f"比较方向矛盾（{'、'.join(sorted(comparators))}）")

    number = float(Decimal(match.group().replace(",", "")) * scale * sign)
    if not math.isfinite(number):
        raise _Unreadable("数值过大")
    comparator = comparators.pop() if comparators else None
    source = None if comparator is None else ("symbol" if symbols else "words")
    return ParsedValue(text, "number", comparator=comparator, number=number, unit=unit,
                       percent=percent, approximate=approximate, scale=scale, comparator_source=source,
                       qualifier="".join(dict.fromkeys(qualifiers)) or None)


def _take_more_than(rest: str, approximate: bool) -> tuple[str, bool]:
    """余/多 right after the number ("80余宗", "3万多人") means roughly."""
    if rest.startswith(("余", "多")) and not rest.startswith("多于"):
        return rest[1:], True
    return rest, approximate


def _known_unit_at(rest: str) -> str | None:
    return next((unit for unit in _UNITS if rest.startswith(unit)), None)


def _marker_at(rest: str) -> str | None:
    return next((m for m in _SUFFIX_MARKERS if rest.startswith(m)), None)


def _take_unit(rest: str) -> tuple[str | None, str]:
    """Split ``rest`` into (unit, what follows); units may be compound ("元/人")."""
    unit = _single_unit(rest)
    if unit is None:
        return None, rest
    rest = rest[len(unit) :]
    while rest[:1] in _UNIT_JOINERS and rest[:1]:  # 元/人, 元/人*月, 元/户·年, 万元/公里: one unit, kept whole
        second = _single_unit(rest[1:])
        if second is None:
            raise _Unreadable(f"无法识别单位「{unit}{rest}」")
        unit, rest = f"{unit}{rest[0]}{second}", rest[1 + len(second) :]
    return unit, rest


def _single_unit(rest: str) -> str | None:
    known = _known_unit_at(rest)
    if known:
        return known
    run = _LETTER_RUN.match(rest)
    if not run:
        return None
    word = run.group()
    # An unknown unit must be the whole letter run (up to a 以上/以下/左右 marker):
    # without a vocabulary there is no telling where the unit ends and words begin.
    cut = min((i for i in range(len(word)) if _marker_at(word[i:])), default=len(word))
    word = word[:cut]
    if not word:
        return None
    if len(word) > 3:
        raise _Unreadable(f"无法识别单位「{word}」")
    return word


def _is_sentence(compact: str) -> bool:
    return bool(_LETTER_RUN.match(compact)) and any(c in _SENTENCE_PUNCTUATION for c in compact)


# --- quantities inside sentences -------------------------------------------------------

_QUALIFIER_WORDS = sorted([*_WORD_COMPARATORS, *_APPROXIMATION_WORDS], key=len, reverse=True)
_QUANTITY_IN_TEXT = re.compile(
    rf"(?P<word>{'|'.join(_QUALIFIER_WORDS)})?(?P<symbol>>=|<=|≥|≤|>|<|=)?(?P<number>{_NUMBER.pattern})"
    r"(?P<more>[余多](?!于))?(?P<scale>千万|百万|亿|万|千)?(?P<more2>[余多](?!于))?"
    rf"(?P<unit>%|百分比|{'|'.join(_UNITS)})?(?P<marker>及以上|以上|及以下|以下|以内|左右)?"
)


def quantities_in(value: object) -> list[ParsedValue]:
    """Every quantity a sentence holds, each as a number ``ParsedValue`` (``text`` is the part
    of the sentence it was read from; ``qualifier`` the 约/余/多/以上/高于… written with it).
    Years and dates (2021年, 12月31日) and ordinals (第3季度) are not quantities.

    >>> [(q.number, q.unit_label, q.qualifier) for q in quantities_in("经抽样调查，服务对象满意度高于90%")]
    [(90.0, '%', '高于')]
    >>> [(q.number, q.unit_label) for q in quantities_in("2021年完成，采购12台台式机、3台打印机")]
    [(12.0, '台'), (3.0, '台')]
    >>> [(q.number, q.unit_label, q.qualifier) for q in quantities_in("全年累计服务8万余人次")]
    [(80000.0, '万人次', '余')]
    """
    if not isinstance(value, str):
        return []
    compact = _compact(_normalise(value))
    dates = [m.span() for m in _DATE.finditer(compact)]
    found = []
    for match in _QUANTITY_IN_TEXT.finditer(compact):
        start, end = match.span("number")
        if any(a <= start < b for a, b in dates) or compact[max(start - 1, 0):start] == "第" or (
                match["unit"] in ("年", "月", "日") and not match["scale"]):
            continue
        scale = _SCALES.get(match["scale"] or "", 1)
        percent = match["unit"] in ("%", "百分比")
        unit = None if percent or not match["unit"] else match["unit"]
        comparator = _SYMBOL_COMPARATORS.get(match["symbol"] or "") or _WORD_COMPARATORS.get(match["word"] or "") \
            or {">=": ">=", "<=": "<="}.get(_SUFFIX_MARKERS.get(match["marker"] or ""))
        qualifier = "".join(q for q in (match["word"], match["more"], match["more2"], match["marker"]) if q) or None
        approximate = bool(match["more"] or match["more2"] or match["marker"] == "左右"
                           or match["word"] in _APPROXIMATION_WORDS)
        number = float(Decimal(match["number"].replace(",", "")) * scale)
        found.append(ParsedValue(match.group(), "number", comparator=comparator, number=number, unit=unit,
                                 percent=percent, approximate=approximate, scale=scale,
                                 comparator_source="words" if comparator else None, qualifier=qualifier))
    return found


# --- plain numeric cells ---------------------------------------------------------------

_PLAIN_NUMBER = re.compile(rf"([+-]?)({_NUMBER.pattern})(%|[{_LETTERS}]{{1,4}})?")


def _parse_number_any(value: object) -> ParsedNumber:
    if value is None:
        return ParsedNumber(None)
    text = _safe_text(value)
    if isinstance(value, bool):
        return ParsedNumber(None, "布尔值（是/否）不是数字")
    if isinstance(value, (numbers.Real, Decimal)):
        exact = _to_decimal(value)
        number = float(exact) if exact is not None and exact.is_finite() else math.nan
        if not math.isfinite(number):
            return ParsedNumber(None, f"「{text}」不是有限数字")
        return ParsedNumber(number)
    if not isinstance(value, str):
        return ParsedNumber(None, f"「{text}」不是数字（{type(value).__name__}）")
    tidy = _normalise(text)
    if not tidy or _DASHES_OR_SLASH.fullmatch(tidy):
        return ParsedNumber(None)
    # OCR and hand typing put spaces around separators: "20, 486, 523 . 78".
    compact = _compact(re.sub(r"\s*([,.])\s*", r"\1", tidy))
    match = _PLAIN_NUMBER.fullmatch(compact)
    if not match:
        return ParsedNumber(None, f"「{tidy}」不是数字")
    sign, digits, suffix = match.groups()
    if suffix and suffix[0] in "万亿千百":
        return ParsedNumber(None, f"「{tidy}」带有数量级（万/亿/千），请按表头单位填写数字")
    if suffix and suffix != "%" and suffix not in _UNITS:
        return ParsedNumber(None, f"「{tidy}」不是数字")
    number = float(Decimal(digits.replace(",", "")) * (-1 if sign == "-" else 1))
    if not math.isfinite(number):
        return ParsedNumber(None, f"「{tidy}」数值过大")
    return ParsedNumber(number)


# --- helpers ---------------------------------------------------------------------------


def _safe_text(value: object) -> str:
    """The cell as text; some objects refuse str() (huge ints, broken __str__)."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    try:
        return str(value)
    except CELL_ERRORS:
        return f"<{type(value).__name__}>"


def _normalise(text: str) -> str:
    """NFKC, fold ≧/≦, drop invisible characters, collapse whitespace, strip."""
    text = unicodedata.normalize("NFKC", text).translate(_SYMBOL_FOLDS)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":  # zero-width spaces and joiners pasted from the web
            continue
        kept.append(" " if category in ("Cc", "Zs", "Zl", "Zp") or char.isspace() else char)
    return " ".join("".join(kept).split())


def _compact(tidy: str) -> str:
    """Drop spaces except between two digits ("22 次" → "22次"; "10 20" stays two numbers)."""
    return re.sub(r"(?<![0-9]) | (?![0-9])", "", tidy)


def _to_decimal(value: object) -> Decimal | None:
    try:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, numbers.Integral):
            return Decimal(int(value))
        return Decimal(repr(float(value)))  # repr keeps 0.9574 as written, not its binary expansion
    except CELL_ERRORS:
        return None


def _format_has_percent(number_format: str | None) -> bool:
    return isinstance(number_format, str) and "%" in number_format


def _format_has_literal_percent(number_format: str | None) -> bool:
    """'0"%"' or '0\\%' shows a % sign without multiplying by 100."""
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format or "")
    return "%" not in unquoted


# A rate typed as a bare number above this is in percent points (86 means 86%): no rate a form
# records (执行率, 控制率, 满意度) is above 150% when written as a ratio.
PERCENT_POINTS_ABOVE = 1.5


def rate_as_ratio(raw: object, number: float, number_format: str | None = None) -> float:
    """The one percent rule: a rate as a ratio. ``86%`` (text, or a % number format) → 0.86;
    a bare number above 1.5 is in percent points (86 → 0.86); 0.86 stays 0.86.

    >>> rate_as_ratio("86%", 86.0), rate_as_ratio(86, 86.0), rate_as_ratio(0.86, 0.86), rate_as_ratio(1.2, 1.2)
    (0.86, 0.86, 0.86, 1.2)
    """
    written_percent = isinstance(raw, str) and ("%" in raw or "％" in raw or "百分" in raw)
    literal_percent_format = _format_has_percent(number_format) and _format_has_literal_percent(number_format)
    if written_percent or literal_percent_format or abs(number) > PERCENT_POINTS_ABOVE:
        return number / 100
    return number


def comparator_word(text: object) -> str | None:
    """The comparator a cell holding only a comparator prints (an 指标性质 / 指标方向 column):
    symbols in any width (≥ ＞ ﹦ >=) or words (大于等于, 不高于, 等于); None for anything else.

    >>> comparator_word("大于等于"), comparator_word("﹦"), comparator_word(">="), comparator_word("正向")
    ('>=', '=', '>=', None)
    """
    if not isinstance(text, str):
        return None
    compact = _compact(_normalise(text))
    if compact in _SYMBOL_COMPARATORS:
        return _SYMBOL_COMPARATORS[compact]
    return _WORD_COMPARATORS.get(compact)


def is_dash(value: object) -> bool:
    """A cell holding only a dash or slash (「—」「-」「/」): nothing written there — which in a
    target means *not written*, never 不适用 (only the words say that).

    >>> is_dash("—"), is_dash(" / "), is_dash("不适用"), is_dash(None)
    (True, True, False, False)
    """
    return isinstance(value, str) and bool(_DASHES_OR_SLASH.fullmatch(_normalise(value)))
