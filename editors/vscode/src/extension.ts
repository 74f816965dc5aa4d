// The ICP extension: starts the icp language server over stdio and adds its
// commands. Everything the editor shows about an .icp file (problems, hover,
// completion, formatting, lenses) comes from the server; the commands run the
// `icp` program (score, report, what would it take).

import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { IcpDecl, nearestConfig, planScore } from "./project";
import {
  answerHtml,
  errorPage,
  explainArgs,
  parseAnswer,
  reportArgs,
  secureReportHtml,
  Tier,
  tiersOf,
} from "./views";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("ICP");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("icp.restartServer", () => restart(context)),
    vscode.commands.registerCommand("icp.scoreSampleAccounts", () => scoreSampleAccounts(context)),
    vscode.commands.registerCommand("icp.openReport", () => openReport(context)),
    vscode.commands.registerCommand("icp.whatWouldItTake", () => whatWouldItTake(context)),
    vscode.workspace.onDidSaveTextDocument((doc) => refreshReports(doc.uri.fsPath)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("icp.server.path")) {
        void restart(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}

/** `icp.server.path`, else the binary bundled in this package, else `PATH`. */
function findProgram(
  context: vscode.ExtensionContext,
  setting: string,
  name: string,
): string | undefined {
  const configured = vscode.workspace.getConfiguration("icp").get<string>(setting, "").trim();
  if (configured) {
    return configured;
  }
  const exe = process.platform === "win32" ? `${name}.exe` : name;
  const bundled = context.asAbsolutePath(path.join("server", exe));
  if (fs.existsSync(bundled)) {
    return bundled;
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, exe);
    if (dir && fs.existsSync(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const command = findProgram(context, "server.path", "icp-lsp");
  if (!command) {
    const message = vscode.window.showErrorMessage(
      "ICP: the language server `icp-lsp` was not found, so .icp files get colours only: " +
        "no problems, hover or completion. Install it (docs/editors.md in the icp repository says how) " +
        "or set `icp.server.path` to where it is.",
      "Open Settings",
    );
    // Not awaited: activation must not wait for someone to close the message.
    void message.then((choice) => {
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "icp.server.path");
      }
    });
    return;
  }
  if (!fs.existsSync(command)) {
    void vscode.window.showErrorMessage(
      `ICP: \`icp.server.path\` is set to \`${command}\`, which does not exist.`,
    );
    return;
  }
  const serverOptions: ServerOptions = {
    command,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "icp" },
      { scheme: "untitled", language: "icp" },
    ],
    outputChannel: output,
    traceOutputChannel: output,
  };
  const starting = new LanguageClient("icp", "ICP language server", serverOptions, clientOptions);
  try {
    await starting.start();
    client = starting;
    output.appendLine(`started ${command}`);
  } catch (err) {
    // A client that never started cannot be stopped, so it is not kept for restart.
    void vscode.window.showErrorMessage(
      `ICP: the language server \`${command}\` did not start (${String(err)}). ` +
        "Check `icp.server.path`, then run ICP: Restart the language server.",
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  try {
    await running?.stop();
  } catch (err) {
    // It crashed for good and is stopped already; nothing is left to close.
    output.appendLine(`stopping the server: ${String(err)}`);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  await stop();
  await start(context);
}

/** Runs `icp score` on the active ICP with its product's sample accounts. */
async function scoreSampleAccounts(context: vscode.ExtensionContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "icp" || editor.document.isUntitled) {
    void vscode.window.showWarningMessage("ICP: open a saved .icp file first.");
    return;
  }
  if (editor.document.isDirty) {
    await editor.document.save();
  }
  const file = editor.document.uri.fsPath;
  const plan = planScore(file, editor.document.getText());
  if (!plan.ok) {
    void vscode.window.showWarningMessage(`ICP: ${plan.message}`);
    return;
  }
  const icp = icpProgram(context);
  if (!icp) {
    return;
  }
  const args = ["score", file, plan.data, "--format", "table"];
  const chosen = await chooseIcp(editor, plan.icps, "scores the sample accounts");
  if (chosen === null) {
    return;
  }
  if (chosen) {
    args.push("--icp", chosen);
  }
  output.show(true);
  output.appendLine(`$ ${icp} ${args.join(" ")}`);
  // From the product folder, as a person at a terminal would run it.
  cp.execFile(
    icp,
    args,
    { cwd: path.dirname(plan.config), maxBuffer: 64 * 1024 * 1024 },
    (err, stdout, stderr) => {
      output.append(stdout);
      output.append(stderr);
      if (err && !stderr) {
        // `icp` could not be run at all (a wrong `icp.cli.path`, say): say so.
        output.appendLine(err.message);
      }
      if (err) {
        void vscode.window.showErrorMessage(
          "ICP: scoring failed; the ICP output panel says why.",
        );
      }
    },
  );
}

/**
 * The ICP to use in a file of several: a quick pick with the one the cursor
 * is in first. `undefined` when the file has one (no `--icp` needed), `null`
 * when the pick was dismissed.
 */
async function chooseIcp(
  editor: vscode.TextEditor,
  icps: IcpDecl[],
  purpose: string,
): Promise<string | undefined | null> {
  if (icps.length <= 1) {
    return undefined;
  }
  // The ICP the cursor is in comes first: the last one declared above it.
  const cursor = editor.selection.active.line;
  const here = [...icps].reverse().find((d) => d.line <= cursor) ?? icps[0];
  const names = [here.name, ...icps.map((d) => d.name).filter((n) => n !== here.name)];
  const name = await vscode.window.showQuickPick(names, {
    placeHolder: `This file has several ICPs: which one ${purpose}?`,
  });
  return name ?? null;
}

/** An ICP and the accounts a report or an explanation is made from. */
interface Target {
  file: string;
  data: string;
  /** The product folder: that of the nearest icp.toml, else the file's. */
  product: string;
  /** The ICP to pass as `--icp`: only when the file has several. */
  icp?: string;
  /** The ICP's name, for titles. */
  name: string;
}

/** Sample data files the user picked, by product folder, for products whose icp.toml names none. */
const PICKED = "icp.pickedSampleData";

/**
 * The open ICP and its product's sample accounts: `sample_data` of the
 * nearest icp.toml, else the file the user picked for this product before,
 * else one they pick now (remembered for this workspace).
 */
async function target(context: vscode.ExtensionContext, purpose: string): Promise<Target | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "icp" || editor.document.isUntitled) {
    void vscode.window.showWarningMessage("ICP: open a saved .icp file first.");
    return undefined;
  }
  if (editor.document.isDirty) {
    await editor.document.save();
  }
  const file = editor.document.uri.fsPath;
  const plan = planScore(file, editor.document.getText());
  let data: string;
  let product: string;
  if (plan.ok) {
    data = plan.data;
    product = path.dirname(plan.config);
  } else if (plan.why === "no-config" || plan.why === "no-sample-data") {
    const config = nearestConfig(path.dirname(file));
    product = path.dirname(config ?? file);
    const picked = await pickSampleData(context, product, plan.message);
    if (!picked) {
      return undefined;
    }
    data = picked;
  } else {
    void vscode.window.showWarningMessage(`ICP: ${plan.message}`);
    return undefined;
  }
  const icp = await chooseIcp(editor, plan.icps, purpose);
  if (icp === null) {
    return undefined;
  }
  return { file, data, product, icp, name: icp ?? plan.icps[0]?.name ?? path.basename(file, ".icp") };
}

/** The remembered sample data of `product`, or one the user picks now. */
async function pickSampleData(
  context: vscode.ExtensionContext,
  product: string,
  why: string,
): Promise<string | undefined> {
  const picked = context.workspaceState.get<Record<string, string>>(PICKED, {});
  const known = picked[product];
  if (known && fs.existsSync(known)) {
    return known;
  }
  void vscode.window.showInformationMessage(
    `ICP: ${why} Pick the sample accounts; they are remembered for this workspace.`,
  );
  const chosen = await vscode.window.showOpenDialog({
    title: "Sample accounts for this ICP",
    openLabel: "Use these accounts",
    defaultUri: vscode.Uri.file(product),
    canSelectMany: false,
    canSelectFolders: false,
    filters: { "Accounts (CSV, TSV, JSON lines)": ["csv", "tsv", "jsonl", "ndjson"] },
  });
  const data = chosen?.[0]?.fsPath;
  if (data) {
    await context.workspaceState.update(PICKED, { ...picked, [product]: data });
  }
  return data;
}

/** The `icp` program, or undefined after saying where to set it. */
function icpProgram(context: vscode.ExtensionContext): string | undefined {
  const icp = findProgram(context, "cli.path", "icp");
  if (!icp) {
    void vscode.window.showErrorMessage(
      "ICP: the `icp` command was not found. Install it (docs/editors.md in the icp repository says how) " +
        "or set `icp.cli.path` to where it is.",
    );
  }
  return icp;
}

interface Ran {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `icp` from the product folder, as a person at a terminal would, with a
 * cancellable progress note; logs the command and what it said on error.
 */
function runIcp(icp: string, args: string[], cwd: string, title: string): Thenable<Ran> {
  output.appendLine(`$ ${icp} ${args.join(" ")}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_progress, token) =>
      new Promise<Ran>((resolve) => {
        const child = cp.execFile(icp, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err && !stderr) {
            // `icp` could not be run at all (a wrong `icp.cli.path`, say), or was cancelled.
            stderr = token.isCancellationRequested ? "cancelled" : err.message;
          }
          if (err) {
            output.appendLine(stderr.trimEnd());
          }
          resolve({ ok: !err, stdout, stderr });
        });
        token.onCancellationRequested(() => child.kill());
      }),
  );
}

/** One open report: its webview and what it is made from. */
interface ReportView {
  panel: vscode.WebviewPanel;
  target: Target;
  context: vscode.ExtensionContext;
  /** Set while `icp report` runs; a save meanwhile asks for one more run. */
  running: boolean;
  again: boolean;
}

const reports = new Map<string, ReportView>();

/** ICP: Open report: `icp report` on the open ICP and its sample accounts, in a webview. */
async function openReport(context: vscode.ExtensionContext): Promise<void> {
  const t = await target(context, "goes in the report");
  if (!t) {
    return;
  }
  const key = `${t.file}\0${t.icp ?? ""}`;
  const open = reports.get(key);
  if (open) {
    open.target = t;
    open.panel.reveal(undefined, true);
    await renderReport(open);
    return;
  }
  const panel = vscode.window.createWebviewPanel(
    "icp.report",
    `Report: ${t.name}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
    // The report is self-contained: no script, no local file.
    { enableScripts: false, localResourceRoots: [], enableFindWidget: true, retainContextWhenHidden: true },
  );
  const view: ReportView = { panel, target: t, context, running: false, again: false };
  reports.set(key, view);
  panel.onDidDispose(() => reports.delete(key));
  await renderReport(view);
}

/** Makes the report again into the view; saves during a run lead to one more run. */
async function renderReport(view: ReportView): Promise<void> {
  if (view.running) {
    view.again = true;
    return;
  }
  view.running = true;
  try {
    do {
      view.again = false;
      const icp = icpProgram(view.context);
      if (!icp) {
        return;
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "icp-report-"));
      try {
        const out = path.join(dir, "report.html");
        const t = view.target;
        const ran = await runIcp(icp, reportArgs(t.file, t.data, out, t.icp), t.product, "ICP: making the report");
        if (ran.ok && fs.existsSync(out)) {
          view.panel.webview.html = secureReportHtml(fs.readFileSync(out, "utf8"));
        } else {
          view.panel.webview.html = errorPage(
            "The report could not be made",
            `icp report ${path.basename(t.file)} ${path.basename(t.data)} failed; fix what it says and save to try again.`,
            ran.stderr,
          );
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } while (view.again);
  } finally {
    view.running = false;
  }
}

/**
 * A saved .icp file or icp.toml of a product remakes the open reports of
 * that product; so does saving the data a report is made from.
 */
function refreshReports(saved: string): void {
  const source = saved.endsWith(".icp") || path.basename(saved) === "icp.toml";
  for (const view of reports.values()) {
    const rel = path.relative(view.target.product, saved);
    const inProduct = rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
    if ((source && inProduct) || saved === view.target.data) {
      void renderReport(view);
    }
  }
}

let answerPanel: vscode.WebviewPanel | undefined;
/** The account id asked for last, offered again. */
let lastId = "";

/** ICP: What would it take: which signals would move an account into a better tier. */
async function whatWouldItTake(context: vscode.ExtensionContext): Promise<void> {
  const t = await target(context, "should the account be judged by");
  if (!t) {
    return;
  }
  const icp = icpProgram(context);
  if (!icp) {
    return;
  }
  // The tiers as `icp` resolves them (an ICP that extends another inherits its tiers).
  const planned = await runIcp(
    icp,
    ["compile", t.file, "--emit", "plan", ...(t.icp ? ["--icp", t.icp] : [])],
    t.product,
    "ICP: reading the tiers",
  );
  if (!planned.ok) {
    void vscode.window.showErrorMessage("ICP: the ICP does not compile; the ICP output panel says why.");
    output.show(true);
    return;
  }
  let tiers: Tier[];
  let title: string;
  try {
    tiers = tiersOf(planned.stdout, t.icp);
    title = (JSON.parse(planned.stdout) as { plans: { title?: string }[] }).plans[0]?.title ?? t.name;
  } catch (err) {
    void vscode.window.showErrorMessage(`ICP: could not read the tiers from \`icp compile\` (${String(err)}).`);
    return;
  }
  const id = await vscode.window.showInputBox({
    title: "What would it take",
    prompt: `The id of an account in ${path.basename(t.data)} (its key column)`,
    value: lastId,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : "an account id, as in the data's key column"),
  });
  if (!id?.trim()) {
    return;
  }
  lastId = id.trim();
  const tier = await vscode.window.showQuickPick(
    tiers.map((x) => ({ label: x.name, description: x.rule })),
    { title: "What would it take", placeHolder: `Which tier should ${lastId} reach?`, ignoreFocusOut: true },
  );
  if (!tier) {
    return;
  }
  const ran = await runIcp(icp, explainArgs(t.file, t.data, lastId, tier.label, t.icp), t.product, "ICP: explaining");
  let html: string;
  if (ran.ok) {
    try {
      html = answerHtml(parseAnswer(ran.stdout), title);
    } catch (err) {
      html = errorPage("What would it take", String(err instanceof Error ? err.message : err), ran.stdout);
    }
  } else {
    html = errorPage(`What would move ${lastId} into tier ${tier.label}`, "icp explain failed:", ran.stderr);
  }
  if (!answerPanel) {
    answerPanel = vscode.window.createWebviewPanel(
      "icp.whatWouldItTake",
      "What would it take",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false, localResourceRoots: [] },
    );
    answerPanel.onDidDispose(() => (answerPanel = undefined));
  }
  answerPanel.title = `What would it take: ${lastId} → ${tier.label}`;
  answerPanel.webview.html = html;
  answerPanel.reveal(undefined, true);
}
