// `node --test`: the icp.toml reading the score command relies on.
import assert from "node:assert/strict";
import test from "node:test";
import { sampleData } from "../../out/config.js";

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
