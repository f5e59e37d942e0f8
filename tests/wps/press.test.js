// Press the installed WPS add-in's buttons in Node, against the fake Application of fake_et.js.
//
//   node press.test.js ADDIN_DIR GRID.json OUT.json [ACTION…]
//
// Loads the add-in as index.html does (config.js, js/press.js, main.js) into a `window`, presses
// each ACTION (default: score score — a first press and a second one on what it left) through
// window.ribbon.OnAction, and writes the workbook after each press, the calls counted, the messages
// shown and the engine processes the add-in started (ShellExecute) to OUT.json. The add-in's HTTP
// calls go to a real `jixiao serve`, which the add-in starts itself when it does not answer.
// Before anything, the fake is checked against the typings of npm et-jsapi-declare: every member
// it offers must be declared on the interface it stands for.

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

import { FAKES, FakeApplication } from "./fake_et.js";

const here = path.dirname(fileURLToPath(import.meta.url));

function declaredMembers() {
  const typings = readFileSync(path.join(here, "node_modules", "et-jsapi-declare", "lib.et.d.ts"), "utf8");
  const members = {};
  const pattern = /^\tinterface (\w+) \{\n([\s\S]*?)^\t\}/gm;
  for (const [, name, body] of typings.matchAll(pattern)) {
    const found = new Set([...body.matchAll(/^\s+(?:readonly\s+|set\s+|get\s+)?(\w+)\??[(:]/gm)].map((m) => m[1]));
    members[name] = new Set([...(members[name] || []), ...found]);
  }
  const index = readFileSync(path.join(here, "node_modules", "et-jsapi-declare", "index.d.ts"), "utf8");
  const oa = /interface OAAssist \{([\s\S]*?)\n    \}/.exec(index);
  members.OAAssist = new Set([...oa[1].matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]));
  return members;
}

function conformance() {
  const declared = declaredMembers();
  const problems = [];
  const stand = { ...FAKES, Columns: null };
  for (const [name, cls] of Object.entries(stand)) {
    if (!cls) continue;
    const own = Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== "constructor" && !m.startsWith("_"));
    const extras = name === "Application" ? ["OAAssist", "Workbooks", "Build"] : [];
    for (const member of [...own, ...extras]) {
      if (name === "Application" && member === "dump") continue; // the test's own accessor
      const ok = declared[name]?.has(member) || (name === "Application" && member === "OAAssist");
      if (!ok) problems.push(`${name}.${member}`);
    }
  }
  for (const member of ["ShellExecute"]) if (!declared.OAAssist.has(member)) problems.push(`OAAssist.${member}`);
  for (const member of ["AutoFit"]) if (!declared.Range.has(member)) problems.push(`Range.${member} (Columns)`);
  if (problems.length) throw new Error(`the fake offers members et-jsapi-declare does not declare: ${problems.join(", ")}`);
  return Object.keys(stand).length;
}

async function main() {
  const [addinDir, gridPath, outPath, ...actions] = process.argv.slice(2);
  const checked = conformance();
  const grid = JSON.parse(readFileSync(gridPath, "utf8"));
  const engines = [];
  const app = new FakeApplication(grid, (file, params) => {
    // What OAAssist.ShellExecute does on the PC: start the engine, fire and forget.
    const child = spawn(file, params.split(" ").filter(Boolean), { stdio: "ignore", env: process.env, detached: true });
    child.unref(); // the engine outlives this press (it stops itself when idle; the test stops it)
    engines.push(child.pid);
  });
  const messages = [];
  const plans = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, options) => { // the add-in's own fetch, with the plans it receives kept
    const reply = await realFetch(url, options);
    if (String(url).endsWith("/press")) plans.push(await reply.clone().json());
    return reply;
  };
  const window = globalThis;
  window.window = window;
  window.Application = app;
  window.alert = (text) => { messages.push(String(text)); };
  const questions = [];
  window.confirm = (text) => { questions.push(String(text)); return 1; }; // the clerk agrees
  for (const file of ["config.js", "js/press.js", "main.js"]) { // the order of index.html
    vm.runInThisContext(readFileSync(path.join(addinDir, file), "utf8"), { filename: file });
  }
  if (!window.ribbon || typeof window.ribbon.OnAction !== "function") throw new Error("main.js defines no window.ribbon.OnAction");
  window.ribbon.OnAddinLoad({});
  const presses = [];
  for (const action of actions.length ? actions : ["score", "score"]) {
    const before = { ...app.counter.calls };
    const shown = messages.length, received = plans.length, asked = questions.length;
    window.ribbon.OnAction({ Id: `jx_${action}`, Tag: action });
    await window.ribbon.lastPress;
    const calls = {};
    for (const [id, n] of Object.entries(app.counter.calls)) if (n - (before[id] || 0)) calls[id] = n - (before[id] || 0);
    presses.push({ action, calls, messages: messages.slice(shown), workbook: app.dump(), opened: [...app.opened],
                   plans: plans.slice(received), questions: questions.slice(asked) });
  }
  writeFileSync(outPath, JSON.stringify({ conformance: checked, presses, engines, started: app.OAAssist.started }, null, 1));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
