"""The fingerprint of a submission export: what was exported, so any later hand edit shows.

An export (:mod:`toolkit.submission.export`) has no hidden sheet, so the fingerprint lives in the
workbook's **custom document properties** (``docProps/custom.xml``, openpyxl
``wb.custom_doc_props``), all named ``jx.*``, all of type text. Excel shows at most 255
characters of a text property, so a longer value is stored in pieces ``<name>.p1``,
``<name>.p2`` … (each ≤ 240 characters) that are concatenated back in order.

Canonical serialisation (version ``jixiao-export/1``)
---------------------------------------------------

The workbook is serialised to lines, UTF-8 encoded, lines joined by ``"\\n"`` (no final
newline):

* for every worksheet, in workbook order, a line ``S<TAB><title>``, then
* for every non-empty cell of that sheet, rows ascending, columns ascending within a row,
  a line ``<REF><TAB><tag><TAB><text>``, where ``REF`` is the A1 reference (``H13``) and

  ====  ============================  ====================================================
  tag   cell                          text
  ====  ============================  ====================================================
  n     number (int, float, Decimal)  ``format(float(v), ".15g")`` (Excel keeps 15
                                      significant digits; ``-0`` → ``0``), so 10 and
                                      10.0 are the same value
  s     text                          the text with ``\\r\\n`` and ``\\r`` → ``\\n``, then
                                      ``\\`` → ``\\\\``, TAB → ``\\t``, LF → ``\\n``
  b     boolean                       ``TRUE`` / ``FALSE``
  d     date / datetime / time        ISO 8601 ``YYYY-MM-DDTHH:MM:SS`` (a date is taken
                                      at midnight; a time alone is ``THH:MM:SS``)
  f     formula (never in an export)  the formula text, escaped like ``s``
  ====  ============================  ====================================================

  "Empty" is ``None`` or the empty string; whitespace is content. A number that is not
  finite serialises as ``inf``, ``-inf`` or ``nan``, but an export never holds one, and every
  value is stored before it is fingerprinted as the saved file will read it (16 significant
  digits; a date in a cell not formatted as a date is its serial number; dates and times to
  the second): see :func:`toolkit.submission.export.as_stored`. Error values (``#NUM!``)
  serialise as text (tag ``s``).

``jx.sha256`` is the SHA-256 (hex) of the whole serialisation. To *locate* a change the
fingerprint also keeps, per sheet ``i`` (1-based, workbook order):

* ``jx.sheet.<i>.name`` — the title; ``jx.sheet.<i>.sha256`` — SHA-256 of that sheet's
  lines (its ``S`` line included);
* ``jx.sheet.<i>.rows`` — ``<row>:<digest>`` for every non-empty row, comma separated, the
  digest being the first 8 hex digits of the SHA-256 of that row's cell lines;
* ``jx.sheet.<i>.scores`` — compact JSON ``{"H13": "n\\t2.76", …}``: the canonical
  ``tag<TAB>text`` of every **score cell** as exported (执行率得分、各指标得分、总分、等级).

A changed row whose digest comes back when its score cells are set back to the exported
values changed *only* in score cells: :func:`locate_changes` names those cells
(``kind="score"``). Any other difference is reported per row (``kind="content"``) or per
sheet (``sheet_missing`` / ``sheet_added`` / ``order``). The overall hash is what proves
integrity; the row digests only say where.

Other properties: ``jx.format`` (``jixiao-export/1``), ``jx.template_id``,
``jx.template_version``, ``jx.profile_id``, ``jx.profile_version``, ``jx.profile_sha256``,
``jx.toolkit_version``, ``jx.exported_at`` (ISO 8601, Beijing time with its offset:
``2021-12-31T22:23:05+08:00``), ``jx.status`` (``clean`` or ``含未解决问题`` for a forced
export), ``jx.sheets`` (the count).

On paper: every printed page of an export carries, in its footer, the **short fingerprint**
(:func:`short`, the first :data:`SHORT_LEN` hex digits of ``jx.sha256``) and the export time, so a
stamped paper copy can be matched to its file (``jixiao collect`` lists each file's full
``jx.sha256``; the paper shows its beginning). Headers and footers are page setup, not cell
content: they are outside the fingerprint.

Example::

    >>> from openpyxl import Workbook
    >>> wb = Workbook(); ws = wb.active; ws.title = "项目1"
    >>> ws["A1"], ws["H13"] = "项目名称", 2.76
    >>> canonical_lines(wb)
    ['S\\t项目1', 'A1\\ts\\t项目名称', 'H13\\tn\\t2.76']
    >>> fp = compute(wb, {"项目1": ["H13"]}, {"jx.template_id": "t"})
    >>> write_properties(wb, fp); read_properties(wb)["jx.sha256"] == fp["jx.sha256"]
    True
    >>> ws["H13"] = 5
    >>> [(c.kind, c.sheet, c.ref) for c in locate_changes(read_properties(wb), wb)]
    [('score', '项目1', 'H13')]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

FORMAT = "jixiao-export/1"
PREFIX = "jx."
PIECE = 240
ROW_DIGEST_LEN = 8
SHORT_LEN = 12  # hex digits of jx.sha256 printed in the footer of every exported page


def short(sha256: str) -> str:
    """The short fingerprint printed on paper: the first :data:`SHORT_LEN` hex digits.

    >>> short("1a2b3c4d5e6f7a8b" + "0" * 48)
    '1a2b3c4d5e6f'
    """
    return sha256[:SHORT_LEN]


# -- canonical serialisation ---------------------------------------------------------------

def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def canonical_value(value: object, data_type: str | None = None) -> str | None:
    """``tag<TAB>text`` of one cell value, or None for an empty cell.

    >>> canonical_value(10), canonical_value(10.0), canonical_value("=1+1")
    ('n\\t10', 'n\\t10', 's\\t=1+1')
    >>> canonical_value("=SUM(A1)", "f"), canonical_value(None), canonical_value("")
    ('f\\t=SUM(A1)', None, None)
    """
    if value is None or value == "":
        return None
    if data_type == "f":
        return "f\t" + _escape(str(value))
    if isinstance(value, bool):
        return "b\t" + ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float, Decimal)):
        text = format(float(value), ".15g")
        return "n\t" + ("0" if text == "-0" else text)
    if isinstance(value, _dt.datetime):
        return "d\t" + value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, _dt.date):
        return "d\t" + _dt.datetime.combine(value, _dt.time()).isoformat()
    if isinstance(value, _dt.time):
        return "d\tT" + value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, _dt.timedelta):
        return "n\t" + format(value.total_seconds() / 86400, ".15g")
    return "s\t" + _escape(str(value))


def _sheet_cells(ws) -> dict[int, list[tuple[str, str]]]:
    """Row → [(ref, canonical)] of the sheet's non-empty cells, in order.

    Works on normal and read-only (streaming) openpyxl worksheets.
    """
    rows: dict[int, list[tuple[str, str]]] = {}
    if hasattr(ws, "_cells"):
        cells = (cell for _key, cell in sorted(ws._cells.items()))
    else:
        cells = (cell for row in ws.iter_rows() for cell in row)
    for cell in cells:
        text = canonical_value(cell.value, getattr(cell, "data_type", None))
        if text is not None:
            rows.setdefault(cell.row, []).append((cell.coordinate, text))
    return rows


def workbook_cells(wb) -> list[tuple[str, dict[int, list[tuple[str, str]]]]]:
    """(title, rows) for every worksheet — read once, shared by the functions below."""
    return [(ws.title, _sheet_cells(ws)) for ws in wb.worksheets]


def _sheet_lines(title: str, rows: dict[int, list[tuple[str, str]]]) -> list[str]:
    lines = ["S\t" + _escape(title)]
    for _row, cells in sorted(rows.items()):
        lines.extend(_row_lines(cells))
    return lines


def _row_lines(cells: list[tuple[str, str]]) -> list[str]:
    return [f"{ref}\t{text}" for ref, text in cells]


def canonical_lines(wb, cells=None) -> list[str]:
    """The canonical serialisation of an openpyxl workbook, line by line (see module doc)."""
    lines: list[str] = []
    for title, rows in (cells if cells is not None else workbook_cells(wb)):
        lines.extend(_sheet_lines(title, rows))
    return lines


def _sha(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _row_digest(cells: list[tuple[str, str]]) -> str:
    return _sha(_row_lines(cells))[:ROW_DIGEST_LEN]


def content_sha256(wb, cells=None) -> str:
    """SHA-256 (hex) over :func:`canonical_lines`.

    >>> from openpyxl import Workbook
    >>> len(content_sha256(Workbook()))
    64
    """
    return _sha(canonical_lines(wb, cells))


# -- computing and storing ---------------------------------------------------------------

def compute(wb, score_cells: dict[str, list[str]], info: dict[str, str]) -> dict[str, str]:
    """All ``jx.*`` properties for ``wb`` as it is now.

    ``score_cells`` maps a sheet title to its score cells; ``info`` adds the descriptive
    properties (template, profile, toolkit version, export time, status).

    >>> from openpyxl import Workbook
    >>> fp = compute(Workbook(), {}, {"jx.profile_id": "national"})
    >>> fp["jx.format"], fp["jx.sheets"], fp["jx.profile_id"]
    ('jixiao-export/1', '1', 'national')
    """
    props = {PREFIX + "format": FORMAT}
    props.update(info)
    props[PREFIX + "sha256"] = content_sha256(wb)
    props[PREFIX + "sheets"] = str(len(wb.worksheets))
    for index, ws in enumerate(wb.worksheets, start=1):
        rows = _sheet_cells(ws)
        lines = ["S\t" + _escape(ws.title)]
        for _row, cells in sorted(rows.items()):
            lines.extend(_row_lines(cells))
        key = f"{PREFIX}sheet.{index}."
        props[key + "name"] = ws.title
        props[key + "sha256"] = _sha(lines)
        props[key + "rows"] = ",".join(f"{row}:{_row_digest(cells)}" for row, cells in sorted(rows.items()))
        scores = {}
        for ref in score_cells.get(ws.title, []):
            text = canonical_value(ws[ref].value, ws[ref].data_type)
            scores[ref] = text if text is not None else ""
        props[key + "scores"] = json.dumps(scores, ensure_ascii=False, separators=(",", ":"))
    return props


def write_properties(wb, props: dict[str, str]) -> None:
    """Store ``props`` as custom document properties, splitting long values into pieces."""
    from openpyxl.packaging.custom import StringProperty

    existing = [p for p in wb.custom_doc_props if not p.name.startswith(PREFIX)]
    wb.custom_doc_props.props = existing
    for name, value in props.items():
        value = "" if value is None else str(value)
        if len(value) <= PIECE:
            wb.custom_doc_props.append(StringProperty(name=name, value=value))
            continue
        for number, start in enumerate(range(0, len(value), PIECE), start=1):
            wb.custom_doc_props.append(StringProperty(name=f"{name}.p{number}", value=value[start:start + PIECE]))


def read_properties(wb) -> dict[str, str]:
    """The ``jx.*`` custom properties of ``wb``, pieces joined (empty dict when none).

    >>> from openpyxl import Workbook
    >>> read_properties(Workbook())
    {}
    """
    raw = {p.name: ("" if p.value is None else str(p.value)) for p in wb.custom_doc_props
           if p.name and p.name.startswith(PREFIX)}
    props: dict[str, str] = {}
    pieces: dict[str, dict[int, str]] = {}
    for name, value in raw.items():
        base, _, tail = name.rpartition(".p")
        if base and tail.isdigit():
            pieces.setdefault(base, {})[int(tail)] = value
        else:
            props[name] = value
    for base, parts in pieces.items():
        props[base] = "".join(parts[n] for n in sorted(parts))
    return props


# -- verifying ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One located difference between the fingerprint and the workbook.

    ``kind``: ``score`` (a score cell: ``ref``, ``old`` and ``new`` are set), ``content`` (a
    row's other content: ``row`` is set), ``sheet_missing``, ``sheet_added`` or ``order``.
    ``old``/``new`` are canonical ``tag<TAB>text`` strings ("" when empty).
    """

    kind: str
    sheet: str
    ref: str | None = None
    row: int | None = None
    old: str | None = None
    new: str | None = None

    @property
    def old_value(self) -> str:
        """The exported value as text (without its tag).

        >>> Change("score", "s", "H13", old="n\\t2.76", new="n\\t5").old_value
        '2.76'
        """
        return (self.old or "").partition("\t")[2]

    @property
    def new_value(self) -> str:
        return (self.new or "").partition("\t")[2]


def stored_sheets(props: dict[str, str]) -> list[dict]:
    """The per-sheet records of a read fingerprint: name, sha256, rows, scores.

    >>> stored_sheets({"jx.sheets": "1", "jx.sheet.1.name": "项目1", "jx.sheet.1.scores": "{}"})[0]["name"]
    '项目1'
    """
    sheets = []
    try:
        count = int(props.get(PREFIX + "sheets", "0"))
    except ValueError:
        count = 0
    for index in range(1, count + 1):
        key = f"{PREFIX}sheet.{index}."
        rows = {}
        for part in filter(None, props.get(key + "rows", "").split(",")):
            row, _, digest = part.partition(":")
            if row.isdigit():
                rows[int(row)] = digest
        try:
            scores = json.loads(props.get(key + "scores") or "{}")
        except json.JSONDecodeError:
            scores = {}
        sheets.append({"name": props.get(key + "name", ""), "sha256": props.get(key + "sha256", ""),
                       "rows": rows, "scores": scores})
    return sheets


def locate_changes(props: dict[str, str], wb) -> list[Change]:
    """Where ``wb`` differs from the fingerprint ``props`` (empty list: it matches)."""
    book = workbook_cells(wb)
    if props.get(PREFIX + "sha256") == content_sha256(wb, book):
        return []
    changes: list[Change] = []
    stored = stored_sheets(props)
    names = [title for title, _rows in book]
    by_title = dict(book)
    for record in stored:
        name = record["name"]
        if name not in by_title:
            changes.append(Change("sheet_missing", name))
            continue
        rows = by_title[name]
        if _sha(_sheet_lines(name, rows)) == record["sha256"]:
            continue
        scores: dict[str, str] = record["scores"]
        score_rows: dict[int, dict[str, str]] = {}
        for ref, text in scores.items():
            row_number = int("".join(ch for ch in ref if ch.isdigit()))
            score_rows.setdefault(row_number, {})[ref] = text
        for row in sorted(set(rows) | set(record["rows"])):
            cells = rows.get(row, [])
            expected = record["rows"].get(row)
            current = _row_digest(cells) if cells else None
            if current == expected:
                continue
            now = dict(cells)
            row_scores = score_rows.get(row, {})
            changed_scores = [ref for ref, old in row_scores.items() if now.get(ref, "") != old]
            # Put the exported score values back: if the row digest returns, only scores changed.
            restored = {ref: text for ref, text in cells if ref not in row_scores}
            restored.update({ref: old for ref, old in row_scores.items() if old})
            restored_cells = sorted(restored.items(), key=lambda item: _col_key(item[0]))
            only_scores = bool(changed_scores) and (
                _row_digest(restored_cells) == expected if restored_cells else expected is None)
            for ref in sorted(changed_scores, key=_col_key):
                changes.append(Change("score", name, ref=ref, row=row, old=row_scores[ref], new=now.get(ref, "")))
            if not only_scores:
                changes.append(Change("content", name, row=row))
    for name in names:
        if name not in {record["name"] for record in stored}:
            changes.append(Change("sheet_added", name))
    if not changes:
        changes.append(Change("order", ""))
    return changes


def _col_key(ref: str) -> tuple[int, str]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    return len(letters), letters
