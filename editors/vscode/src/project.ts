// What the score command needs to know about a product folder, without VS Code,
// so it can be tested with plain Node: the nearest `icp.toml`, its sample
// accounts, and the ICPs a file declares.

import * as fs from "fs";
import * as path from "path";

/** `sample_data` of the `[project]` table (a plain string value). */
export function sampleData(toml: string): string | undefined {
  let section = "";
  for (const raw of toml.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[([^\]"]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      section = header[1].trim();
      continue;
    }
    // A `#` inside the quotes is part of the path, not a comment.
    const m = /^sample_data\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(line);
    if (section === "project" && m) {
      return m[1].replace(/\\(.)/g, "$1");
    }
  }
  return undefined;
}

/** The nearest `icp.toml` at or above `dir` (the one the server and `icp` use too). */
export function nearestConfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, "icp.toml");
    if (fs.existsSync(candidate)) {
      return candidate;
    }
    if (path.dirname(d) === d) {
      return undefined;
    }
  }
}

/** An ICP declared in a file, with the line (0-based) it starts on. */
export interface IcpDecl {
  name: string;
  line: number;
}

/**
 * The ICPs declared in `text`. ICPs are top-level items, so a line that starts
 * with the word `icp` and a name is a declaration; a comment or a string never
 * starts a line that way.
 */
export function icpNames(text: string): IcpDecl[] {
  const found: IcpDecl[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*icp\s+([\p{XID_Start}_]\p{XID_Continue}*)/u.exec(line);
    if (m) {
      found.push({ name: m[1], line: i });
    }
  });
  return found;
}

/**
 * What to run for `icp score`, or why it cannot run, in words for the user.
 * `why` tells the commands that can ask for a data file (report, what would
 * it take) when asking would help: no `icp.toml`, or one that names no
 * sample accounts.
 */
export type ScorePlan =
  | { ok: true; config: string; data: string; icps: IcpDecl[] }
  | { ok: false; message: string; why: "no-icp" | "no-config" | "no-sample-data" | "missing-data"; icps: IcpDecl[] };

/** Finds the sample accounts and ICPs for scoring `file` (whose text is `text`). */
export function planScore(file: string, text: string): ScorePlan {
  const icps = icpNames(text);
  if (icps.length === 0) {
    return {
      ok: false,
      why: "no-icp",
      icps,
      message:
        `${path.basename(file)} declares no ICP (only shared definitions), so there is nothing to score. ` +
        "Open the file with the `icp ... for ...` block.",
    };
  }
  const config = nearestConfig(path.dirname(file));
  if (!config) {
    return {
      ok: false,
      why: "no-config",
      icps,
      message:
        "there is no icp.toml in this folder or above it, so the sample accounts are unknown. " +
        'Add an icp.toml with `[project]` and `sample_data = "accounts.csv"`.',
    };
  }
  const relative = sampleData(fs.readFileSync(config, "utf8"));
  if (!relative) {
    return {
      ok: false,
      why: "no-sample-data",
      icps,
      message: `${config} does not name sample accounts. Add \`sample_data = "accounts.csv"\` under \`[project]\`.`,
    };
  }
  // Relative to the icp.toml, as `icp` and the server read it.
  const data = path.resolve(path.dirname(config), relative);
  if (!fs.existsSync(data)) {
    return {
      ok: false,
      why: "missing-data",
      icps,
      message: `the sample accounts ${data}, named by ${config}, do not exist.`,
    };
  }
  return { ok: true, config, data, icps };
}
