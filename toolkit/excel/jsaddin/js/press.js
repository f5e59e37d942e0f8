/*
 * 「绩效自评」WPS 加载项：一次按键在宿主一侧做的全部事情（toolkit/excel/protocol.py 的宿主一半）。
 *
 *   读快照：每张表一次 UsedRange.Value2（填表说明只取名称）；引擎追问时才读定义名称和数字格式
 *   发给引擎（jixiao serve，127.0.0.1，带安装口令）；引擎未运行时用 OAAssist.ShellExecute 启动它
 *   按计划写回：每个值块一次 Value2，每种颜色一次 Interior.Color（多区域地址），标出单元格的边框每种线型
 *   一次 Borders.LineStyle、每种粗细一次 Borders.Weight（黑白打印时区分级别），批注只写有变化的，
 *   然后显示消息。
 *
 * 只用 WPS 表格的 JS API（et-jsapi-declare 的类型：Application.ActiveWorkbook、Worksheets.Item、
 * UsedRange、Range(...).Value2、NumberFormat、Interior.Color、AddComment …），不依赖浏览器以外的库；
 * 同一文件在 Node 中对着模拟的 Application 测试（tests/wps/press.test.mjs）。
 */
(function (root) {
  "use strict";

  var SHEET_VISIBLE = -1; // XlSheetVisibility.xlSheetVisible
  var SHEET_VERY_HIDDEN = 2; // XlSheetVisibility.xlSheetVeryHidden
  var COLOR_INDEX_NONE = -4142; // XlColorIndex.xlColorIndexNone
  var INSTRUCTIONS_SHEET = "填表说明"; // holds no form: only its name is read
  var TITLE = "绩效自评";
  var AREA_LIMIT = 255; // characters one Range("A1,B2,…") address may hold
  // The plan's border styles (openpyxl's names, as jixiao score writes them) as Borders.LineStyle
  // (XlLineStyle) and Borders.Weight (XlBorderWeight): xlContinuous 1, xlDash -4115, xlDot -4118;
  // xlThin 2, xlMedium -4138.
  var BORDER_LINES = { thin: [1, 2], dashed: [-4115, 2], dotted: [-4118, 2], mediumDashed: [-4115, -4138] };
  // Value2 hands a cell error over as a COM error code (0x800A0000 + xlErr…): shown as Excel shows it.
  var ERRORS = { 2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!", 2042: "#N/A" };
  var ERROR_BASE = -2146828288;

  function columnName(col) {
    var name = "";
    while (col > 0) {
      var rest = (col - 1) % 26;
      name = String.fromCharCode(65 + rest) + name;
      col = Math.floor((col - 1) / 26);
    }
    return name;
  }

  function a1(row, col) {
    return columnName(col) + row;
  }

  /** "$B$2:$K$30" or "B2" → [row, column] of its first cell. */
  function origin(address) {
    var match = /\$?([A-Z]{1,3})\$?(\d+)/.exec(String(address || "A1"));
    if (!match) return [1, 1];
    var col = 0;
    for (var i = 0; i < match[1].length; i++) col = col * 26 + match[1].charCodeAt(i) - 64;
    return [parseInt(match[2], 10), col];
  }

  /** Excel's "RRGGBB" → Interior.Color's BGR number. */
  function bgr(hex) {
    var n = parseInt(hex, 16);
    return ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff);
  }

  function grid(value) {
    if (Array.isArray(value)) return value.map(function (row) { return Array.isArray(row) ? row : [row]; });
    return [[value]];
  }

  function plain(value) {
    if (value === undefined || value === null) return null; // an empty cell ("" stays "": a formula showing nothing)
    if (typeof value === "number") {
      var code = value - ERROR_BASE;
      if (ERRORS[code] !== undefined) return ERRORS[code];
      return isFinite(value) ? value : null;
    }
    if (value instanceof Date) return (value.getTime() - Date.UTC(1899, 11, 30)) / 86400000;
    return value;
  }

  function activeBook(app) {
    var book = app.ActiveWorkbook;
    if (!book) throw new Error("没有打开的工作簿：请先打开要处理的自评表工作簿，再点「绩效自评」选项卡上的按钮。");
    return book;
  }

  function bookInfo(book) {
    var path = book.Path ? book.FullName : null; // a new, never saved workbook has no folder
    return { name: book.Name, path: path, saved: !!book.Saved };
  }

  /** The snapshot of the active workbook: one used-range read per sheet, nothing else. */
  function readSnapshot(app, action, host) {
    var book = activeBook(app);
    var sheets = [];
    if (action === "score") {
      var all = book.Worksheets;
      var count = all.Count;
      for (var i = 1; i <= count; i++) {
        var ws = all.Item(i);
        var name = ws.Name;
        var visible = ws.Visible;
        var sheet = { name: name, visible: visible === SHEET_VISIBLE || visible === true, origin: [1, 1], values: [[null]] };
        if (name !== INSTRUCTIONS_SHEET) {
          var used = ws.UsedRange;
          sheet.origin = origin(used.Address);
          sheet.values = grid(used.Value2).map(function (row) { return row.map(plain); });
        }
        sheets.push(sheet);
      }
    }
    return {
      protocol: "jixiao-press", version: 1, action: action,
      host: { name: host && host.name || "wps", version: host && host.version || "", notes: true,
              files: !(host && host.files === false) },
      workbook: bookInfo(book), sheets: sheets
    };
  }

  /** What the engine asked for: a sheet's defined names; number formats (one read per range; where they differ, per run of cells, halved until each part agrees). */
  function answerNeeds(app, snapshot, needs) {
    var book = activeBook(app);
    var byName = {};
    snapshot.sheets.forEach(function (sheet) { byName[sheet.name] = sheet; });
    (needs.names || []).forEach(function (title) {
      var names = book.Worksheets.Item(title).Names;
      var found = {};
      for (var i = 1; i <= names.Count; i++) {
        var item = names.Item(i);
        found[item.Name] = String(item.RefersTo);
      }
      byName[title].names = found;
    });
    (needs.formats || []).forEach(function (ask) {
      var ws = book.Worksheets.Item(ask.sheet);
      var common = ws.Range(ask.range).NumberFormat; // null when the cells' formats differ
      var found = {};
      if (typeof common === "string") ask.cells.forEach(function (cell) { found[cell] = common; });
      else {
        var runs = formatRuns(ask.cells);
        runs.forEach(function (run) { readFormats(ws, run, found, runs.length === 1 && runAddress(run) === ask.range); });
      }
      var formats = {};
      ask.cells.forEach(function (cell) {
        var format = found[cell];
        if (format && format !== "General" && format !== "G/通用格式") formats[cell] = format;
      });
      byName[ask.sheet].formats = formats;
    });
    return snapshot;
  }

  /** The asked cells as runs down a column (D8, D9, D10 | D21 … D28 | D36): each run is one range. */
  function formatRuns(cells) {
    var sorted = cells.map(function (cell) { return [origin(cell), cell]; }).sort(function (a, b) {
      return a[0][1] - b[0][1] || a[0][0] - b[0][0];
    });
    var runs = [];
    sorted.forEach(function (item, i) {
      var before = i ? sorted[i - 1][0] : null;
      if (before && before[1] === item[0][1] && before[0] + 1 === item[0][0]) runs[runs.length - 1].push(item[1]);
      else runs.push([item[1]]);
    });
    return runs;
  }

  function runAddress(run) {
    return run.length === 1 ? run[0] : run[0] + ":" + run[run.length - 1];
  }

  /**
   * The number formats of one run: one read when they agree (NumberFormat is null when they differ),
   * else each half in turn — a column's formats come in stretches (amounts, then rates), so a run
   * costs a few reads, not one per cell. ``known``: the run's read already said "mixed".
   */
  function readFormats(ws, run, found, known) {
    var format = known && run.length > 1 ? null : ws.Range(runAddress(run)).NumberFormat;
    if (typeof format === "string" || run.length === 1) {
      run.forEach(function (cell) { found[cell] = format; });
      return;
    }
    var half = Math.ceil(run.length / 2);
    readFormats(ws, run.slice(0, half), found, false);
    readFormats(ws, run.slice(half), found, false);
  }

  function blockAddress(top, left, rows) {
    var width = 0;
    rows.forEach(function (row) { width = Math.max(width, row.length); });
    if (rows.length === 1 && width === 1) return a1(top, left);
    return a1(top, left) + ":" + a1(top + rows.length - 1, left + width - 1);
  }

  function joinAreas(areas) {
    var texts = [], current = "";
    areas.forEach(function (area) {
      var joined = current ? current + "," + area : area;
      if (joined.length > AREA_LIMIT && current) { texts.push(current); joined = area; }
      current = joined;
    });
    if (current) texts.push(current);
    return texts;
  }

  /**
   * The flags' frames (plan "borders"): every cell of the areas gets the style on all four sides —
   * Range(areas).Borders sets the edges and the inside lines alike. Styles sharing a line (dashed and
   * medium dashed) or a weight share the call: one LineStyle write per line and one Weight write per
   * weight over multi-area addresses, LineStyle first (setting it keeps the weight).
   */
  function applyBorders(ws, borders) {
    var byLine = {}, byWeight = {}, lines = [], weights = [];
    borders.forEach(function (border) {
      var look = BORDER_LINES[border.style];
      if (!look) return; // a style this add-in does not know (a newer engine): the fill still marks the cell
      var cells = [];
      border.areas.forEach(function (area) { cells = cells.concat(area.split(",")); });
      if (!byLine[look[0]]) { byLine[look[0]] = []; lines.push(look[0]); }
      if (!byWeight[look[1]]) { byWeight[look[1]] = []; weights.push(look[1]); }
      byLine[look[0]] = byLine[look[0]].concat(cells);
      byWeight[look[1]] = byWeight[look[1]].concat(cells);
    });
    lines.forEach(function (line) {
      joinAreas(byLine[line]).forEach(function (text) { ws.Range(text).Borders.LineStyle = line; });
    });
    weights.forEach(function (weight) {
      joinAreas(byWeight[weight]).forEach(function (text) { ws.Range(text).Borders.Weight = weight; });
    });
  }

  /** Is a comment's text the tool's own note (it starts with a flag's level, as toolkit.workbook.writer.is_tool_note)? */
  function isToolNote(text) {
    return /^\s*【(错误|提醒|说明)】/.test(String(text || ""));
  }

  /**
   * One changed note (null: remove it). The clerk's own comment is never replaced or removed — the
   * flag is in 「校验结果」 and the 问题说明 block, as jixiao score leaves it; the tool's note is rewritten.
   */
  function writeNote(cell, text) {
    var comment = cell.Comment; // null when the cell has none
    if (comment) {
      if (!isToolNote(comment.Text())) return;
      if (text) comment.Text(text); // no Start: the whole text is replaced
      else comment.Delete();
    } else if (text) {
      cell.AddComment(text);
    }
  }

  /** Apply a plan's sheets (toolkit/schemas/plan.schema.json) to the active workbook. */
  function applyPlan(app, plan) {
    var book = activeBook(app);
    var updating = app.ScreenUpdating;
    app.ScreenUpdating = false;
    try {
      (plan.sheets || []).forEach(function (change) {
        var ws;
        if (change.create) {
          var after = change.after ? book.Worksheets.Item(change.after) : book.Worksheets.Item(book.Worksheets.Count);
          ws = book.Worksheets.Add(null, after);
          ws.Name = change.name;
        } else {
          ws = book.Worksheets.Item(change.name);
        }
        if (change.clear === "all") ws.Cells.Clear();
        else if (change.clear === "contents") ws.Cells.ClearContents();
        (change.values || []).forEach(function (block) {
          var start = origin(block.cell);
          var range = ws.Range(blockAddress(start[0], start[1], block.rows));
          range.Value2 = block.rows.length === 1 && block.rows[0].length === 1 ? block.rows[0][0] : block.rows;
        });
        (change.fills || []).forEach(function (fill) {
          fill.areas.forEach(function (area) {
            var interior = ws.Range(area).Interior;
            if (fill.color) interior.Color = bgr(fill.color);
            else interior.ColorIndex = COLOR_INDEX_NONE;
          });
        });
        applyBorders(ws, change.borders || []);
        (change.notes || []).forEach(function (note) { writeNote(ws.Range(note.cell), note.text); });
        if (change.print_rows_to) { // the 问题说明 block under the form prints with it
          var setup = ws.PageSetup;
          var area = setup.PrintArea;
          var first = area ? String(area).split(",")[0].replace(/\$/g, "") : "";
          var bounds = /^([A-Z]{1,3}\d+):([A-Z]{1,3})(\d+)$/.exec(first);
          if (bounds && parseInt(bounds[3], 10) !== change.print_rows_to) {
            setup.PrintArea = bounds[1] + ":" + bounds[2] + change.print_rows_to;
          }
        }
        if (change.bold_rows) {
          var width = columnName(change.width || 1);
          joinAreas(change.bold_rows.map(function (row) { return "A" + row + ":" + width + row; })).forEach(function (text) {
            ws.Range(text).Font.Bold = true;
          });
        }
        if (change.wrap) ws.Range(change.wrap).WrapText = true;
        if (change.autofit) ws.Range(change.autofit).Columns.AutoFit();
        Object.keys(change.column_widths || {}).forEach(function (column) {
          ws.Range(column + "1").ColumnWidth = change.column_widths[column];
        });
        if (change.hidden) ws.Visible = SHEET_VERY_HIDDEN;
        if (change.activate) ws.Activate();
      });
    } finally {
      app.ScreenUpdating = updating === undefined ? true : updating;
    }
    return true;
  }

  /**
   * One press of a button: snapshot → engine (answering its questions, at most twice) → plan applied →
   * message. ``transport(snapshot)`` returns a Promise of the plan; ``ui`` shows messages
   * ({alert(text, title), confirm(text, title) → boolean, open(path)}). Never throws: failures become messages.
   */
  async function pressButton(app, action, transport, ui, host) {
    try {
      if (action === "export" || action === "report") {
        var book = activeBook(app);
        if (!book.Path) {
          ui.alert("工作簿还没有保存到本机文件夹。请先「另存为」到本机文件夹，再" + (action === "export" ? "导出报送" : "生成报告") + "。", TITLE);
          return null;
        }
        book.Save(); // the engine reads the saved file, as the Excel buttons do
      }
      var snapshot = readSnapshot(app, action, host);
      var plan = null;
      for (var round = 0; round < 3; round++) {
        plan = await transport(snapshot);
        if (plan.status === "needs") { snapshot = answerNeeds(app, snapshot, plan.needs || {}); continue; }
        if (plan.status === "confirm" && ui.confirm(plan.message.text, plan.message.title)) {
          snapshot.force = true;
          continue;
        }
        break;
      }
      if (plan.status === "needs") throw new Error("计算引擎反复要求补充内容，已停止。请重新安装 WPS 加载项。");
      var text = plan.message ? plan.message.text : "";
      if (plan.status === "done") {
        applyPlan(app, plan);
        (plan.open || []).forEach(function (path) { ui.open(path); });
      }
      if (plan.message && plan.status !== "confirm") ui.alert(text, plan.message.title);
      return plan;
    } catch (error) {
      ui.alert("未能完成操作：" + (error && error.message ? error.message : String(error)) +
               "\n您的工作簿未被改动或只写入了一部分结果，请关闭后不保存重新打开再试。", TITLE);
      return null;
    }
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /**
   * The HTTP transport to ``jixiao serve`` on 127.0.0.1:config.port with the install token; starts
   * the engine (``start()``, e.g. OAAssist.ShellExecute) when it does not answer, and waits for it.
   */
  function httpTransport(config, fetchImpl, start, waitMs) {
    var base = "http://127.0.0.1:" + config.port;
    async function alive() {
      try {
        var reply = await fetchImpl(base + "/ping");
        return reply.ok;
      } catch (error) {
        return false;
      }
    }
    return async function (snapshot) {
      if (!(await alive())) {
        start();
        var deadline = Date.now() + (waitMs || 30000);
        while (!(await alive())) {
          if (Date.now() > deadline) {
            throw new Error("计算引擎没有启动（" + base + "）。请确认已安装绩效自评工具箱，或在命令行运行 jixiao serve 后再试。");
          }
          await sleep(300);
        }
      }
      var reply = await fetchImpl(base + "/press", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Jixiao-Token": config.token },
        body: JSON.stringify(snapshot)
      });
      return await reply.json(); // refusals (401/403/413/400) come back as plans with a message too
    };
  }

  var api = {
    readSnapshot: readSnapshot, answerNeeds: answerNeeds, applyPlan: applyPlan, pressButton: pressButton,
    httpTransport: httpTransport, bgr: bgr, origin: origin, a1: a1
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.JixiaoPress = api;
})(typeof window !== "undefined" ? window : this);
