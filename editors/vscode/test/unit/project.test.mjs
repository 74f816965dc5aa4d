// `node --test` (after `tsc`): how the score command finds what to run, on the
// repository's own example products and on folders made here.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { icpNames, nearestConfig, planScore, sampleData } from "../../out/project.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../examples");
const plan = (file) => planScore(file, readFileSync(file, "utf8"));

test("sample_data is read from [project] only", () => {
  const toml = [
    "# a product",
    "[project]",
    'name = "ERP connector"',
    'sample_data = "samples/accounts.csv"  # exported weekly',
    "",
    "[lints]",
    'sample_data = "not this one"',
  ].join("\n");
  assert.equal(sampleData(toml), "samples/accounts.csv");
});

test("no sample data, or only in another table", () => {
  assert.equal(sampleData('[project]\nname = "x"\n'), undefined);
  assert.equal(sampleData('[lints]\nsample_data = "a.csv"\n'), undefined);
  assert.equal(sampleData(""), undefined);
});

test("a # in the path is not a comment", () => {
  assert.equal(sampleData('[project] # the product\nsample_data = "exports/#1.csv" # first\n'), "exports/#1.csv");
});

test("escaped quotes and Windows line ends", () => {
  assert.equal(sampleData('[project]\r\nsample_data = "data/\\"q\\".csv"\r\n'), 'data/"q".csv');
});

test("the ICPs of a file, with their lines; none in a file of shared definitions", () => {
  const extends_ = readFileSync(resolve(examples, "../tests/fixtures/ok/extends.icp"), "utf8");
  assert.deepEqual(
    icpNames(extends_).map((d) => d.name),
    ["stationery", "clothing"],
  );
  assert.deepEqual(icpNames('// icp not_this\nschema A {\n  icp: text\n}\n  icp polska "Średnie" for Firma {\r\n'), [
    { name: "polska", line: 4 },
  ]);
  assert.deepEqual(icpNames(readFileSync(join(examples, "erp/accounts.icp"), "utf8")), []);
});

test("the ERP example scores its accounts.csv", () => {
  const p = plan(join(examples, "erp/icp.icp"));
  assert.equal(p.ok, true);
  assert.equal(p.config, join(examples, "erp/icp.toml"));
  assert.equal(p.data, join(examples, "erp/accounts.csv"));
  assert.deepEqual(p.icps.map((d) => d.name), ["mid_market_manufacturing"]);
});

test("a product's sample_data is resolved against its own icp.toml, the nearest one", () => {
  const p = plan(join(examples, "acme-print/stationery/icp.icp"));
  assert.equal(p.config, join(examples, "acme-print/stationery/icp.toml"));
  assert.equal(p.data, join(examples, "acme-print/shared/accounts.csv"));
});

test("clear reasons when there is nothing to score", () => {
  // Shared definitions only.
  const shared = plan(join(examples, "acme-print/shared/accounts.icp"));
  assert.equal(shared.ok, false);
  assert.match(shared.message, /declares no ICP/);

  const dir = mkdtempSync(join(tmpdir(), "icp-vscode-"));
  const file = join(dir, "product", "icp.icp");
  mkdirSync(dirname(file));
  const text = "icp x for A {\n}\n";
  writeFileSync(file, text);
  // A temporary folder may sit under a stray icp.toml; only test what is ours.
  if (nearestConfig(dir) === undefined) {
    const none = planScore(file, text);
    assert.equal(none.ok, false);
    assert.match(none.message, /no icp\.toml/);
  }

  writeFileSync(join(dir, "icp.toml"), '[project]\nname = "x"\n');
  const unnamed = planScore(file, text);
  assert.equal(unnamed.ok, false);
  assert.match(unnamed.message, /does not name sample accounts/);

  writeFileSync(join(dir, "icp.toml"), '[project]\nsample_data = "gone.csv"\n');
  const missing = planScore(file, text);
  assert.equal(missing.ok, false);
  assert.match(missing.message, /gone\.csv.*do not exist/);
});
