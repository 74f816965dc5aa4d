// Validates `icp check --format sarif` against the official SARIF 2.1.0
// schema, on the whole fixture corpus (many results) and on a clean folder
// (no results). Usage: node validate.mjs path/to/icp
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const icp = process.argv[2] ?? join(repo, "target", "debug", "icp");
const require = createRequire(import.meta.url);
const schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

// The official schema has a pattern (`language`) that is only valid as a
// non-Unicode regular expression, so compile patterns the classic way.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function sarifOf(args) {
  try {
    return execFileSync(icp, ["check", "--format", "sarif", "--as-of", "2026-11-01", ...args], { cwd: repo, encoding: "utf8" });
  } catch (e) {
    // Exit code 1 means "problems found": the output is still the log.
    if (e.status === 1) return e.stdout;
    throw e;
  }
}

let passed = 0;
let failed = 0;
for (const [name, args, expectResults] of [
  ["fixture corpus", ["tests/fixtures"], true],
  ["clean fixtures", ["tests/fixtures/ok"], false],
]) {
  const log = JSON.parse(sarifOf(args));
  const ok = validate(log);
  const results = log.runs?.[0]?.results?.length ?? 0;
  if (ok && (results > 0) === expectResults) {
    passed++;
    console.log(`ok: ${name} (${results} results) validates against ${schema.title}`);
  } else {
    failed++;
    console.log(`FAILED: ${name}: ${results} results; schema errors:`);
    console.log(JSON.stringify(validate.errors?.slice(0, 10), null, 2));
  }
}
console.log(`sarif: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
