// Fails unless every snippet, expanded as VS Code would with its default
// values, is valid ICP: they are put together into a small product and
// `icp check` must find no error (warnings such as "never used" are expected).
// Usage: node scripts/check-snippets.mjs PATH_TO_ICP
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const icp = process.argv[2];
if (!icp) {
  console.error("usage: node scripts/check-snippets.mjs PATH_TO_ICP");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const snippets = JSON.parse(readFileSync(join(root, "snippets", "icp.json"), "utf8"));
const unused = new Set(Object.keys(snippets));

const today = new Date();
const variables = {
  CURRENT_YEAR: String(today.getFullYear()),
  CURRENT_MONTH: String(today.getMonth() + 1).padStart(2, "0"),
  CURRENT_DATE: String(today.getDate()).padStart(2, "0"),
};

/**
 * A snippet's text as inserted when every placeholder is left as it is:
 * defaults, the first choice, variables; `fill` replaces placeholders by number.
 */
function expand(name, fill = {}) {
  const snippet = snippets[name];
  if (!snippet) throw new Error(`no snippet named ${name}`);
  unused.delete(name);
  let text = snippet.body.join("\n");
  // Innermost first, so a default holding a variable is expanded before it.
  for (let before = ""; before !== text; ) {
    before = text;
    text = text
      .replace(/\$\{([A-Z_]+)\}/g, (_, v) => variables[v] ?? "")
      .replace(/\$\{(\d+):([^${}]*)\}/g, (_, n, d) => fill[n] ?? d)
      .replace(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g, (_, n, first) => fill[n] ?? first)
      .replace(/\$\{?(\d+)\}?/g, (_, n) => fill[n] ?? "");
  }
  return text;
}
const indent = (text) => text.replace(/^(?=.)/gm, "\t");

const dir = mkdtempSync(join(tmpdir(), "icp-snippets-"));
mkdirSync(join(dir, "shared"));
mkdirSync(join(dir, "product"));
// One icp.toml above both folders: the import may leave `product/`.
writeFileSync(join(dir, "icp.toml"), '[project]\nname = "snippets"\n');
writeFileSync(
  join(dir, "shared", "accounts.icp"),
  [
    expand("Enum"),
    expand("Schema", { 0: "employees: int\n\tindustry: Industry\n\tcondition: bool" }),
  ].join("\n\n") + "\n",
);
const rules = [
  expand("Filter", { 1: "sized", 2: "condition" }),
  expand("Exclude", { 1: "out", 2: "condition" }),
  expand("Signal", { 1: "fits", 2: "condition" }),
  expand("Signal by bands"),
  expand("Test"),
].join("\n");
writeFileSync(
  join(dir, "product", "icp.icp"),
  [
    expand("Import"),
    expand("Segment", { 1: "mid_market" }),
    expand("Persona", { 1: "ops_lead" }),
    expand("Job to be done", { 1: "plan_production" }),
    expand("ICP", { 1: "main", 0: indent(rules).trimStart() }),
    `icp ladder for Account {\n${indent(expand("Tier ladder"))}\n}`,
  ].join("\n\n") + "\n",
);
if (unused.size) {
  console.error(`snippets this check does not put together: ${[...unused].join(", ")}`);
  process.exit(1);
}

try {
  const out = execFileSync(icp, ["check", join(dir, "product")], { encoding: "utf8", stdio: "pipe" });
  console.log(`snippets: ${Object.keys(snippets).length}, all valid ICP (${out.trim().split("\n").at(-1)})`);
  rmSync(dir, { recursive: true });
} catch (err) {
  console.error(`a snippet expands to invalid ICP; the product is kept in ${dir}:\n${err.stdout}${err.stderr}`);
  process.exit(1);
}
