// A fake WPS 表格 (ET) `Application` for the add-in's tests, written to the typings of npm
// `et-jsapi-declare` (lib.et.d.ts: Et.Application, Workbook, Sheets, Worksheet, Range, Interior, Font,
// Names, Name, Comment; index.d.ts: OAAssist). It holds one workbook's grid (values as Value2 gives
// them, number formats, formulas, defined names, comments) and counts every call the add-in makes:
//   reads   — what moves cell contents or formats out (Value2, NumberFormat, Formula, RefersTo)
//   writes  — what changes cells (Value2 =, Interior.Color/ColorIndex =, Borders.LineStyle/Weight =, Font.Bold =,
//             Clear …, Add, Visible =)
//   notes   — a changed note's comment calls: Comment.Text() read, Comment.Text(text) / Delete, AddComment,
//             ClearComments (one cell each: the API has no bulk form)
//   lookups — finding sheets and ranges (Item, Range(), UsedRange, Address, Name, Count …)
// Members not declared in the typings are refused by conformance(): see press.test.js.

const ERROR_BASE = -2146828288;

function columnIndex(letters) {
  let index = 0;
  for (const ch of letters) index = index * 26 + ch.charCodeAt(0) - 64;
  return index;
}

function columnName(col) {
  let name = "";
  while (col > 0) {
    const rest = (col - 1) % 26;
    name = String.fromCharCode(65 + rest) + name;
    col = Math.floor((col - 1) / 26);
  }
  return name;
}

export function parseArea(text) {
  const match = /^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$/.exec(text.trim());
  if (!match) {
    const whole = /^\$?([A-Z]{1,3}):\$?([A-Z]{1,3})$/.exec(text.trim());
    if (whole) return [1, columnIndex(whole[1]), 1048576, columnIndex(whole[2])];
    throw new Error(`not an address: ${text}`);
  }
  const top = Number(match[2]), left = columnIndex(match[1]);
  return [top, left, match[4] ? Number(match[4]) : top, match[3] ? columnIndex(match[3]) : left];
}

const key = (row, col) => `${row},${col}`;

export class Counter {
  constructor() { this.calls = {}; }
  hit(kind, name) {
    const id = `${kind}:${name}`;
    this.calls[id] = (this.calls[id] || 0) + 1;
  }
  total(kind) {
    return Object.entries(this.calls).filter(([id]) => id.startsWith(kind + ":")).reduce((sum, [, n]) => sum + n, 0);
  }
}

class FakeComment {
  constructor(cells, k, counter) { this._cells = cells; this._key = k; this._counter = counter; }
  Text(text) {
    this._counter.hit("notes", "Comment.Text");
    if (text !== undefined) this._cells.notes.set(this._key, String(text)); // no Start: the whole text replaced
    return this._cells.notes.get(this._key);
  }
  Delete() { this._counter.hit("notes", "Comment.Delete"); this._cells.notes.delete(this._key); }
}

class FakeInterior {
  constructor(range) { this._range = range; }
  set Color(bgr) {
    this._range._counter.hit("writes", "Interior.Color");
    const rgb = ((bgr & 0xff) << 16) | (bgr & 0xff00) | ((bgr >> 16) & 0xff);
    for (const k of this._range._keys()) this._range._sheet.fills.set(k, rgb.toString(16).toUpperCase().padStart(6, "0"));
  }
  get Color() { this._range._counter.hit("reads", "Interior.Color"); return null; }
  set ColorIndex(index) {
    this._range._counter.hit("writes", "Interior.ColorIndex");
    if (index === -4142) for (const k of this._range._keys()) this._range._sheet.fills.delete(k);
  }
  get ColorIndex() { return -4142; }
}

// Border line styles as openpyxl names them (what jixiao score writes) ⇄ Excel's LineStyle + Weight.
const XL_NONE = -4142, XL_THIN = 2, XL_MEDIUM = -4138;
const BORDER_STYLES = {
  thin: [1, XL_THIN], medium: [1, XL_MEDIUM], thick: [1, 4], hair: [1, 1], double: [-4119, 4],
  dashed: [-4115, XL_THIN], mediumDashed: [-4115, XL_MEDIUM], dotted: [-4118, XL_THIN],
  dashDot: [4, XL_THIN], mediumDashDot: [4, XL_MEDIUM], dashDotDot: [5, XL_THIN], mediumDashDotDot: [5, XL_MEDIUM],
  slantDashDot: [13, XL_MEDIUM],
};
const SIDES = 4; // left, right, top, bottom — as openpyxl keeps them, per cell

function styleName([line, weight]) {
  if (line === XL_NONE || line === undefined) return null;
  const found = Object.entries(BORDER_STYLES).find(([, [l, w]]) => l === line && (w === weight || line === -4119));
  if (!found) throw new Error(`no border style for LineStyle ${line}, Weight ${weight}`);
  return found[0];
}

class FakeBorders {
  // Range.Borders (the collection): setting a property sets it on every edge and inside line of the
  // range, so every cell of every area gets it on all four sides (no diagonals).
  constructor(range) { this._range = range; }
  _set(index, value) {
    const borders = this._range._sheet.borders;
    for (const k of this._range._keys()) {
      const sides = borders.get(k) || Array.from({ length: SIDES }, () => [XL_NONE, XL_THIN]);
      // Excel: a weight on a side without a line draws a continuous one
      borders.set(k, sides.map((side) => {
        const next = [...side];
        next[index] = value;
        if (index === 1 && next[0] === XL_NONE) next[0] = 1;
        return next;
      }));
    }
  }
  set LineStyle(value) { this._range._counter.hit("writes", "Borders.LineStyle"); this._set(0, value); }
  get LineStyle() { this._range._counter.hit("reads", "Borders.LineStyle"); return null; }
  set Weight(value) { this._range._counter.hit("writes", "Borders.Weight"); this._set(1, value); }
  get Weight() { this._range._counter.hit("reads", "Borders.Weight"); return null; }
}

class FakeFont {
  constructor(range) { this._range = range; }
  set Bold(value) { this._range._counter.hit("writes", "Font.Bold"); }
  get Bold() { return false; }
}

class FakeColumns {
  constructor(range) { this._range = range; }
  AutoFit() { this._range._counter.hit("writes", "Range.AutoFit"); return true; }
}

class FakeRange {
  constructor(sheet, address, counter) {
    this._sheet = sheet;
    this._counter = counter;
    this._areas = String(address).split(",").map(parseArea);
  }
  _keys() {
    const keys = [];
    for (const [top, left, bottom, right] of this._areas)
      for (let r = top; r <= bottom; r++) for (let c = left; c <= right; c++) keys.push(key(r, c));
    return keys;
  }
  _grid(read) {
    const [top, left, bottom, right] = this._areas[0];
    if (top === bottom && left === right) return read(key(top, left));
    const rows = [];
    for (let r = top; r <= bottom; r++) {
      const row = [];
      for (let c = left; c <= right; c++) row.push(read(key(r, c)));
      rows.push(row);
    }
    return rows;
  }
  get Address() {
    this._counter.hit("lookups", "Range.Address");
    const [top, left, bottom, right] = this._areas[0];
    const first = `$${columnName(left)}$${top}`;
    return top === bottom && left === right ? first : `${first}:$${columnName(right)}$${bottom}`;
  }
  get Row() { return this._areas[0][0]; }
  get Column() { return this._areas[0][1]; }
  get Value2() {
    this._counter.hit("reads", "Range.Value2");
    return this._grid((k) => this._sheet.values.get(k)); // empty cells: undefined, as COM's Empty
  }
  set Value2(value) {
    this._counter.hit("writes", "Range.Value2");
    const [top, left, bottom, right] = this._areas[0];
    const rows = Array.isArray(value) ? value : [[value]];
    for (let r = top; r <= bottom; r++) {
      for (let c = left; c <= right; c++) {
        let v = rows[r - top] === undefined ? undefined : rows[r - top][c - left];
        const k = key(r, c);
        this._sheet.formulas.delete(k);
        if (typeof v === "string" && v.startsWith("'")) v = v.slice(1); // Excel's text prefix
        else if (typeof v === "string" && v.startsWith("=")) this._sheet.formulas.set(k, v);
        if (v === null || v === undefined || v === "") this._sheet.values.delete(k);
        else this._sheet.values.set(k, v);
      }
    }
  }
  get NumberFormat() {
    this._counter.hit("reads", "Range.NumberFormat");
    const formats = new Set(this._keys().map((k) => this._sheet.formats.get(k) || "General"));
    return formats.size === 1 ? [...formats][0] : null; // mixed formats: null, as Excel and WPS answer
  }
  get Formula() {
    this._counter.hit("reads", "Range.Formula");
    return this._grid((k) => this._sheet.formulas.get(k) ?? (this._sheet.values.has(k) ? String(this._sheet.values.get(k)) : ""));
  }
  get Interior() { this._counter.hit("lookups", "Range.Interior"); return new FakeInterior(this); }
  get Borders() { this._counter.hit("lookups", "Range.Borders"); return new FakeBorders(this); }
  get Font() { this._counter.hit("lookups", "Range.Font"); return new FakeFont(this); }
  get Columns() { this._counter.hit("lookups", "Range.Columns"); return new FakeColumns(this); }
  set WrapText(value) { this._counter.hit("writes", "Range.WrapText"); }
  get WrapText() { return false; }
  set ColumnWidth(value) { this._counter.hit("writes", "Range.ColumnWidth"); }
  get ColumnWidth() { return 8.38; }
  get Comment() { // the cell's Comment object, as Range.Interior is its Interior (its text is Comment.Text())
    this._counter.hit("lookups", "Range.Comment");
    const k = this._keys()[0];
    return this._sheet.notes.has(k) ? new FakeComment(this._sheet, k, this._counter) : null;
  }
  AddComment(text) {
    this._counter.hit("notes", "Range.AddComment");
    const k = this._keys()[0];
    if (this._sheet.notes.has(k)) throw new Error("单元格已有批注"); // as Excel and WPS refuse it
    this._sheet.notes.set(k, String(text));
    return new FakeComment(this._sheet, k, this._counter);
  }
  ClearComments() {
    this._counter.hit("notes", "Range.ClearComments");
    for (const k of this._keys()) this._sheet.notes.delete(k);
  }
  Clear() {
    this._counter.hit("writes", "Range.Clear");
    for (const map of [this._sheet.values, this._sheet.formulas, this._sheet.fills, this._sheet.notes, this._sheet.formats,
                       this._sheet.borders]) map.clear();
  }
  ClearContents() {
    this._counter.hit("writes", "Range.ClearContents");
    this._sheet.values.clear();
    this._sheet.formulas.clear();
  }
}

class FakeName {
  constructor(name, refersTo, counter) { this._name = name; this._refersTo = refersTo; this._counter = counter; }
  get Name() { this._counter.hit("lookups", "Name.Name"); return this._name; }
  get RefersTo() { this._counter.hit("reads", "Name.RefersTo"); return this._refersTo; }
}

class FakeNames {
  constructor(sheet, counter) { this._sheet = sheet; this._counter = counter; }
  get Count() { this._counter.hit("lookups", "Names.Count"); return this._sheet.names.length; }
  Item(index) {
    this._counter.hit("lookups", "Names.Item");
    const [name, refersTo] = this._sheet.names[index - 1];
    return new FakeName(name, refersTo, this._counter);
  }
}

class FakePageSetup {
  constructor(sheet, counter) { this._sheet = sheet; this._counter = counter; }
  get PrintArea() { this._counter.hit("reads", "PageSetup.PrintArea"); return this._sheet.printArea || ""; }
  set PrintArea(area) { this._counter.hit("writes", "PageSetup.PrintArea"); this._sheet.printArea = area; }
}

class FakeWorksheet {
  constructor(book, data, counter) {
    this._book = book;
    this._counter = counter;
    this._data = {
      name: data.name, visible: data.visible ?? -1,
      values: new Map(Object.entries(data.values || {}).map(([ref, v]) => [FakeWorksheet.key(ref), v])),
      formats: new Map(Object.entries(data.formats || {}).map(([ref, v]) => [FakeWorksheet.key(ref), v])),
      formulas: new Map(Object.entries(data.formulas || {}).map(([ref, v]) => [FakeWorksheet.key(ref), v])),
      notes: new Map(Object.entries(data.notes || {}).map(([ref, v]) => [FakeWorksheet.key(ref), v])),
      fills: new Map(Object.entries(data.fills || {}).map(([ref, v]) => [FakeWorksheet.key(ref), v])),
      // borders: {A1: [left, right, top, bottom]} in openpyxl's style names (null: no line)
      borders: new Map(Object.entries(data.borders || {}).map(([ref, sides]) => [FakeWorksheet.key(ref),
        sides.map((style) => (style ? [...BORDER_STYLES[style]] : [XL_NONE, XL_THIN]))])),
      names: Object.entries(data.names || {}),
      printArea: data.print_area || "",
    };
  }
  static key(ref) {
    const [top, left] = parseArea(ref);
    return key(top, left);
  }
  get Name() { this._counter.hit("lookups", "Worksheet.Name"); return this._data.name; }
  set Name(name) { this._counter.hit("writes", "Worksheet.Name"); this._data.name = name; }
  get Visible() { this._counter.hit("lookups", "Worksheet.Visible"); return this._data.visible; }
  set Visible(value) { this._counter.hit("writes", "Worksheet.Visible"); this._data.visible = value === true ? -1 : value === false ? 0 : value; }
  get UsedRange() {
    this._counter.hit("lookups", "Worksheet.UsedRange");
    const keys = [...this._data.values.keys(), ...this._data.formats.keys()].map((k) => k.split(",").map(Number));
    if (!keys.length) return new FakeRange(this._data, "A1", this._counter);
    const rows = keys.map(([r]) => r), cols = keys.map(([, c]) => c);
    const address = `${columnName(Math.min(...cols))}${Math.min(...rows)}:${columnName(Math.max(...cols))}${Math.max(...rows)}`;
    return new FakeRange(this._data, address, this._counter);
  }
  get Cells() { this._counter.hit("lookups", "Worksheet.Cells"); return new FakeRange(this._data, "A1:XFD1048576".replace("XFD1048576", "ZZ9999"), this._counter); }
  get Names() { this._counter.hit("lookups", "Worksheet.Names"); return new FakeNames(this._data, this._counter); }
  get PageSetup() { this._counter.hit("lookups", "Worksheet.PageSetup"); return new FakePageSetup(this._data, this._counter); }
  Range(address) { this._counter.hit("lookups", "Worksheet.Range"); return new FakeRange(this._data, address, this._counter); }
  Activate() { this._counter.hit("lookups", "Worksheet.Activate"); this._book._active = this; }
}

class FakeSheets {
  constructor(book, counter) { this._book = book; this._counter = counter; }
  get Count() { this._counter.hit("lookups", "Sheets.Count"); return this._book._sheets.length; }
  Item(index) {
    this._counter.hit("lookups", "Sheets.Item");
    const sheet = typeof index === "number" ? this._book._sheets[index - 1]
      : this._book._sheets.find((ws) => ws._data.name === index);
    if (!sheet) throw new Error(`下标越界：${index}`);
    return sheet;
  }
  Add(before, after) {
    this._counter.hit("writes", "Sheets.Add");
    const sheet = new FakeWorksheet(this._book, { name: `Sheet${this._book._sheets.length + 1}` }, this._counter);
    const anchor = after || before;
    const at = anchor ? this._book._sheets.indexOf(anchor) + (after ? 1 : 0) : this._book._sheets.length;
    this._book._sheets.splice(at, 0, sheet);
    return sheet;
  }
}

class FakeWorkbook {
  constructor(grid, counter) {
    this._counter = counter;
    this._grid = grid;
    this._sheets = grid.sheets.map((sheet) => new FakeWorksheet(this, sheet, counter));
    this.saves = 0;
  }
  get Name() { return this._grid.name; }
  get FullName() { return this._grid.path || this._grid.name; }
  get Path() { return this._grid.path ? this._grid.path.replace(/[\\/][^\\/]*$/, "") : ""; }
  get Saved() { return true; }
  get Worksheets() { return new FakeSheets(this, this._counter); }
  Save() { this._counter.hit("writes", "Workbook.Save"); this.saves++; }
}

class FakeOAAssist {
  constructor(start) { this._start = start; this.started = []; }
  ShellExecute(file, params) { this.started.push([file, params]); this._start(file, params); }
}

export class FakeApplication {
  /** grid: {name, path, sheets: [{name, visible, values: {A1: v}, formats, formulas, names, notes, fills}]} */
  constructor(grid, start = () => {}) {
    this.counter = new Counter();
    this._book = new FakeWorkbook(grid, this.counter);
    this._updating = true;
    this.opened = [];
    this.OAAssist = new FakeOAAssist(start);
    this.Workbooks = { Open: (path) => { this.opened.push(path); } };
    this.Build = "fake";
  }
  get ActiveWorkbook() { this.counter.hit("lookups", "Application.ActiveWorkbook"); return this._book; }
  get ScreenUpdating() { return this._updating; }
  set ScreenUpdating(value) { this.counter.hit("lookups", "Application.ScreenUpdating"); this._updating = value; }

  /** The workbook now, for the comparison in tests/test_wps_addin.py. */
  dump() {
    const cells = (map) => Object.fromEntries([...map].map(([k, v]) => {
      const [r, c] = k.split(",").map(Number);
      return [`${columnName(c)}${r}`, v];
    }));
    return this._book._sheets.map((ws) => ({
      name: ws._data.name, visible: ws._data.visible, values: cells(ws._data.values),
      fills: cells(ws._data.fills), notes: cells(ws._data.notes), print_area: ws._data.printArea,
      borders: Object.fromEntries(Object.entries(cells(ws._data.borders))
        .map(([ref, sides]) => [ref, sides.map(styleName)]).filter(([, sides]) => sides.some(Boolean))),
    }));
  }
}

export const FAKES = {
  Range: FakeRange, Worksheet: FakeWorksheet, Workbook: FakeWorkbook, Sheets: FakeSheets, Interior: FakeInterior,
  Borders: FakeBorders,
  Font: FakeFont, Names: FakeNames, Name: FakeName, Comment: FakeComment, PageSetup: FakePageSetup,
  Application: FakeApplication,
};
export { ERROR_BASE };
