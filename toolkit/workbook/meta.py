"""The hidden metadata sheet: template id/version and the registry of what the tool wrote.

The registry lets a second run tell the tool's own earlier values (which it may update)
from the clerk's entries (which it never changes), and lets it clear the colour of a cell
whose flag has gone away.

Rows of the ``_jx_meta`` sheet::

    template_id | jixiao.project-self-evaluation
    profile_id  | wuhua-2023
    profile_sha256 | <SHA-256 of the profile's canonical JSON>
    profile_json.1 | {"$schema":…   (the profile's full canonical JSON, in pieces of
    profile_json.2 | …,"version":"1"}  at most PIECE_CHARS characters: see there)
    filled      | <sheet> | <cell key> | <value>
    flagged     | <sheet> | <cell key>
    noted       | <sheet> | <cell key> | <digest of the note the tool wrote there>

A cell key is the cell's anchor (``field:total_score``, ``grid:案件调查数#1:score`` …), which
stays true when the clerk inserts or deletes rows, or its A1 reference for cells without one.

Example::

    >>> reg = Registry()
    >>> reg.filled[("项目1", "H13")] = 2.76
    >>> reg.is_tool_value("项目1", "H13", 2.76), reg.is_tool_value("项目1", "H13", 2.75)
    (True, False)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field

from toolkit.core.problems import Problem
from toolkit.core.profile import (Profile, ProfileError, canonical_json, content_sha256, parse_profile_text,
                                  profile_from_bytes)

# The tool's own sheets, the same in every form kind's workbook.
META_SHEET = "_jx_meta"  # very hidden: template id/version and the registry below
CHECK_SHEET = "校验结果"  # written by 计算得分
PROBLEM_SHEET = "未解决问题"  # the last sheet of a forced export (its texts may quote form titles)
INSTRUCTIONS_SHEET = "填表说明"  # written by the template builders

# Meta key listing the template sheets as of the tool's last write (JSON list of titles): the
# Excel buttons trust printed labels on these without reading their defined names again.
TEMPLATE_SHEETS_KEY = "template_sheets"
FILLED = "filled"
FLAGGED = "flagged"
NOTED = "noted"


@dataclass
class Registry:
    filled: dict[tuple[str, str], object] = field(default_factory=dict)
    flagged: set[tuple[str, str]] = field(default_factory=set)
    # The note (comment) text the tool last wrote on a cell, as a digest: a writer that pays per
    # note (the live Excel) rewrites only notes that change.
    noted: dict[tuple[str, str], str] = field(default_factory=dict)

    def is_tool_value(self, sheet: str, key: str, value: object) -> bool:
        """Does the cell known by ``key`` still hold the value the tool wrote there?"""
        if value is None or (sheet, key) not in self.filled:
            return False
        return _same(self.filled[(sheet, key)], value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


def meta_rows_from_values(rows) -> tuple[dict[str, str], Registry]:
    """Parse the meta sheet's rows (lists of cell values)."""
    meta: dict[str, str] = {}
    registry = Registry()
    for row in rows:
        row = list(row) + [None] * 4
        kind = row[0]
        if kind == FILLED and row[1] and row[2]:
            registry.filled[(str(row[1]), str(row[2]))] = row[3]
        elif kind == FLAGGED and row[1] and row[2]:
            registry.flagged.add((str(row[1]), str(row[2])))
        elif kind == NOTED and row[1] and row[2]:
            registry.noted[(str(row[1]), str(row[2]))] = str(row[3] or "")
        elif isinstance(kind, str) and kind:
            meta[kind] = "" if row[1] is None else str(row[1])
    return meta, registry


CHECK_TITLE_MARK = "校验结果（由「计算得分」生成"  # A1 of the tool's check sheet starts so
META_FIRST_KEY = "template_id"  # A1 of the tool's (hidden) meta sheet


@dataclass(frozen=True)
class SheetInfo:
    """What tells the tool's own sheets from a clerk's: title, visibility and cell A1."""

    title: str
    visible: bool
    first: object


def is_meta_sheet(info: SheetInfo) -> bool:
    """The tool's meta sheet is hidden and starts with the template id — a clerk's sheet that is
    merely titled _jx_meta is not it."""
    return not info.visible and info.first == META_FIRST_KEY and info.title.startswith(META_SHEET)


def is_check_sheet(info: SheetInfo, meta: dict[str, str]) -> bool:
    return info.title == meta.get("check_sheet", CHECK_SHEET) and str(info.first or "").startswith(CHECK_TITLE_MARK)


def tool_sheet_titles(sheets: list[SheetInfo], meta: dict[str, str]) -> tuple[str, str, list[str]]:
    """(title of the check sheet, title of the meta sheet, notes for the clerk).

    The tool's sheets are found by what it wrote into them, never by title alone; when a clerk's
    sheet holds the title the tool wants, the clerk's sheet is left alone and the tool takes
    another title — and says so.

    >>> clerk = SheetInfo("校验结果", True, "我的核对记录")
    >>> tool_sheet_titles([clerk], {})[0], tool_sheet_titles([clerk], {})[2][0][:19]
    ('校验结果（工具）', '工作表「校验结果」是填报人自己的工作表')
    """
    titles = {info.title for info in sheets}
    notes = []
    check = next((info.title for info in sheets if is_check_sheet(info, meta)), None)
    if check is None:
        check = _free_title(CHECK_SHEET, "（工具）", titles)
        if check != CHECK_SHEET:
            notes.append(f"工作表「{CHECK_SHEET}」是填报人自己的工作表，工具未改动它；校验结果写在「{check}」。")
    meta_title = next((info.title for info in sheets if is_meta_sheet(info)), None)
    if meta_title is None:
        meta_title = _free_title(META_SHEET, "_tool", titles)
        if meta_title != META_SHEET:
            notes.append(f"工作表「{META_SHEET}」是填报人自己的工作表，工具未改动它；工具的记录写在隐藏的「{meta_title}」。")
    return check, meta_title, notes


def _free_title(wanted: str, suffix: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    candidate, number = f"{wanted}{suffix}", 2
    while candidate in taken:
        candidate, number = f"{wanted}{suffix}{number}", number + 1
    return candidate


def sheet_infos(wb) -> list[SheetInfo]:
    """:class:`SheetInfo` of every worksheet of an openpyxl workbook."""
    return [SheetInfo(ws.title, getattr(ws, "sheet_state", "visible") == "visible", _first_value(ws))
            for ws in wb.worksheets]


def _first_value(ws) -> object:
    for row in ws.iter_rows(min_row=1, max_row=1, min_col=1, max_col=1, values_only=True):
        return row[0]
    return None


def template_sheets_of(meta: dict[str, str]) -> set[str]:
    """The titles :data:`TEMPLATE_SHEETS_KEY` lists (empty when absent or damaged).

    >>> sorted(template_sheets_of({"template_sheets": '["项目1", "项目2"]'})), template_sheets_of({"template_sheets": "x"})
    (['项目1', '项目2'], set())
    """
    try:
        titles = json.loads(meta.get(TEMPLATE_SHEETS_KEY) or "[]")
    except ValueError:
        return set()
    return {title for title in titles if isinstance(title, str)} if isinstance(titles, list) else set()


def template_sheets_row(titles) -> tuple[str, str]:
    """The meta row recording ``titles`` (see :func:`template_sheets_of`).

    >>> template_sheets_row(["项目1"])
    ('template_sheets', '["项目1"]')
    """
    return TEMPLATE_SHEETS_KEY, json.dumps(list(titles), ensure_ascii=False)


def read_meta(wb) -> tuple[dict[str, str], Registry]:
    """Metadata and registry of an openpyxl workbook (empty when it has no meta sheet of the tool)."""
    for info, ws in zip(sheet_infos(wb), wb.worksheets):
        if is_meta_sheet(info):
            return meta_rows_from_values(ws.iter_rows(values_only=True))
    return {}, Registry()


def note_digest(text: str) -> str:
    """A short, stable digest of a note's text (what :attr:`Registry.noted` holds).

    >>> note_digest("【错误】得分超过分值")
    '18903b47f90b'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def meta_rows(meta: dict[str, str], registry: Registry) -> list[list[object]]:
    """The meta sheet's content as rows, the inverse of :func:`meta_rows_from_values`.

    >>> meta_rows({"template_id": "x"}, Registry(flagged={("s", "A1")}))
    [['template_id', 'x', None, None], ['flagged', 's', 'A1', None]]
    """
    rows = [[key, value, None, None] for key, value in meta.items()]
    rows += [[FILLED, sheet, ref, value] for (sheet, ref), value in sorted(registry.filled.items())]
    rows += [[FLAGGED, sheet, ref, None] for sheet, ref in sorted(registry.flagged)]
    rows += [[NOTED, sheet, ref, digest] for (sheet, ref), digest in sorted(registry.noted.items())]
    return rows


# -- the profile a workbook carries -------------------------------------------------------------

PROFILE_KEYS = ("profile_id", "profile_version", "profile_sha256")
PROFILE_JSON = "profile_json"  # rows profile_json.1, profile_json.2 … (an export's jx.profile_json: one text)
# A cell holds 32,767 characters, but older Excel refuses an array written through COM (the button
# writes the meta sheet in one block) when one of its texts is longer than 8,203: stay below both.
PIECE_CHARS = 8_000
_PIECE_KEY = re.compile(r"^profile_json\.(\d+)$")
EXPORT_ENCODING = "zlib+base64:"  # an export's property is compressed: 37 KB of JSON → ~12 KB of text


def profile_meta(profile: Profile) -> dict[str, str]:
    """The meta rows that make ``profile`` travel with its workbook: id, version, SHA-256 and the
    full canonical JSON in pieces of at most :data:`PIECE_CHARS` characters.

    >>> from toolkit.core.profile import load_profile
    >>> rows = profile_meta(load_profile("national"))
    >>> list(rows)[:4], rows["profile_sha256"] == load_profile("national").sha256
    (['profile_id', 'profile_version', 'profile_sha256', 'profile_json.1'], True)
    """
    rows = {"profile_id": profile.id, "profile_version": profile.version, "profile_sha256": profile.sha256}
    for number, piece in enumerate(_pieces(canonical_json(profile.data)), start=1):
        rows[f"{PROFILE_JSON}.{number}"] = piece
    return rows


def profile_rows(profile) -> list[tuple[str, str]]:
    """The rows a template's meta sheet gets for ``profile``: in full for a validated
    :class:`Profile`, only its id and version for a bare mapping (a doctest's stand-in).

    >>> profile_rows({"id": "x", "version": "1"})
    [('profile_id', 'x'), ('profile_version', '1')]
    """
    if isinstance(profile, Profile):
        return list(profile_meta(profile).items())
    return [("profile_id", profile["id"]), ("profile_version", profile["version"])]


def with_profile(meta: dict[str, str], profile: Profile) -> dict[str, str]:
    """``meta`` recording ``profile`` (the pieces of an earlier profile removed).

    >>> from toolkit.core.profile import load_profile
    >>> meta = with_profile({"template_id": "t", "profile_json.9": "old"}, load_profile("national"))
    >>> "profile_json.9" in meta, meta["template_id"], meta["profile_id"]
    (False, 't', 'national')
    """
    kept = {key: value for key, value in meta.items() if not _is_profile_key(key)}
    return {**kept, **profile_meta(profile)}


def _is_profile_key(key: str) -> bool:
    return key in PROFILE_KEYS or key == PROFILE_JSON or bool(_PIECE_KEY.match(key))


def _pieces(text: str) -> list[str]:
    """``text`` cut into pieces of at most PIECE_CHARS, never next to whitespace (a cell's leading
    or trailing space is the one thing a reader might trim)."""
    pieces, start = [], 0
    while len(text) - start > PIECE_CHARS:
        cut = start + PIECE_CHARS
        while cut > start + 1 and (text[cut - 1].isspace() or text[cut].isspace()):
            cut -= 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def embedded_text(meta: dict[str, str]) -> str | None:
    """The profile JSON ``meta`` carries (pieces joined in number order), None when it carries none.

    >>> embedded_text({"profile_json.2": "b}", "profile_json.1": '{"a":'})
    '{"a":b}'
    """
    if meta.get(PROFILE_JSON):
        return meta[PROFILE_JSON]
    pieces = sorted((int(match[1]), value) for key, value in meta.items() if (match := _PIECE_KEY.match(key)))
    return "".join(value for _, value in pieces) if pieces else None


def embedded_profile(meta: dict[str, str], where: str) -> Profile | None:
    """The full profile a workbook carries (meta rows, or an export's properties), validated like a
    profile file — JSON a rule can mean, the schema, the semantic checks — and refused when its
    SHA-256 is not the one recorded beside it (the JSON was edited by hand). None when the
    workbook carries no full profile (made before profiles travelled: only its id).

    Raises :class:`ProfileError` naming the workbook (``where``).

    >>> from toolkit.core.profile import load_profile
    >>> embedded_profile(profile_meta(load_profile("national")), "a.xlsx").origin
    'embedded'
    >>> embedded_profile({}, "a.xlsx") is None
    True
    """
    text = embedded_text(meta)
    if text is None:
        return None
    source = f"{where} 内嵌的规则配置「{meta.get('profile_id', '?')}」"
    raw = text.encode("utf-8", "surrogatepass")
    recorded, actual = meta.get("profile_sha256", ""), content_sha256(parse_profile_text(raw, source))
    if recorded != actual:  # checked before the rules: an edited profile is reported as edited
        raise ProfileError(source, [Problem(
            "profile_tampered", "error", f"{where}（_jx_meta：profile_json）",
            f"工作簿内嵌的规则配置内容与记录的 SHA-256 不符（记录 {recorded[:12] or '（空）'}…，"
            f"按内容计算 {actual[:12]}…）：规则配置在工作簿中被改动过，不能使用。"
            "请用 --profile 指定应使用的规则配置，或从模板重新生成工作簿")])
    return profile_from_bytes(raw, source, origin="embedded")


def export_profile_text(profile: Profile) -> str:
    """An export's ``jx.profile_json`` property: the canonical JSON compressed (an export holds it
    in document properties of 240 characters each).

    >>> from toolkit.core.profile import load_profile
    >>> text = export_profile_text(load_profile("national"))
    >>> text.startswith(EXPORT_ENCODING), decode_export_profile(text) == canonical_json(load_profile("national").data)
    (True, True)
    """
    packed = zlib.compress(canonical_json(profile.data).encode("utf-8"), 9)
    return EXPORT_ENCODING + base64.b64encode(packed).decode("ascii")


def decode_export_profile(text: str) -> str:
    """The JSON an export's ``jx.profile_json`` holds (text that does not decode is returned as it
    is, and then fails validation with its own message)."""
    if not text.startswith(EXPORT_ENCODING):
        return text
    try:
        return zlib.decompress(base64.b64decode(text[len(EXPORT_ENCODING):], validate=True)).decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        return text


def export_profile_meta(props: dict[str, str]) -> dict[str, str]:
    """Meta rows of the profile an export carries, from its custom properties (``jx.*`` names,
    long values in pieces ``.p1``, ``.p2`` … as :mod:`toolkit.submission.fingerprint` writes them).

    >>> from toolkit.core.profile import load_profile
    >>> national = load_profile("national")
    >>> props = {"jx.profile_id": "national", "jx.profile_sha256": national.sha256,
    ...          "jx.profile_json": export_profile_text(national)}
    >>> embedded_profile(export_profile_meta(props), "x.xlsx").id
    'national'
    """
    meta = {key: props[f"jx.{key}"] for key in PROFILE_KEYS if f"jx.{key}" in props}
    name = f"jx.{PROFILE_JSON}"
    pieces = sorted((int(key.rsplit(".p", 1)[1]), value) for key, value in props.items()
                    if key.startswith(name + ".p") and key.rsplit(".p", 1)[1].isdigit())
    text = props.get(name) or "".join(value for _, value in pieces)
    if text:
        meta[PROFILE_JSON] = decode_export_profile(text)
    return meta
