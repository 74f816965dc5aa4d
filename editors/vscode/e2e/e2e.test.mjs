// End-to-end: the packaged extension (.vsix, with icp-lsp and icp inside) in
// a real VS Code (code-server), driven by Debian's Chromium through
// playwright-core, as a person would use it: open an example, make a typo
// and read the squiggle and the Problems entry, run the quick fix, hover a
// field, accept a completion, format the document, see the code lens, open
// the report (remade on save) and ask what would move an account up a tier.
//
// Run by run.sh, which finds the programs (ICP_E2E_* variables). code-server
// runs in its own process group with fresh user-data and extension folders
// and a fresh copy of the example, and is killed (the whole group) however
// the tests end. Nothing is skipped: a missing piece fails.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run the tests with editors/vscode/e2e/run.sh`);
  return v;
};
const node24 = env("ICP_E2E_NODE24");
const codeServer = env("ICP_E2E_CODE_SERVER");
const vsix = env("ICP_E2E_VSIX");
const chromiumPath = env("ICP_E2E_CHROMIUM");
const shots = env("ICP_E2E_SHOTS");

// How long one step may wait for the editor; whole tests have their own limit.
const STEP = 30_000;
const TEST = 120_000;

const root = mkdtempSync(join(tmpdir(), "icp-vscode-e2e-"));
const userData = join(root, "user-data");
const extensions = join(root, "extensions");
const workspace = join(root, "workspace");
const product = join(workspace, "erp");
const icpFile = join(product, "icp.icp");
const original = readFileSync(join(repo, "examples/erp/icp.icp"), "utf8");
const TITLE = "Mid-market manufacturers on an ERP";

let server; // the code-server child, leader of its own process group
let serverLog = "";
let browser;
let page;
const outside = []; // requests the page made to anything but this code-server

/** The code-server command line, with Node 24 first on PATH. */
function codeServerArgs(...args) {
  return [codeServer, "--config", join(root, "config.yaml"), "--user-data-dir", userData, "--extensions-dir", extensions, ...args];
}
const serverEnv = {
  ...process.env,
  PATH: `${node24}:${process.env.PATH}`,
  // No extension gallery: nothing is looked up on a marketplace.
  EXTENSIONS_GALLERY: "{}",
  // code-server's own config and logs stay in the temporary folder too.
  XDG_CONFIG_HOME: join(root, "config"),
  XDG_DATA_HOME: join(root, "data"),
};

/** Kills code-server's whole process group: the server, its extension host, the language server. */
function killServer(signal = "SIGKILL") {
  if (server?.pid && server.exitCode === null) {
    try {
      process.kill(-server.pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}
process.on("exit", () => killServer());
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killServer();
    process.exit(1);
  });
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`code-server exited with ${server.exitCode}:\n${serverLog}`);
    }
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > end) throw new Error(`code-server did not answer ${url} within ${ms} ms:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const disk = () => readFileSync(icpFile, "utf8");
/** The 1-based line and column of the first `needle` in the file, plus `shift` columns. */
function where(text, needle, shift = 0) {
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} is not in the file`);
  return { line: line + 1, column: lines[line].indexOf(needle) + 1 + shift };
}

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Runs a command from the command palette by its title. */
async function command(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: STEP });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: STEP });
  await row.click();
}

/** Puts the cursor at a 1-based line and column of the active editor. */
async function goTo({ line, column }) {
  await command("Go to Line/Column");
  const input = page.locator(".quick-input-widget input");
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: STEP });
}

async function save() {
  await page.keyboard.press("Control+s");
  // Saved: the tab loses its dirty mark.
  await page.locator(".tab.active.dirty").waitFor({ state: "detached", timeout: STEP });
}

/** The text of a visible hover, once it contains `expected`. */
async function hoverText(expected) {
  const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: expected }).first();
  await hover.waitFor({ state: "visible", timeout: STEP });
  return (await hover.innerText()).replace(/\u00a0/g, " ");
}

/**
 * Moves the mouse onto `target` (a decoration the editor may draw again at
 * any moment) until a hover containing `expected` shows; its text.
 */
async function pointAt(target, expected) {
  const end = Date.now() + STEP;
  for (let dx = 0; ; dx = (dx + 3) % 9) {
    await target.waitFor({ state: "visible", timeout: STEP });
    const box = await target.boundingBox();
    if (box) {
      // A little to one side each time, so the editor sees the mouse move.
      await page.mouse.move(box.x + Math.min(box.width - 1, 2 + dx), box.y + box.height / 2);
      try {
        const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: expected }).first();
        await hover.waitFor({ state: "visible", timeout: 3000 });
        return (await hover.innerText()).replace(/\u00a0/g, " ");
      } catch (err) {
        if (Date.now() > end) throw err;
      }
    } else if (Date.now() > end) {
      throw new Error(`${target} has no place on the page`);
    }
    await page.waitForTimeout(200);
  }
}

/** The inner document of a webview whose content contains `text`. */
async function webviewWith(text) {
  const end = Date.now() + STEP * 2;
  for (;;) {
    // A webview is two frames deep (VS Code's host page, then the content).
    for (const frame of page.frames()) {
      if (frame !== page.mainFrame()) {
        try {
          const body = await frame.locator("body").innerText({ timeout: 1000 });
          if (body.includes(text)) return { frame, body };
        } catch {
          // Being replaced; look again.
        }
      }
    }
    if (Date.now() > end) throw new Error(`no webview shows ${JSON.stringify(text)}`);
    await page.waitForTimeout(250);
  }
}

/** What the bundled `icp` says about the sample accounts (the lens must say the same). */
function sampleCounts() {
  const unpacked = join(extensions, readExtensionDir(), "server", "icp");
  const r = spawnSync(unpacked, ["score", icpFile, join(product, "accounts.csv"), "--format", "csv"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const tiers = /tiers: (.*)/.exec(r.stderr)?.[1];
  const removed = [...r.stderr.matchAll(/removed by \w+ \w+: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.ok(tiers, r.stderr);
  return `sample data: ${tiers.replace(/, /g, " · ")} · removed ${removed}`;
}
function readExtensionDir() {
  const ext = JSON.parse(readFileSync(join(extensions, "extensions.json"), "utf8"));
  const icp = ext.find((e) => e.identifier.id === "icp.icp-vscode");
  assert.ok(icp, "the extension is installed");
  return icp.relativeLocation;
}

describe("the ICP extension in VS Code (code-server)", { timeout: 900_000 }, () => {
  before(async () => {
    cpSync(join(repo, "examples/erp"), product, { recursive: true });
    mkdirSync(join(userData, "User"), { recursive: true });
    writeFileSync(
      join(userData, "User", "settings.json"),
      JSON.stringify(
        {
          "files.autoSave": "off",
          "security.workspace.trust.enabled": false,
          "telemetry.telemetryLevel": "off",
          "update.mode": "none",
          "extensions.autoCheckUpdates": false,
          "extensions.autoUpdate": false,
          "extensions.ignoreRecommendations": true,
          "workbench.enableExperiments": false,
          "workbench.startupEditor": "none",
          "workbench.tips.enabled": false,
          "chat.disableAIFeatures": true,
          "workbench.secondarySideBar.defaultVisibility": "hidden",
          // Suggestions only when asked for, so each step sees what it asked for.
          "editor.quickSuggestions": { other: "off", comments: "off", strings: "off" },
          "editor.suggestOnTriggerCharacters": false,
          "editor.autoClosingBrackets": "never",
          "editor.autoClosingQuotes": "never",
          "editor.hover.delay": 100,
        },
        null,
        2,
      ),
    );
    // Installed as a user would, from the file.
    const installed = spawnSync(`${node24}/node`, codeServerArgs("--install-extension", vsix), {
      env: serverEnv,
      encoding: "utf8",
      timeout: 180_000,
    });
    assert.equal(installed.status, 0, `installing ${vsix}: ${installed.stdout}${installed.stderr}`);
    assert.match(installed.stdout, /was successfully installed/);
    readExtensionDir();

    const port = await freePort();
    server = spawn(
      `${node24}/node`,
      codeServerArgs(
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--ignore-last-opened",
        workspace,
      ),
      // Its own process group, so it and everything it starts can be killed at once.
      { env: serverEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout.on("data", (d) => (serverLog += d));
    server.stderr.on("data", (d) => (serverLog += d));
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      // Root in a container has no user namespaces for Chromium's sandbox.
      args: ["--no-sandbox", "--disable-gpu"],
      timeout: 60_000,
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(STEP);
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (!["127.0.0.1", "localhost"].includes(u.hostname) && !["data:", "blob:", "vscode-file:"].includes(u.protocol)) {
        outside.push(r.url());
      }
    });
    // Nothing leaves the machine: whatever tries is refused, and the test fails on it below.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { timeout: 60_000 });
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });

    // Open the example as a person would: Quick Open, its name.
    await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ timeout: 60_000 });
    await page.keyboard.press("Control+p");
    await page.locator(".quick-input-widget input").fill("erp/icp.icp");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "icp.icp" }).first().waitFor();
    await page.keyboard.press("Enter");
    await page.locator(".tab.active", { hasText: "icp.icp" }).waitFor();
  });

  after(async () => {
    try {
      if (page) await shot("last");
      await browser?.close();
    } finally {
      killServer("SIGTERM");
      // Given a moment to stop cleanly, then killed for sure.
      const end = Date.now() + 5000;
      while (server && server.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      killServer();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("shows the sample accounts' tiers as a code lens on the ICP, as icp score counts them", { timeout: TEST }, async () => {
    const expected = sampleCounts();
    const lens = page.locator(".codelens-decoration", { hasText: "sample data:" }).first();
    await lens.waitFor({ state: "visible", timeout: 60_000 });
    assert.equal((await lens.innerText()).replace(/\u00a0/g, " ").trim(), expected);
    await shot("1-lens");
  });

  it("underlines a misspelt field with icp check's message, and lists it in Problems", { timeout: TEST }, async () => {
    // `plants` becomes `plantz`: delete its last letter, type a z.
    await goTo(where(original, "plants >= 3", 6));
    await page.keyboard.press("Backspace");
    await page.keyboard.type("z");
    const hover = await pointAt(page.locator(".monaco-editor .squiggly-error").first(), "has no field");
    assert.match(hover, /`Account` has no field `plantz`/);
    await shot("2-squiggle");

    await command("View: Focus Problems");
    const row = page.locator(".markers-panel .monaco-list-row", { hasText: "has no field" }).first();
    await row.waitFor({ state: "visible", timeout: STEP });
    const text = (await row.innerText()).replace(/\s+/g, " ");
    assert.match(text, /`Account` has no field `plantz`/);
    assert.match(text, /E0201/);
    await shot("3-problems");
    // The panel closed again, so the later pictures show the editor and the report.
    await command("View: Hide Panel");
    await page.locator(".markers-panel").waitFor({ state: "hidden", timeout: STEP });
    await command("View: Focus Active Editor Group");
  });

  it("fixes the typo with the quick fix", { timeout: TEST }, async () => {
    await goTo(where(disk().replace("plants >= 3", "plantz >= 3"), "plantz", 2));
    await page.keyboard.press("Control+.");
    const fix = page.locator(".action-widget .monaco-list-row", { hasText: "change to `plants`" }).first();
    await fix.waitFor({ state: "visible", timeout: STEP });
    await shot("4-quick-fix");
    await fix.click();
    await page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "detached", timeout: STEP });
    await save();
    assert.equal(disk(), original, "the quick fix restores the file");
  });

  it("hovers a field: its type and CRM column", { timeout: TEST }, async () => {
    await goTo(where(original, "plants >= 3", 2));
    await command("Show or Focus Hover");
    const text = await hoverText("CRM column");
    assert.match(text, /plants: int, may be missing/);
    assert.match(text, /CRM column: Plants/);
    await shot("5-hover");
    await page.keyboard.press("Escape");
  });

  it("completes a field name in a new signal", { timeout: TEST }, async () => {
    const at = where(original, "signal high_intent");
    await goTo({ line: at.line, column: 1 });
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("signal staff: emplo");
    await page.keyboard.press("Control+Space");
    const item = page.locator(".suggest-widget .monaco-list-row.focused", { hasText: "employees" });
    await item.waitFor({ state: "visible", timeout: STEP });
    await shot("6-completion");
    await page.keyboard.press("Enter");
    await page.keyboard.type(" >= 1000 weight 5");
    await save();
    assert.match(disk(), /\n  signal high_intent: site_visits_30d >= 5 weight 25\n  signal staff: employees >= 1000 weight 5\n/);
    // The new line checks clean: no error in the file.
    await page.waitForTimeout(1500);
    assert.equal(await page.locator(".monaco-editor .squiggly-error").count(), 0);
  });

  it("formats the document as icp fmt does", { timeout: TEST }, async () => {
    const at = where(disk(), "tier A: score", "tier A:".length);
    await goTo(at);
    await page.keyboard.type("    ");
    await save();
    assert.match(disk(), /tier A:     score >= 60/);
    await command("Format Document");
    await page.waitForFunction(() => document.querySelector(".tab.active.dirty") !== null, null, { timeout: STEP });
    await save();
    assert.match(disk(), /\n  tier A: score >= 60\n/);
    // What icp fmt itself says about the saved file: nothing to change.
    const icp = join(extensions, readExtensionDir(), "server", "icp");
    execFileSync(icp, ["fmt", "--check", icpFile], { encoding: "utf8" });
  });

  it("opens the report in a webview with the ICP's title, and remakes it on save", { timeout: TEST * 2 }, async () => {
    await command("ICP: Open report");
    const { body } = await webviewWith(TITLE);
    assert.match(body, /accounts/i);
    await shot("7-report");
    // A new title, saved: the open report follows.
    await command("View: Focus Active Editor Group");
    const at = where(disk(), TITLE, TITLE.length);
    await goTo(at);
    await page.keyboard.type(" (edited)");
    await save();
    await webviewWith(`${TITLE} (edited)`);
    await shot("8-report-remade");
  });

  it("says what would move an account into tier A", { timeout: TEST }, async () => {
    await command("View: Focus Active Editor Group");
    await command("ICP: What would it take");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: STEP });
    await input.fill("0012");
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "score >= 60" }).first().waitFor();
    await input.fill("A");
    await page.keyboard.press("Enter");
    const { body } = await webviewWith("What would move 0012 into tier A");
    assert.match(body, /is in tier B with a score of/);
    assert.match(body, /points/);
    await shot("9-what-would-it-take");
  });

  it("made no request outside this machine", () => {
    assert.deepEqual(outside, []);
  });
});
