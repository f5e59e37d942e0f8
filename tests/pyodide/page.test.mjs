// Open the add-in built with `jixiao wps build OUT --engine pyodide` as WPS opens an offline add-in —
// its index.html from the folder, a file:// page — in Debian's chromium (headless, through
// playwright-core), give the page the fake WPS Application of tests/wps/fake_et.js holding a workbook,
// and press 「计算得分」 once.
//
//   node page.test.mjs ADDIN_DIR GRID.json OUT.json
//
// Writes to OUT.json: the workbook after the press, the messages shown, the engine's timings (ms), the
// press's time, every URL the page requested (all file://: no server, no network) and the browser's version.
// CHROMIUM names the browser (default /usr/bin/chromium).

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const [addinDir, gridPath, outPath] = process.argv.slice(2);
  const grid = JSON.parse(readFileSync(gridPath, "utf8"));
  // fake_et.js is an ES module; a file:// page runs no module script, so its classes go in as a classic script.
  const fake = readFileSync(path.join(here, "..", "wps", "fake_et.js"), "utf8").replace(/^export /gm, "");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const requested = [], errors = [];
    page.on("request", (request) => requested.push(request.url()));
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path.join(addinDir, "index.html")).href);
    await page.addScriptTag({ content: `${fake}\nwindow.FakeApplication = FakeApplication;` });
    const result = await page.evaluate(async (grid) => {
      const app = new window.FakeApplication(grid, () => { throw new Error("the page started a program"); });
      window.Application = app;
      const messages = [];
      window.alert = (text) => { messages.push(String(text)); };
      window.ribbon.OnAddinLoad({});
      const clock = performance.now();
      window.ribbon.OnAction({ Id: "jx_score", Tag: "score" });
      await window.ribbon.lastPress;
      return { ms: performance.now() - clock, messages, workbook: app.dump(), timings: window.ribbon.engine.timings,
               href: location.href };
    }, grid);
    writeFileSync(outPath, JSON.stringify({ ...result, requested, errors, browser: browser.version() }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
