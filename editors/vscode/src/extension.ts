// The ICP extension: starts the icp language server over stdio and adds two
// commands. Everything the editor shows about an .icp file (problems, hover,
// completion, formatting, lenses) comes from the server.

import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { planScore } from "./project";
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
  const icp = findProgram(context, "cli.path", "icp");
  if (!icp) {
    void vscode.window.showErrorMessage(
      "ICP: the `icp` command was not found. Install it (docs/editors.md in the icp repository says how) " +
        "or set `icp.cli.path` to where it is.",
    );
    return;
  }
  const args = ["score", file, plan.data, "--format", "table"];
  if (plan.icps.length > 1) {
    // The ICP the cursor is in comes first: the last one declared above it.
    const cursor = editor.selection.active.line;
    const here = [...plan.icps].reverse().find((d) => d.line <= cursor) ?? plan.icps[0];
    const names = [here.name, ...plan.icps.map((d) => d.name).filter((n) => n !== here.name)];
    const name = await vscode.window.showQuickPick(names, {
      placeHolder: "This file has several ICPs: which one scores the sample accounts?",
    });
    if (!name) {
      return;
    }
    args.push("--icp", name);
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
