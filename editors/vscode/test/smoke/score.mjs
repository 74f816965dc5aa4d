// The packaged client (dist/extension.js) run in Node against a stand-in for
// the `vscode` module: it activates, says clearly when the server is missing,
// and "ICP: Score the sample accounts" runs the bundled `icp` (server/icp) on
// real products, asking which ICP when a file has several; "ICP: Open
// report" puts the bundled `icp report` in a webview, remade when the ICP is
// saved, asking for the sample accounts (once per product) when icp.toml
// names none; "ICP: What would it take" asks for an account and a tier and
// shows the answer of `icp explain --to`.
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
const seen = { messages: [], output: "", picks: [], panels: [], inputs: [], dialogs: [] };
const handlers = {};
const onSave = [];
let input = () => undefined;
let dialog = () => undefined;
const state = new Map();
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
    showInformationMessage: async (m) => void seen.messages.push(["info", m]),
    showQuickPick: async (items, options) => {
      seen.picks.push({ items, placeHolder: options?.placeHolder });
      return pick(items);
    },
    showInputBox: async (options) => {
      seen.inputs.push(options);
      return input(options);
    },
    showOpenDialog: async (options) => {
      seen.dialogs.push(options);
      return dialog(options);
    },
    withProgress: (_options, task) => task({ report() {} }, { isCancellationRequested: false, onCancellationRequested() {} }),
    createWebviewPanel: (viewType, title) => {
      const panel = {
        viewType,
        title,
        webview: { html: "" },
        revealed: 0,
        reveal() {
          panel.revealed++;
        },
        onDidDispose: () => disposable,
      };
      seen.panels.push(panel);
      return panel;
    },
  },
  Uri: { file: (fsPath) => ({ fsPath }) },
  ViewColumn: { Beside: -2 },
  ProgressLocation: { Notification: 15 },
  commands: {
    registerCommand: (id, fn) => ((handlers[id] = fn), disposable),
    executeCommand: async () => undefined,
  },
  workspace: {
    getConfiguration: () => ({ get: (key, fallback) => settings[key] ?? fallback }),
    onDidChangeConfiguration: () => disposable,
    onDidSaveTextDocument: (fn) => (onSave.push(fn), disposable),
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

const context = {
  subscriptions: [],
  asAbsolutePath: (p) => join(ext, p),
  workspaceState: { get: (k, d) => state.get(k) ?? d, update: async (k, v) => void state.set(k, v) },
};
await extension.activate(context);
for (const id of ["icp.restartServer", "icp.scoreSampleAccounts", "icp.openReport", "icp.whatWouldItTake"]) {
  assert.ok(handlers[id], `${id} registered`);
}
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

// ICP: Open report: the bundled icp's report of examples/erp, in a webview
// with a policy against scripts and requests; remade when an .icp of the
// product is saved, not when another file is.
seen.messages = [];
open(join(examples, "erp", "icp.icp"));
await handlers["icp.openReport"]();
const report = seen.panels.at(-1);
assert.equal(report?.viewType, "icp.report");
assert.equal(report.title, "Report: mid_market_manufacturing");
assert.match(seen.output, /server\/icp report .*erp\/icp\.icp .*erp\/accounts\.csv -o \S+report\.html/);
assert.match(report.webview.html, /Mid-market manufacturers on an ERP/);
assert.match(report.webview.html, /<head[^>]*><meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
assert.deepEqual(seen.messages, []);
report.webview.html = "";
onSave.forEach((fn) => fn({ uri: { fsPath: join(examples, "saas", "icp.icp") } }));
await new Promise((r) => setTimeout(r, 300));
assert.equal(report.webview.html, "", "a save in another product leaves the report alone");
onSave.forEach((fn) => fn({ uri: { fsPath: join(examples, "erp", "accounts.icp") } }));
for (let i = 0; i < 200 && !report.webview.html; i++) await new Promise((r) => setTimeout(r, 50));
assert.match(report.webview.html, /Mid-market manufacturers on an ERP/, "a save of the product's .icp remakes it");
report.webview.html = "";
onSave.forEach((fn) => fn({ uri: { fsPath: join(examples, "erp", "accounts.csv") } }));
for (let i = 0; i < 200 && !report.webview.html; i++) await new Promise((r) => setTimeout(r, 50));
assert.match(report.webview.html, /Mid-market manufacturers on an ERP/, "a save of its data remakes it");
report.webview.html = "";
onSave.forEach((fn) => fn({ uri: { fsPath: join(examples, "erp", "contacts.csv") } }));
await new Promise((r) => setTimeout(r, 300));
assert.equal(report.webview.html, "", "a save of other data leaves it alone");
// The same command again shows the same panel.
await handlers["icp.openReport"]();
assert.equal(seen.panels.filter((p) => p.viewType === "icp.report").length, 1);
assert.ok(report.revealed >= 1);

// A product whose icp.toml configures [outcomes]: the report has the win
// rates and curves, with no flag from the extension.
open(join(examples, "saas", "icp.icp"));
await handlers["icp.openReport"]();
const saas = seen.panels.at(-1);
assert.notEqual(saas, report, "another ICP, another panel");
assert.match(saas.webview.html, /Win rate per tier/);
assert.match(saas.webview.html, /ROC curve/);
assert.doesNotMatch(seen.output.split("\n").filter((l) => l.includes("report ")).at(-1), /--outcome|--won/);

// A report that cannot be made says why, in the panel.
writeFileSync(join(product, "icp.toml"), '[project]\nsample_data = "accounts.csv"\n');
writeFileSync(join(product, "broken.icp"), 'import "accounts.icp"\nicp broken "Broken" for Account {\n  filter x: plantz > 1\n  tier A: otherwise\n}\n');
open(join(product, "broken.icp"));
await handlers["icp.openReport"]();
assert.match(seen.panels.at(-1).webview.html, /The report could not be made/);
assert.match(seen.panels.at(-1).webview.html, /plantz/);

// No sample data named: the user picks a file once per product; it is remembered.
writeFileSync(join(product, "icp.toml"), '[project]\nname = "no samples"\n');
open(join(product, "icp.icp"));
dialog = () => [{ fsPath: join(product, "accounts.csv") }];
await handlers["icp.openReport"]();
assert.equal(seen.dialogs.length, 1);
assert.match(seen.messages.find((m) => m[0] === "info")?.[1] ?? "", /does not name sample accounts.*remembered/);
assert.match(seen.panels.at(-1).webview.html, /Mid-market manufacturers on an ERP/);
assert.match(seen.output, /report .*icp\.icp .*accounts\.csv -o \S+ --icp mid_market_manufacturing/);
await handlers["icp.openReport"]();
assert.equal(seen.dialogs.length, 1, "the picked file is remembered");

// ICP: What would it take: an account id, a tier from the ICP's own tiers, the answer.
seen.messages = [];
open(join(examples, "erp", "icp.icp"));
input = () => "0012";
pick = (items) => items.find((t) => t.label === "A");
await handlers["icp.whatWouldItTake"]();
assert.deepEqual(seen.picks.at(-1).items.map((t) => `${t.label}: ${t.description}`), [
  "A: score >= 60",
  "B: score >= 35",
  "C: otherwise",
]);
assert.match(seen.output, /server\/icp explain .*erp\/icp\.icp .*erp\/accounts\.csv --id 0012 --to A --format json/);
const answer = seen.panels.at(-1);
assert.equal(answer.viewType, "icp.whatWouldItTake");
assert.equal(answer.title, "What would it take: 0012 → A");
assert.match(answer.webview.html, /What would move 0012 into tier A/);
assert.match(answer.webview.html, /is in tier B with a score of/);
assert.deepEqual(seen.messages, []);
// An id that is not in the data: icp's own message, in the panel.
input = () => "no-such-account";
await handlers["icp.whatWouldItTake"]();
assert.match(answer.webview.html, /icp explain failed/);
assert.match(answer.webview.html, /no-such-account/);
// Dismissed prompts run nothing.
const before = seen.output;
input = () => undefined;
await handlers["icp.whatWouldItTake"]();
assert.equal(seen.output.split("$ ").length, before.split("$ ").length + 1, "only the tiers were read");

rmSync(stub, { recursive: true });
rmSync(product, { recursive: true });
console.log(
  "extension smoke test: activation, missing server, score command (one ICP, a choice of two, nothing to score), " +
    "report (webview, remade on save, outcomes from icp.toml, error, picked data), what would it take (answer, unknown id): all passed",
);
