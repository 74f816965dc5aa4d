// The ICP extension: starts the icp language server over stdio and adds two
// commands. Everything the editor shows about an .icp file (problems, hover,
// completion, formatting, lenses) comes from the server.

import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { sampleData } from "./config";
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
  await client?.stop();
  client = undefined;
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
    const choice = await vscode.window.showErrorMessage(
      "ICP: the language server `icp-lsp` was not found, so .icp files get highlighting only. " +
        "Install it (`cargo install --locked --git https://github.com/icp-lang/icp icp-lsp`) " +
        "or set `icp.server.path` to where it is.",
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "icp.server.path");
    }
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
  client = new LanguageClient("icp", "ICP language server", serverOptions, clientOptions);
  try {
    await client.start();
    output.appendLine(`started ${command}`);
  } catch (err) {
    void vscode.window.showErrorMessage(`ICP: the language server did not start: ${String(err)}`);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (client) {
    await client.stop();
    client = undefined;
  }
  await start(context);
}

/** The nearest `icp.toml` at or above `dir`. */
function nearestConfig(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, "icp.toml");
    if (fs.existsSync(candidate)) {
      return candidate;
    }
    if (path.dirname(d) === d) {
      return undefined;
    }
  }
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
  const config = nearestConfig(path.dirname(file));
  if (!config) {
    void vscode.window.showWarningMessage(
      "ICP: there is no icp.toml in this folder or above it. Add one with " +
        '`[project]` and `sample_data = "accounts.csv"` to name the sample accounts.',
    );
    return;
  }
  const relative = sampleData(fs.readFileSync(config, "utf8"));
  if (!relative) {
    void vscode.window.showWarningMessage(
      `ICP: ${config} does not name sample accounts. Add \`sample_data = "accounts.csv"\` under \`[project]\`.`,
    );
    return;
  }
  const data = path.resolve(path.dirname(config), relative);
  const icp = findProgram(context, "cli.path", "icp");
  if (!icp) {
    void vscode.window.showErrorMessage(
      "ICP: the `icp` command was not found. Install it or set `icp.cli.path`.",
    );
    return;
  }
  output.show(true);
  output.appendLine(`$ icp score ${file} ${data} --format table`);
  cp.execFile(
    icp,
    ["score", file, data, "--format", "table"],
    { cwd: path.dirname(config), maxBuffer: 64 * 1024 * 1024 },
    (err, stdout, stderr) => {
      output.append(stdout);
      output.append(stderr);
      if (err) {
        void vscode.window.showErrorMessage(
          "ICP: scoring failed; the ICP output panel says why.",
        );
      }
    },
  );
}
