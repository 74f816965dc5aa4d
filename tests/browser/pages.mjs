// icp's pages in a real browser: Debian's Chromium, driven by playwright-core,
// opens `icp report` and `icp diff --format html` from disk and checks that
// nothing is fetched, nothing is logged as an error, each chart draws the
// fixture's known counts, and every chart fits an A4 page; the diff
// Markdown's Mermaid charts go through Mermaid's own parser and renderer
// (the bundle injected into the page, never fetched), so a chart GitHub
// would refuse fails here. Screenshots and a PDF go to target/browser/.
//
// usage: node pages.mjs [path/to/icp]   (CHROMIUM overrides /usr/bin/chromium)

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const icp = path.resolve(process.argv[2] ?? path.join(repo, "target/debug/icp"));
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = path.join(repo, "target/browser");
for (const [what, file] of [["the icp binary", icp], ["Chromium (apt-get install chromium)", executablePath]]) {
  if (!existsSync(file)) {
    console.error(`error: ${what} is missing: ${file}`);
    process.exit(1);
  }
}
mkdirSync(shots, { recursive: true });

// ------------------------------------------------------------ the fixture's pages

const work = mkdtempSync(path.join(tmpdir(), "icp-browser-"));
const fixture = path.join(here, "fixture");
for (const f of readdirSync(fixture)) copyFileSync(path.join(fixture, f), path.join(work, f));
const run = (cmd, args) =>
  execFileSync(cmd, args, {
    cwd: work,
    encoding: "utf8",
    env: {
      ...process.env,
      NO_COLOR: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "QA",
      GIT_AUTHOR_EMAIL: "qa@example.com",
      GIT_COMMITTER_NAME: "QA",
      GIT_COMMITTER_EMAIL: "qa@example.com",
    },
  });
run(icp, ["report", "icp.icp", "accounts.csv", "-o", "report.html"]);
run("git", ["-c", "init.defaultBranch=main", "init", "-q"]);
run("git", ["add", "-A"]);
run("git", ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "known counts"]);
// A lower bar for tier A: a3 (score 40) moves from B to A.
const icpFile = path.join(work, "icp.icp");
const source = readFileSync(icpFile, "utf8");
assert.ok(source.includes("tier A: score >= 50"));
writeFileSync(icpFile, source.replace("tier A: score >= 50", "tier A: score >= 40"));
run(icp, ["diff", "--format", "html", "-o", "diff.html"]);
const markdown = run(icp, ["diff", "--format", "markdown"]);
writeFileSync(path.join(shots, "diff.md"), markdown);

// What each chart must draw, from the fixture's known counts
// (tests/browser/fixture/icp.icp says where they come from).
const expected = {
  "report.html": [
    // All accounts, after big_enough, after not_banned: 12, 10, 9.
    { title: "Accounts left after each filter and exclusion", bars: 3, points: 0, markers: 0, cells: 0, values: [12, 10, 9] },
    { title: "Accounts per tier", bars: 3, points: 0, markers: 0, cells: 0, values: [2, 3, 4] },
    // Scores 0..60 in bins of 5; thresholds 50 and 30.
    { title: "Score distribution with the tier thresholds", bars: 13, points: 0, markers: 2, cells: 0 },
    // Fired and unknown per signal: busy 4+2, rich 3+5, large 4+0.
    { title: "How often each signal fires or is unknown", bars: 6, points: 0, markers: 0, cells: 0, values: [4, 2, 3, 5, 4, 0] },
    // Points at stake: budget 5 x 20, visits 2 x 30.
    { title: "Points at stake for missing data, per field", bars: 2, points: 0, markers: 0, cells: 0, values: [100, 60] },
    // Outcomes (the fixture's icp.toml): won 2 of 2 in A, 1 of 3 in B, 0 of 3 in C.
    { title: "Win rate per tier with its 95% interval", bars: 3, points: 0, markers: 0, cells: 0, values: [1, 1 / 3, 0] },
    // Six distinct closed scores (60, 50, 40, 30, 10, 0) and the origin.
    { title: "Cumulative gains: share of wins found by the best-scored accounts", bars: 0, points: 7, markers: 0, cells: 0 },
    {
      title: "ROC curve of the score (AUC 0.900)", bars: 0, points: 7, markers: 0, cells: 0,
      // By hand: won 60, 50, 30; lost 40, 30, 10, 0, 0 (false, true positive rates in %).
      at: [[0, 0], [0, 33.3], [0, 66.7], [20, 66.7], [40, 100], [60, 100], [100, 100]],
    },
    // big_enough removed 1 won (of 2 closed); not_banned none.
    { title: "Won deals removed by each filter", bars: 2, points: 0, markers: 0, cells: 0, values: [1, 0] },
  ],
  "diff.html": [
    // A, B, C, excluded before and after: 2/3, 3/2, 4/4, 3/3.
    { title: "Accounts per tier, before and after", bars: 8, points: 0, markers: 0, cells: 0, values: [2, 3, 3, 2, 4, 4, 3, 3] },
    { title: "Tier transitions", bars: 0, points: 0, markers: 0, cells: 16 },
  ],
};

// A4 at 96 dpi less the page's 14 mm margins: what a printed chart must fit.
const mm = 96 / 25.4;
const printable = { width: Math.floor((210 - 28) * mm), height: Math.floor((297 - 28) * mm) };

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
let failures = 0;
const check = (name, fn) => {
  try {
    fn();
    console.log(`ok: ${name}`);
  } catch (e) {
    failures += 1;
    console.error(`FAIL: ${name}\n${e.message}`);
  }
};

try {
  for (const [file, charts] of Object.entries(expected)) {
    const url = pathToFileURL(path.join(work, file)).href;
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const requests = [];
    const errors = [];
    // Every request but the page itself is recorded and refused.
    await context.route("**/*", (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      requests.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    // Routes do not see every scheme (file: ones among them): every
    // request the page makes is recorded too.
    page.on("request", (r) => {
      if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    await page.goto(url, { waitUntil: "load" });
    const drawn = await page.$$eval("svg.chart", (svgs) =>
      svgs.map((s) => ({
        title: s.querySelector(":scope > title")?.textContent ?? "",
        bars: s.querySelectorAll("rect.bar").length,
        points: s.querySelectorAll("circle.point").length,
        markers: s.querySelectorAll("line.marker").length,
        cells: s.querySelectorAll("rect.cell").length,
        // Drawn widths of the bars, as laid out by the browser.
        widths: [...s.querySelectorAll("rect.bar")].map((r) => r.getBoundingClientRect().width),
        // Curve points as their tooltips state them: "score: 20%, 66.7%".
        at: [...s.querySelectorAll("circle.point > title")].map((t) =>
          t.textContent.replace(/^[^:]*: /, "").split(", ").map((v) => parseFloat(v)),
        ),
        fits: s.getBoundingClientRect().right <= document.querySelector("main").getBoundingClientRect().right + 0.5,
      })),
    );
    check(`${file}: no request leaves the page`, () => assert.deepEqual(requests, []));
    check(`${file}: no console errors or warnings`, () => assert.deepEqual(errors, []));
    check(`${file}: the charts drawn`, () =>
      assert.deepEqual(
        drawn.map(({ title, bars, points, markers, cells }) => ({ title, bars, points, markers, cells })),
        charts.map(({ title, bars, points, markers, cells }) => ({ title, bars, points, markers, cells })),
      ),
    );
    for (const [i, want] of charts.entries()) {
      const got = drawn[i];
      if (!want.values || !got) continue;
      // Bars on one scale: drawn widths in proportion to the counts.
      check(`${file}: "${want.title}" bars in proportion to ${want.values.join(", ")}`, () => {
        const unit = got.widths[want.values.indexOf(Math.max(...want.values))] / Math.max(...want.values);
        got.widths.forEach((w, k) => assert.ok(Math.abs(w - want.values[k] * unit) < 0.75, `bar ${k}: ${w} vs ${want.values[k] * unit}`));
      });
    }
    for (const [i, want] of charts.entries()) {
      if (!want.at || !drawn[i]) continue;
      check(`${file}: "${want.title}" points where they belong`, () => assert.deepEqual(drawn[i].at, want.at));
    }
    check(`${file}: every chart fits the page`, () => assert.ok(drawn.every((d) => d.fits)));
    const name = path.basename(file, ".html");
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

    // Printed on A4: every figure fits a page and is never split.
    await page.setViewportSize({ width: printable.width, height: printable.height });
    await page.emulateMedia({ media: "print" });
    const printed = await page.$$eval("figure", (figs) =>
      figs.map((f) => ({
        width: f.getBoundingClientRect().width,
        height: f.getBoundingClientRect().height,
        svgWidth: f.querySelector("svg").getBoundingClientRect().width,
        avoid: getComputedStyle(f).breakInside,
      })),
    );
    check(`${file}: each figure fits an A4 page and is kept whole`, () => {
      for (const f of printed) {
        assert.ok(f.svgWidth <= printable.width + 0.5, `a chart ${f.svgWidth}px wide`);
        assert.ok(f.height <= printable.height, `a figure ${f.height}px high`);
        assert.equal(f.avoid, "avoid");
      }
    });
    await page.pdf({ path: path.join(shots, `${name}.pdf`), format: "A4", printBackground: true });
    await context.close();
  }

  // ---------------------------------------------------------- Mermaid
  const blocks = [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  check("diff.md: one Mermaid chart for the one changed ICP", () => assert.equal(blocks.length, 1));
  const context = await browser.newContext();
  const requests = [];
  await context.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setContent("<!DOCTYPE html><html><body><div id=\"out\"></div></body></html>");
  // Injected from disk as an inline script: nothing is fetched.
  await page.addScriptTag({ path: path.join(here, "node_modules/mermaid/dist/mermaid.min.js") });
  const render = (code, id) =>
    page.evaluate(
      async ({ code, id }) => {
        window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
        try {
          await window.mermaid.parse(code);
          const { svg } = await window.mermaid.render(id, code);
          const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
          return { ok: true, bars: doc.querySelectorAll(".bar-plot-0 rect").length };
        } catch (e) {
          return { ok: false, error: String(e?.message ?? e) };
        }
      },
      { code, id },
    );
  for (const [i, code] of blocks.entries()) {
    const r = await render(code, `chart${i}`);
    check(`diff.md: chart ${i} parses and renders in Mermaid`, () => assert.ok(r.ok, r.error));
    check(`diff.md: chart ${i} has a bar per tier before and after`, () => assert.equal(r.bars, 8));
    const values = code.match(/bar \[([^\]]*)\]/)?.[1];
    check(`diff.md: chart ${i} counts`, () => assert.equal(values, "2, 3, 3, 2, 4, 4, 3, 3"));
  }
  // The check can fail: a chart Mermaid refuses (an unclosed label) is caught.
  const broken = await render('xychart-beta\n    x-axis ["A before, "A after"]\n    bar [1, 2]\n', "broken");
  check("a broken Mermaid chart is refused", () => assert.equal(broken.ok, false));
  check("Mermaid fetched nothing", () => assert.deepEqual(requests, []));
  check("Mermaid raised no page errors", () => assert.deepEqual(errors, []));
  await context.close();
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`${failures} browser check(s) failed`);
  process.exit(1);
}
console.log(`browser: every check passed; screenshots in ${path.relative(repo, shots)}/`);
