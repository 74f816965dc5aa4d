// Reading `icp.toml`, without VS Code, so it can be tested with plain Node.

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

