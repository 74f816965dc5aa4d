// Fails unless the grammar tests assert every scope the grammars assign, and
// every keyword the compiler's lexer knows is highlighted as one.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const grammars = ["icp.tmLanguage.json", "icp-markdown.tmLanguage.json"].map((f) =>
  JSON.parse(readFileSync(join(root, "syntaxes", f), "utf8")),
);

// Every scope name a grammar can assign.
const assigned = new Set();
function collect(node) {
  if (Array.isArray(node)) return node.forEach(collect);
  if (!node || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === "name" || key === "contentName") && typeof value === "string") {
      value.split(/\s+/).forEach((s) => assigned.add(s));
    } else {
      collect(value);
    }
  }
}
grammars.forEach((g) => collect(g.repository ?? {}));
grammars.forEach((g) => collect(g.patterns ?? []));

// Every scope a test requires (not the `- scope` ones it forbids).
const asserted = new Set();
const testDir = join(root, "test", "grammar");
for (const file of readdirSync(testDir)) {
  const lines = readFileSync(join(testDir, file), "utf8").split("\n");
  const token = lines[0].split(/\s+SYNTAX TEST/)[0];
  for (const line of lines.slice(1)) {
    if (!line.startsWith(token)) continue;
    const m = /^\s*(\^+|<~*-+)\s+(.*)$/.exec(line.slice(token.length));
    if (!m) continue;
    const required = m[2].split(" - ")[0];
    required.split(/\s+/).filter(Boolean).forEach((s) => asserted.add(s));
  }
}

const missing = [...assigned].filter((s) => !asserted.has(s)).sort();

// The lexer's keywords, each fully matched by a keyword or literal rule.
const lexer = readFileSync(join(root, "..", "..", "icp-lang", "src", "lexer.rs"), "utf8");
const words = [];
for (const list of ["RESERVED", "KEYWORDS"]) {
  const body = new RegExp(`pub const ${list}: &\\[&str\\] = &\\[([^\\]]*)\\]`).exec(lexer);
  if (!body) throw new Error(`lexer.rs has no ${list} list`);
  words.push(...[...body[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]));
}
const icp = grammars[0].repository;
// (Keyword rules are plain alternations, so JavaScript reads them as Oniguruma does.)
const wordRules = [
  ...icp.keywords.patterns,
  ...icp.literals.patterns.filter((p) => p.name === "constant.language.boolean.icp"),
];
const rules = wordRules.map((p) => new RegExp(`^(?:${p.match})$`, "u"));
const unhighlighted = words.filter((w) => !rules.some((r) => r.test(w)));

if (missing.length || unhighlighted.length) {
  if (missing.length) console.error(`scopes no grammar test asserts: ${missing.join(", ")}`);
  if (unhighlighted.length) console.error(`lexer keywords the grammar does not highlight: ${unhighlighted.join(", ")}`);
  process.exit(1);
}
console.log(`grammar: ${assigned.size} scopes, all asserted by a test; ${words.length} keywords, all highlighted`);
