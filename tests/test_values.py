"""Tests for toolkit.core.values: every value form of the domain brief, plus property tests."""

import datetime
import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toolkit.core.values
from toolkit.core.values import ParsedNumber, ParsedValue, parse_indicator_value, parse_number

# (cell text, expected fields). Fields not named must keep their defaults.
NUMBER_FORMS = [
    # --- targets (年度指标值) as written in the seeds
    ("≥95%", dict(comparator=">=", number=95.0, percent=True)),
    ("≧95%", dict(comparator=">=", number=95.0, percent=True)),
    ("大于等于90%", dict(comparator=">=", number=90.0, percent=True)),
    ("大于等于 90%", dict(comparator=">=", number=90.0, percent=True)),
    ("≤100%", dict(comparator="<=", number=100.0, percent=True)),
    ("≥6 次", dict(comparator=">=", number=6.0, unit="次")),
    ("≥90 分", dict(comparator=">=", number=90.0, unit="分")),
    ("约 24000 份", dict(number=24000.0, unit="份", approximate=True)),
    ("20", dict(number=20.0)),
    ("27人", dict(number=27.0, unit="人")),
    ("14宗", dict(number=14.0, unit="宗")),
    ("29台", dict(number=29.0, unit="台")),
    ("30.68万份", dict(number=306800.0, unit="份")),
    ("1788万页", dict(number=17880000.0, unit="页")),
    ("预计完成43万人次转移", dict(number=430000.0, unit="人次", approximate=True)),
    ("满意度≥95%", dict(comparator=">=", number=95.0, percent=True)),
    ("0.84万元", dict(number=8400.0, unit="元")),
    ("99490.00元", dict(number=99490.0, unit="元")),
    ("≥100百分比", dict(comparator=">=", number=100.0, percent=True)),
    # --- actuals (实际完成值)
    ("22 次", dict(number=22.0, unit="次")),
    ("约46万人次", dict(number=460000.0, unit="人次", approximate=True)),
    ("95.74%", dict(number=95.74, percent=True)),
    ("100", dict(number=100.0)),  # percent sign forgotten: a flag for the scorer, not a guess here
    ("98.5 分", dict(number=98.5, unit="分")),
    ("0", dict(number=0.0)),
    ("30.5万份", dict(number=305000.0, unit="份")),
    ("25000 份", dict(number=25000.0, unit="份")),
    # --- full-width and other symbol variants
    ("９５％", dict(number=95.0, percent=True)),
    ("＞９０％", dict(comparator=">", number=90.0, percent=True)),
    ("≦１００％", dict(comparator="<=", number=100.0, percent=True)),
    ("＝100%", dict(comparator="=", number=100.0, percent=True)),
    (">=95%", dict(comparator=">=", number=95.0, percent=True)),
    ("<=100%", dict(comparator="<=", number=100.0, percent=True)),
    ("<5%", dict(comparator="<", number=5.0, percent=True)),
    ("⩾95%", dict(comparator=">=", number=95.0, percent=True)),
    # --- comparator words, prefix and suffix
    ("不低于95%", dict(comparator=">=", number=95.0, percent=True)),
    ("不少于3次", dict(comparator=">=", number=3.0, unit="次")),
    ("至少2次", dict(comparator=">=", number=2.0, unit="次")),
    ("不小于90分", dict(comparator=">=", number=90.0, unit="分")),
    ("高于90%", dict(comparator=">", number=90.0, percent=True)),
    ("超过100人", dict(comparator=">", number=100.0, unit="人")),
    ("不超过100%", dict(comparator="<=", number=100.0, percent=True)),
    ("不高于5%", dict(comparator="<=", number=5.0, percent=True)),
    ("小于等于100%", dict(comparator="<=", number=100.0, percent=True)),
    ("低于5%", dict(comparator="<", number=5.0, percent=True)),
    ("等于100%", dict(comparator="=", number=100.0, percent=True)),
    ("95%以上", dict(comparator=">=", number=95.0, percent=True)),
    ("95%及以上", dict(comparator=">=", number=95.0, percent=True)),
    ("5%以下", dict(comparator="<=", number=5.0, percent=True)),
    ("3天以内", dict(comparator="<=", number=3.0, unit="天")),
    ("3个工作日内", dict(comparator="<=", number=3.0, unit="个工作日")),
    ("20人左右", dict(number=20.0, unit="人", approximate=True)),
    ("≥95%以上", dict(comparator=">=", number=95.0, percent=True)),  # said twice, same direction
    # --- subject words, approximation, scaling, separators
    ("完成率100%", dict(number=100.0, percent=True)),
    ("达到95%", dict(comparator=">=", number=95.0, percent=True)),  # 达到 states the direction
    # No length limit on the words around the number.
    ("参保人对转移的数据录入基本满意度≥95%", dict(comparator=">=", number=95.0, percent=True)),
    ("5人参加了本次培训活动", dict(number=5.0, unit="人")),
    ("完成率:100%", dict(number=100.0, percent=True)),
    ("大约300人", dict(number=300.0, unit="人", approximate=True)),
    ("近50户", dict(number=50.0, unit="户", approximate=True)),
    ("估计2万元", dict(number=20000.0, unit="元", approximate=True)),
    ("80余宗", dict(number=80.0, unit="宗", approximate=True)),
    ("3万多人", dict(number=30000.0, unit="人", approximate=True)),
    ("1.5亿元", dict(number=150000000.0, unit="元")),
    ("3千份", dict(number=3000.0, unit="份")),
    ("43万", dict(number=430000.0)),
    ("5千米", dict(number=5.0, unit="千米")),  # a unit, not 5000 米
    ("2,340,000.00", dict(number=2340000.0)),
    ("2,340,000.00元", dict(number=2340000.0, unit="元")),
    ("百分之95", dict(number=95.0, percent=True)),
    ("-5%", dict(number=-5.0, percent=True)),
    ("12km", dict(number=12.0, unit="km")),
    ("50元/人", dict(number=50.0, unit="元/人")),
    ("100%完成", dict(number=100.0, percent=True)),
    ("  ≥ 95 %  ", dict(comparator=">=", number=95.0, percent=True)),
    ("≥95%。", dict(comparator=">=", number=95.0, percent=True)),
]

QUALITATIVE_FORMS = [
    ("及时", "及时"),
    ("准确", "准确"),
    ("合格", "合格"),
    ("有效保障", "有效保障"),
    ("正常", "正常"),
    ("增强", "增强"),
    ("提升", "提升"),
    ("按标准", "按标准"),
    ("不超标准", "不超标准"),
    ("档案整理标准", "档案整理标准"),
    ("有效送达", "有效送达"),
    ("收费标准", "收费标准"),
    ("及时性", "及时性"),
    ("达成预期指标", "达成预期指标"),
    ("已按进度完成", "已按进度完成"),
    ("档案整理按合同标准费用", "档案整理按合同标准费用"),
    ("完成，采购12台台式机、3台打印机", "完成,采购12台台式机、3台打印机"),
    ("完成，采购12台台式机", "完成,采购12台台式机"),
    ("  有效   保障 ", "有效 保障"),
    ("ＯＫ", "OK"),
]

NOT_APPLICABLE_FORMS = ["不适用", " 不适用 ", "N/A", "n/a", "NA", "无此项", "—", "——", "-", "/", "－"]

EMPTY_FORMS = [None, "", "   ", "\t\n", "\u3000"]

UNPARSEABLE_FORMS = [
    ("90-95%", "多个数值"),
    ("3至5次", "多个数值"),
    ("1.2.3", "多个数值"),
    ("10 20", "多个数值"),
    ("百分之九十五", "中文数字"),
    ("≥%", "没有阿拉伯数字"),
    ("%%", "没有阿拉伯数字"),
    ("???", "无法识别"),
    ("≥95%以下", "矛盾"),
    ("≥≤95%", "多个比较符号"),
    ("≥95%（含）", "数值后"),
    ("5颗种子树苗", "无法识别单位"),
    ("≥95%%", "数值后有无法识别的内容"),
]


@pytest.mark.parametrize(("cell", "expected"), NUMBER_FORMS)
def test_numeric_forms(cell, expected):
    parsed = parse_indicator_value(cell)
    defaults = dict(comparator=None, unit=None, percent=False, approximate=False, label=None, reason=None)
    assert parsed == ParsedValue(text=cell, kind="number", **{**defaults, **expected})


@pytest.mark.parametrize(("cell", "label"), QUALITATIVE_FORMS)
def test_qualitative_forms(cell, label):
    assert parse_indicator_value(cell) == ParsedValue(text=cell, kind="qualitative", label=label)


@pytest.mark.parametrize("cell", NOT_APPLICABLE_FORMS)
def test_not_applicable_forms(cell):
    assert parse_indicator_value(cell) == ParsedValue(text=cell, kind="not_applicable")


@pytest.mark.parametrize("cell", EMPTY_FORMS)
def test_empty_forms(cell):
    assert parse_indicator_value(cell) == ParsedValue(text=cell or "", kind="empty")


@pytest.mark.parametrize(("cell", "reason_part"), UNPARSEABLE_FORMS)
def test_unparseable_forms_say_why(cell, reason_part):
    parsed = parse_indicator_value(cell)
    assert parsed.kind == "unparseable"
    assert parsed.text == cell
    assert reason_part in parsed.reason
    assert parsed.number is None and parsed.label is None


def test_people_and_person_visits_stay_distinct():
    assert parse_indicator_value("27人").unit == "人"
    assert parse_indicator_value("27人次").unit == "人次"


@pytest.mark.parametrize(
    ("cell", "number_format", "number", "percent"),
    [
        (100, None, 100.0, False),
        (0, None, 0.0, False),
        (98.5, "General", 98.5, False),
        (0.95, "0%", 95.0, True),
        (0.9574, "0.00%", 95.74, True),
        (95, '0"%"', 95.0, True),  # a literal % sign in the format does not multiply
        (Decimal("0.5"), None, 0.5, False),
    ],
)
def test_numeric_cells(cell, number_format, number, percent):
    parsed = parse_indicator_value(cell, number_format)
    assert parsed == ParsedValue(text=str(cell), kind="number", number=number, percent=percent)


ODD_CELLS = [True, False, float("nan"), float("inf"), Decimal("sNaN"), 10**5000, datetime.date(2021, 3, 5), [1], object()]


@pytest.mark.parametrize("cell", ODD_CELLS, ids=[type(cell).__name__ for cell in ODD_CELLS])
def test_odd_cells_are_unparseable(cell):
    parsed = parse_indicator_value(cell)
    assert parsed.kind == "unparseable" and parsed.reason


def test_dates_are_flagged_as_possible_excel_conversions():
    parsed = parse_indicator_value(datetime.datetime(2021, 5, 3))
    assert parsed.kind == "unparseable" and "日期" in parsed.reason


def test_broken_str_does_not_raise():
    class Broken:
        def __str__(self):
            raise RuntimeError("no")

    assert parse_indicator_value(Broken()).kind == "unparseable"
    assert parse_number(Broken()).value is None


# --- parse_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (10, 10.0),
        (2339996.0, 2339996.0),
        (Decimal("0.86"), 0.86),
        ("2,340,000.00", 2340000.0),
        ("2340000.00", 2340000.0),
        ("１０", 10.0),
        (" 10 ", 10.0),
        ("10分", 10.0),
        ("10 分", 10.0),
        ("2340000元", 2340000.0),
        ("86%", 86.0),  # kept as written; the caller knows whether the cell is a rate
        ("0.86", 0.86),
        ("-3.5", -3.5),
        ("20, 486, 523 . 78", 20486523.78),  # spaces around separators, as in seed 000
    ],
)
def test_parse_number_reads_numbers(cell, value):
    assert parse_number(cell) == ParsedNumber(value)


@pytest.mark.parametrize("cell", [None, "", "  ", "—", "——", "-", "/"])
def test_parse_number_blank_cells(cell):
    assert parse_number(cell) == ParsedNumber(None, None)


@pytest.mark.parametrize(
    "cell", ["约十万", "abc", "1.2.3", "10abc", "1,23", "0.84万元", True, float("nan"), float("inf"), "1 000"]
)
def test_parse_number_explains_refusals(cell):
    parsed = parse_number(cell)
    assert parsed.value is None and parsed.reason


def test_parse_number_reason_quotes_the_cell():
    assert parse_number("abc").reason == "「abc」不是数字"


# --- properties ----------------------------------------------------------------------------

ANY_CELL = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
)


@given(st.text())
def test_text_never_raises_and_keeps_the_text(cell):
    parsed = parse_indicator_value(cell)
    assert parsed.text == cell
    assert (parsed.kind == "unparseable") == (parsed.reason is not None)
    assert (parsed.kind == "qualitative") == (parsed.label is not None)
    assert (parsed.kind == "number") == (parsed.number is not None)
    assert not (parsed.reason or "").startswith("内部错误")  # the safety net must stay unused
    number = parse_number(cell)
    assert isinstance(number, ParsedNumber) and not (number.reason or "").startswith("内部错误")


@given(st.text(alphabet=st.sampled_from("0123456789.,%万千亿 ≥≤><=约人次份台元分以上下内左右-/—：:，、预计满意度百分之比")))
def test_value_like_text_never_raises(cell):
    assert parse_indicator_value(cell).text == cell
    parsed = parse_number(cell)
    assert parsed.value is None or isinstance(parsed.value, float)


@given(ANY_CELL, st.one_of(st.none(), st.sampled_from(["General", "0%", "0.00%", '0"%"']), st.text()))
def test_any_object_never_raises(cell, number_format):
    parsed = parse_indicator_value(cell, number_format)
    assert isinstance(parsed, ParsedValue)
    if isinstance(cell, str):
        assert parsed.text == cell
    elif cell is None:
        assert parsed.text == ""
    elif not isinstance(cell, int) or abs(cell) < 10**100:
        assert parsed.text == str(cell)
    number = parse_number(cell)
    assert isinstance(number, ParsedNumber)
    assert number.value is None or isinstance(number.value, float)


PREFIX_COMPARATORS = [
    ("", None), ("≥", ">="), ("≧", ">="), (">=", ">="), ("＞", ">"), (">", ">"), ("≤", "<="),
    ("≦", "<="), ("<=", "<="), ("<", "<"), ("=", "="), ("大于等于", ">="), ("不低于", ">="),
    ("不少于", ">="), ("至少", ">="), ("不小于", ">="), ("大于", ">"), ("高于", ">"), ("超过", ">"),
    ("多于", ">"), ("达到", ">="), ("小于等于", "<="), ("不高于", "<="), ("不超过", "<="), ("不大于", "<="),
    ("不多于", "<="), ("小于", "<"), ("低于", "<"), ("少于", "<"), ("等于", "="),
]
SUFFIX_COMPARATORS = [("", None), ("以上", ">="), ("以下", "<="), ("以内", "<=")]
UNITS = ["份", "人次", "人", "台", "宗", "次", "页", "元", "分", "个", "项", "天", "户", "km"]


@settings(max_examples=300)
@given(
    subject=st.sampled_from(["", "满意度", "完成率", "累计"]),  # 达到 is a comparator word (→ ≥)
    prefix=st.sampled_from(PREFIX_COMPARATORS),
    suffix=st.sampled_from(SUFFIX_COMPARATORS),
    amount=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    thousands=st.booleans(),
    scaled=st.booleans(),
    unit=st.one_of(st.none(), st.just("%"), st.sampled_from(UNITS)),
    spaced=st.booleans(),
    full_width=st.booleans(),
)
def test_well_formed_values_round_trip(subject, prefix, suffix, amount, thousands, scaled, unit, spaced, full_width):
    (prefix_text, prefix_comparator), (suffix_text, suffix_comparator) = prefix, suffix
    if prefix_comparator and suffix_comparator and prefix_comparator != suffix_comparator:
        suffix_text, suffix_comparator = "", None  # contradictions are tested elsewhere
    scaled = scaled and unit != "%"
    digits = format(amount, ",f" if thousands else "f")
    if full_width:
        digits = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    gap = " " if spaced else ""
    cell = f"{subject}{prefix_text}{gap}{digits}{'万' if scaled else ''}{gap}{unit or ''}{suffix_text}"

    parsed = parse_indicator_value(cell)

    assert parsed.kind == "number", (cell, parsed)
    assert parsed.text == cell
    assert parsed.comparator == (prefix_comparator or suffix_comparator)
    assert parsed.number == float(amount * (10_000 if scaled else 1))
    assert parsed.percent == (unit == "%")
    assert parsed.unit == (None if unit in (None, "%") else unit)
    assert parsed.approximate is False


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False), st.booleans())
def test_parse_number_round_trips(amount, thousands):
    assert parse_number(format(amount, ",f" if thousands else "f")).value == float(amount)


def test_doctests_pass():
    failures, tests = doctest.testmod(toolkit.core.values)
    assert tests > 0 and failures == 0


@pytest.mark.parametrize(("cell", "months", "comparator"), [
    ("2021年12月31日前完成", 2021 * 12 + 11 + 30 / 31, "<="),  # a deadline: done by then
    ("2021年12月完成", 2021 * 12 + 11, "<="),  # 宁夏 2021: 公用经费完成时间, target and actual alike
    ("2023年6月底前", 2023 * 12 + 5 + 30 / 31, "<="),
    ("2021年12月", 2021 * 12 + 11, None),
])
def test_dates_are_values_that_compare(cell, months, comparator):
    parsed = parse_indicator_value(cell)
    assert (parsed.kind, parsed.date, parsed.comparator) == ("number", True, comparator)
    assert parsed.number == pytest.approx(months)


@pytest.mark.parametrize(("cell", "number", "comparator"), [
    ("9月前", 9, "<="), ("11月底前", 11, "<="), ("7月", 7, None),  # 安徽金寨 2023: 验收时间
])
def test_months_before_are_deadlines(cell, number, comparator):
    parsed = parse_indicator_value(cell)
    assert (parsed.number, parsed.unit, parsed.comparator) == (number, "月", comparator)


@pytest.mark.parametrize(("cell", "unit"), [
    (">=530元/人*月", "元/人*月"), ("5830元/户", "元/户"), ("10万元/公里", "元/公里"), ("300元/户·年", "元/户·年"),
])
def test_compound_units_are_kept_whole(cell, unit):  # 安徽濉溪 2019
    assert parse_indicator_value(cell).unit == unit


def test_a_range_of_months_is_not_a_date():
    assert parse_indicator_value("2021年1-12月").kind == "qualitative"

