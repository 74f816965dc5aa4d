// The packaged client (dist/extension.js) run in Node against a stand-in for
// the `vscode` module: it activates, says clearly when the server is missing,
// and "ICP: Score the sample accounts" runs the bundled `icp` (server/icp) on
// real products, asking which ICP when a file has several.
// Run after scripts/package.sh: `node test/smoke/score.mjs`.
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ext = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const examples = resolve(ext, "../../examples");

// What the extension did, as the stand-in recorded it.
const seen = { messages: [], output: "", picks: [] };
const handlers = {};
const settings = { "server.path": join(ext, "no-such-dir", "icp-lsp") };
let pick = (items) => items[0];

const disposable = { dispose() {} };
const api = {
  window: {
    activeTextEditor: undefined,
    createOutputChannel: () => ({
      append: (s) => (seen.output += s),
      appendLine: (s) => (seen.output += `${s}\n`),
      show() {},
      dispose() {},
    }),
    showErrorMessage: async (m) => void seen.messages.push(["error", m]),
    showWarningMessage: async (m) => void seen.messages.push(["warning", m]),
    showQuickPick: async (items, options) => {
      seen.picks.push({ items, placeHolder: options?.placeHolder });
      return pick(items);
    },
  },
  commands: {
    registerCommand: (id, fn) => ((handlers[id] = fn), disposable),
    executeCommand: async () => undefined,
  },
  workspace: {
    getConfiguration: () => ({ get: (key, fallback) => settings[key] ?? fallback }),
    onDidChangeConfiguration: () => disposable,
  },
};
// vscode-languageclient reads more of `vscode` when it loads; those parts are
// not used here, so any other name is an inert constructor.
const vscode = new Proxy(api, { get: (t, k) => (k in t ? t[k] : function Inert() {}) });

const stub = mkdtempSync(join(tmpdir(), "icp-vscode-stub-"));
mkdirSync(join(stub, "vscode"));
writeFileSync(join(stub, "vscode", "index.js"), "module.exports = globalThis.__vscode;");
globalThis.__vscode = vscode;
const require = createRequire(import.meta.url);
// The bundle asks for `vscode` (VS Code provides it at run time); resolve it
// to the stand-in instead.
const Module = require("module");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? join(stub, "vscode", "index.js") : resolveFilename.call(this, request, ...rest);
};
const extension = require(join(ext, "dist", "extension.js"));

const context = { subscriptions: [], asAbsolutePath: (p) => join(ext, p) };
await extension.activate(context);
assert.ok(handlers["icp.restartServer"] && handlers["icp.scoreSampleAccounts"], "both commands registered");
assert.match(seen.messages.at(-1)?.[1] ?? "", /icp\.server\.path.*does not exist/, "a missing server is reported");

function open(file, line = 0) {
  api.window.activeTextEditor = {
    document: {
      languageId: "icp",
      isUntitled: false,
      isDirty: false,
      uri: { fsPath: file },
      getText: () => readFileSync(file, "utf8"),
      save: async () => true,
    },
    selection: { active: { line } },
  };
}

/** Runs the score command and waits for `icp` to finish (its summary names the tiers). */
async function score(file, line = 0) {
  open(file, line);
  seen.output = "";
  seen.messages = [];
  await handlers["icp.scoreSampleAccounts"]();
  for (let i = 0; i < 200 && !/tiers:|failed/.test(seen.output + seen.messages.join()); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return seen.output;
}

// One ICP: the bundled icp scores examples/erp's sample accounts.
let out = await score(join(examples, "erp", "icp.icp"));
assert.match(out, /server\/icp score .*erp\/icp\.icp .*erp\/accounts\.csv --format table/);
assert.match(out, /tiers: A \d+, B \d+, C \d+/);
assert.deepEqual(seen.messages, []);

// Two ICPs: the one the cursor is in is offered first, and the choice is passed on.
const product = mkdtempSync(join(tmpdir(), "icp-vscode-product-"));
for (const f of ["icp.toml", "accounts.csv", "accounts.icp", "icp.icp"]) {
  cpSync(join(examples, "erp", f), join(product, f));
}
appendFileSync(join(product, "icp.icp"), '\nicp second "Second" for Account extends mid_market_manufacturing {\n  drop geo\n}\n');
const lines = readFileSync(join(product, "icp.icp"), "utf8").split("\n").length;
out = await score(join(product, "icp.icp"), lines - 2);
assert.deepEqual(seen.picks.at(-1).items, ["second", "mid_market_manufacturing"]);
assert.match(out, /--icp second/);
assert.match(out, /tiers: A \d+, B \d+, C \d+/);

// Nothing to score: a file of shared definitions; a product without sample data.
await score(join(examples, "erp", "accounts.icp"));
assert.match(seen.messages[0]?.[1] ?? "", /declares no ICP/);
writeFileSync(join(product, "icp.toml"), '[project]\nname = "no samples"\n');
await score(join(product, "icp.icp"));
assert.match(seen.messages[0]?.[1] ?? "", /does not name sample accounts/);

rmSync(stub, { recursive: true });
rmSync(product, { recursive: true });
console.log("extension smoke test: activation, missing server, score command (one ICP, a choice of two, nothing to score): all passed");
