/*
 * 「绩效自评」WPS 加载项的页内计算引擎：Python（Pyodide，WebAssembly）在加载项页面里运行
 * toolkit.excel.protocol.press —— 本机不需要安装 Python（统信 UOS、麒麟等信创桌面）。
 *
 * 与 js/press.js 的 httpTransport 同一个接口：transport(snapshot) → Promise(plan)。第一次按键时
 *   1. 载入 config.js 列出的脚本：pyodide/pyodide.asm.js，以及以 base64 装在脚本里的文件
 *      （pyodide.asm.wasm、python_stdlib.zip、pyodide-lock.json、wheels/*.whl，见
 *      toolkit/excel/pyodide_build.py）——WPS 的离线加载项是 file:// 页面，Chromium 在那里拒绝
 *      fetch 和模块导入，却执行 <script src>；Pyodide 启动时的 fetch 由这些脚本里的内容回答，
 *   2. 启动 Pyodide（pyodide/pyodide.js 的 loadPyodide），
 *   3. 把 wheels 里的纯 Python 包（本工具箱、openpyxl、et_xmlfile、jsonschema 4.17 与 attrs、
 *      pyrsistent）解压进 site-packages（不联网，不用 micropip），
 *   4. 导入 toolkit.excel.protocol；
 * 之后每次按键只是一次 press(快照 JSON) → 计划 JSON。
 *
 * 「导出报送」「生成报告」要在工作簿旁写文件，页内的 Python 只有内存里的文件系统：这两项如实
 * 回答“请用命令行”（fileActionPlan），不假装完成。
 */
(function (root) {
  "use strict";

  var TITLE = "绩效自评";
  var LABELS = { export: "导出报送", report: "生成报告" };
  var COMMANDS = { export: "jixiao export", report: "jixiao report" };
  // Runs once in Pyodide after the wheels are in place: JSON text in, JSON text out (no proxies to free).
  var BOOT = [
    "import json",
    "from toolkit.excel import protocol as _jixiao_protocol",
    "def _jixiao_press(text):",
    "    return json.dumps(_jixiao_protocol.press(json.loads(text)), ensure_ascii=False)",
    "_jixiao_press"
  ].join("\n");

  function now() {
    return typeof performance !== "undefined" && performance.now ? performance.now() : Date.now();
  }

  function joinURL(base, relative) {
    if (/^[a-z]+:|^\//i.test(relative) || !base) return relative;
    return base.replace(/\/?$/, "/") + relative;
  }

  /** A Python error's last line ("ModuleNotFoundError: …"), not its traceback: the clerk reads this. */
  function lastLine(error) {
    var text = String(error && error.message ? error.message : error);
    var match = /^\w*(?:Error|Exception)\b.*$/m.exec(text.split("Traceback").pop());
    return match ? match[0] : text.split("\n")[0];
  }

  /** The honest answer to 导出报送 / 生成报告 on a desktop whose engine runs in the page. */
  function fileActionPlan(snapshot) {
    var action = snapshot && snapshot.action === "report" ? "report" : "export";
    var label = LABELS[action];
    var text = "本机的「绩效自评」在 WPS 内计算（不需要安装 Python），可以「计算得分」；" + label +
      "要在工作簿旁写出" + (action === "export" ? "报送文件" : "Word 报告") + "，在这里做不到。\n\n" +
      "请把保存好的工作簿拷到装有绩效自评工具箱（Python 3.10 以上）的电脑上，在命令行运行：\n" +
      COMMANDS[action] + " 工作簿.xlsx\n\n您的工作簿没有改动。";
    return {
      protocol: "jixiao-press", version: 1, action: action, status: "failed", sheets: [],
      message: { title: TITLE + " - " + label, text: text, critical: false }
    };
  }

  /** Inject <script src=…> once and wait for it (a classic script: works where module scripts would not). */
  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = root.document.createElement("script");
      script.src = url;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("无法载入 " + url)); };
      root.document.head.appendChild(script);
    });
  }

  var TYPES = { wasm: "application/wasm", json: "application/json" };

  function decodeBase64(text) {
    var binary = root.atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /** The add-in file (a key of window.JIXIAO_FILES) that ``url`` names, if it holds one. */
  function embeddedKey(url, files) {
    var path = decodeURIComponent(String(url).split(/[?#]/)[0]);
    var keys = Object.keys(files);
    for (var i = 0; i < keys.length; i++) {
      if (path === keys[i] || path.slice(-keys[i].length - 1) === "/" + keys[i]) return keys[i];
    }
    return null;
  }

  /**
   * While the engine starts, fetch() answers from window.JIXIAO_FILES (the embedded files) and
   * passes anything else on. Returns the function that puts the page's fetch back.
   */
  function answerFromScripts() {
    var files = root.JIXIAO_FILES || {};
    var pageFetch = root.fetch;
    root.fetch = function (input, init) {
      var key = embeddedKey(input && input.url ? input.url : input, files);
      if (key === null) return pageFetch.apply(root, arguments);
      var type = TYPES[key.split(".").pop()] || "application/octet-stream";
      return Promise.resolve(new root.Response(decodeBase64(files[key]), { status: 200, headers: { "Content-Type": type } }));
    };
    return function () {
      root.fetch = pageFetch;
      delete root.JIXIAO_FILES; // some 17 MB of base64: Pyodide holds what it needs now
    };
  }

  function fetchBytes(url) {
    return root.fetch(url).then(function (reply) {
      if (!reply.ok) throw new Error("无法读取 " + url + "（" + reply.status + "）");
      return reply.arrayBuffer();
    }).then(function (buffer) { return new Uint8Array(buffer); });
  }

  /**
   * The in-page transport. ``options``: ``indexURL`` (the Pyodide folder, default "./pyodide/"),
   * ``wheels`` (wheel URLs, relative to ``baseURL``), ``baseURL`` (default "./"), and for hosts
   * other than a page (Node tests): ``loadPyodide`` and ``readBytes(url) → Promise(Uint8Array)``.
   * ``scripts``: classic scripts to run first (pyodide.asm.js and the embedded files).
   * The returned function carries ``timings`` (ms: scripts, load, wheels, import; firstCall — the
   * first press() in Python) and ``ready()`` (boots the engine; a page may call it before the first press).
   *
   * Example (in the add-in page, config.js written by ``jixiao wps build --engine pyodide``)::
   *
   *   var transport = JixiaoPress.pyodideTransport(JIXIAO_CONFIG.pyodide);
   *   JixiaoPress.pressButton(Application, "score", transport, ui, host);
   */
  function pyodideTransport(options) {
    options = options || {};
    var base = options.baseURL || "./";
    var indexURL = options.indexURL || joinURL(base, "pyodide/");
    var readBytes = options.readBytes || fetchBytes;
    var timings = {};
    var booting = null;

    async function boot() {
      var started = now();
      var scripts = options.scripts || [];
      for (var s = 0; s < scripts.length; s++) {
        if (scripts[s] === "pyodide/pyodide.asm.js" && typeof root._createPyodideModule === "function") continue;
        await loadScript(joinURL(base, scripts[s])); // one at a time: a page holds each file once
      }
      var load = options.loadPyodide || root.loadPyodide;
      if (!load) {
        await loadScript(joinURL(indexURL, "pyodide.js"));
        load = root.loadPyodide;
      }
      if (!load) throw new Error("加载项中没有 Pyodide（pyodide/pyodide.js）：请用 jixiao wps build --engine pyodide 重新生成。");
      timings.scripts = now() - started;
      started = now();
      var restore = answerFromScripts();
      var pyodide;
      try {
        pyodide = await load({ indexURL: indexURL, fullStdLib: false });
        timings.load = now() - started;
        started = now();
        var wheels = options.wheels || [];
        for (var i = 0; i < wheels.length; i++) {
          var bytes = await readBytes(joinURL(base, wheels[i]));
          pyodide.unpackArchive(bytes, "wheel"); // pure-Python wheels: unpacked into site-packages
        }
      } finally {
        restore();
      }
      timings.wheels = now() - started;
      started = now();
      var press = pyodide.runPython(BOOT);
      timings.import = now() - started;
      return { pyodide: pyodide, press: press };
    }

    function ready() {
      if (!booting) {
        booting = boot().catch(function (error) {
          booting = null; // the next press tries again
          throw new Error("页内计算引擎未能启动（" + lastLine(error) + "）。请重新生成并安装加载项（jixiao wps build --engine pyodide）。");
        });
      }
      return booting;
    }

    var transport = async function (snapshot) {
      if (snapshot && (snapshot.action === "export" || snapshot.action === "report")) return fileActionPlan(snapshot);
      var engine = await ready();
      var started = now();
      var plan = JSON.parse(engine.press(JSON.stringify(snapshot)));
      if (timings.firstCall === undefined) timings.firstCall = now() - started;
      return plan;
    };
    transport.timings = timings;
    transport.ready = ready;
    return transport;
  }

  var api = { pyodideTransport: pyodideTransport, fileActionPlan: fileActionPlan };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (root) {
    root.JixiaoPress = root.JixiaoPress || {};
    root.JixiaoPress.pyodideTransport = pyodideTransport;
    root.JixiaoPress.fileActionPlan = fileActionPlan;
  }
})(typeof window !== "undefined" ? window : this);
