// Press the buttons of a WPS add-in built with `jixiao wps build OUT --engine pyodide`, in Node, against
// the fake WPS Application of tests/wps/fake_et.js — the scoring engine is Python running in Pyodide
// inside the "page", no Python process anywhere.
//
//   node engine.test.mjs ADDIN_DIR JOB.json OUT.json
//
// JOB.json: {"books": [{"grid": GRID, "actions": ["score", …]}, …]} — GRID as tests/test_wps_addin.py's
// grid_of() writes it. The books are opened one after another in the same page: one engine boot for all.
//
// Loads the add-in's scripts in the order its index.html lists them into a `window` (as WPS does),
// serves the add-in folder on 127.0.0.1 and gives the page a `document` whose <script src> elements
// run what that server returns — so the engine's own scripts (pyodide.asm.js, the wasm, stdlib and
// wheels embedded in base64) load as in a page, and the wheels reach Pyodide through the engine's
// fetch answered from them. `loadPyodide` comes from npm pyodide (tests/pyodide, the pinned version
// the build checks): Node's Pyodide reads its lock file, stdlib and wasm from that folder on disk.
// Presses each book's actions through window.ribbon.OnAction and writes to OUT.json, per book and press:
// the workbook, the calls counted, the messages shown, the snapshots sent and plans received, the time
// taken; and the engine's timings (ms), the files fetched, and the processes started (none should be).

import { createServer } from "node:http";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

const here = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { ".wasm": "application/wasm", ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };

function serve(folder, fetched) {
  const server = createServer((request, reply) => {
    const relative = decodeURIComponent(new URL(request.url, "http://127.0.0.1").pathname).replace(/^\/+/, "");
    const file = path.resolve(folder, relative);
    if (!file.startsWith(path.resolve(folder) + path.sep) || !existsSync(file)) {
      reply.writeHead(404);
      reply.end();
      return;
    }
    fetched.push(relative);
    reply.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
    reply.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function scriptsOf(addinDir) {
  const html = readFileSync(path.join(addinDir, "index.html"), "utf8");
  return [...html.matchAll(/<script src="\.\/([^"]+)"><\/script>/g)].map((m) => m[1]);
}

async function main() {
  const [addinDir, jobPath, outPath] = process.argv.slice(2);
  const job = JSON.parse(readFileSync(jobPath, "utf8"));
  const { FakeApplication } = await import(pathToFileURL(path.join(here, "..", "wps", "fake_et.js")).href);
  const { loadPyodide } = await import(pathToFileURL(path.join(here, "node_modules", "pyodide", "pyodide.mjs")).href);
  const fetched = [];
  const server = await serve(addinDir, fetched);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const started = [];
  const messages = [], questions = [], exchanges = [];
  const window = globalThis;
  window.window = window;
  window.alert = (text) => { messages.push(String(text)); };
  window.confirm = (text) => { questions.push(String(text)); return 1; };
  window.loadPyodide = loadPyodide; // what pyodide/pyodide.js defines in a page
  const httpFetch = globalThis.fetch;
  window.document = { // <script src> as a page runs it: fetched from the server, run in the page's global scope
    createElement: () => ({}),
    head: {
      appendChild(script) {
        if (script.src.endsWith("/pyodide/pyodide.asm.js")) { // Node's Pyodide imports its own (it needs require)
          fetched.push("pyodide/pyodide.asm.js (not run in Node)");
          setTimeout(() => script.onload(), 0);
          return;
        }
        httpFetch(script.src).then((reply) => {
          if (!reply.ok) throw new Error(`${script.src}: ${reply.status}`);
          return reply.text();
        }).then((text) => { vm.runInThisContext(text, { filename: script.src }); script.onload(); },
                (error) => { script.onerror(error); });
      }
    }
  };
  for (const file of scriptsOf(addinDir)) {
    vm.runInThisContext(readFileSync(path.join(addinDir, file), "utf8"), { filename: file });
    if (file === "config.js") { // the page's URLs, as served; Node's Pyodide reads its runtime from disk
      window.JIXIAO_CONFIG.pyodide.baseURL = base;
      window.JIXIAO_CONFIG.pyodide.indexURL = path.join(here, "node_modules", "pyodide") + path.sep;
    }
    if (file === "js/pyodide_engine.js") { // keep what goes through the transport, for the comparison with CPython
      const make = window.JixiaoPress.pyodideTransport;
      window.JixiaoPress.pyodideTransport = (options) => {
        const inner = make(options);
        const transport = async (snapshot) => {
          const sent = JSON.parse(JSON.stringify(snapshot));
          const plan = await inner(snapshot);
          exchanges.push({ snapshot: sent, plan });
          return plan;
        };
        transport.timings = inner.timings;
        return transport;
      };
    }
  }
  if (!window.ribbon || typeof window.ribbon.OnAction !== "function") throw new Error("main.js defines no window.ribbon.OnAction");
  const books = [];
  for (const book of job.books) {
    const app = new FakeApplication(book.grid, (file, params) => { started.push([file, params]); });
    window.Application = app; // the workbook the clerk has open now
    if (!books.length) window.ribbon.OnAddinLoad({});
    const presses = [];
    for (const action of book.actions) {
      const before = { ...app.counter.calls };
      const shown = messages.length, sent = exchanges.length, asked = questions.length;
      const clock = performance.now();
      window.ribbon.OnAction({ Id: `jx_${action}`, Tag: action });
      await window.ribbon.lastPress;
      const ms = performance.now() - clock;
      const calls = {};
      for (const [id, n] of Object.entries(app.counter.calls)) if (n - (before[id] || 0)) calls[id] = n - (before[id] || 0);
      presses.push({ action, ms, calls, messages: messages.slice(shown), workbook: app.dump(),
                     exchanges: exchanges.slice(sent), questions: questions.slice(asked) });
    }
    books.push({ presses });
  }
  server.close();
  const timings = window.ribbon.engine ? window.ribbon.engine.timings : {};
  writeFileSync(outPath, JSON.stringify({ books, timings, fetched, started }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
