// `node --test` (after `tsc`): what the report and "what would it take"
// commands run and show: the `icp` arguments, the tiers of an ICP as `icp
// compile --emit plan` gives them (on the repository's examples, with the
// freshly built `icp` when there is one), the report made safe for a
// webview, and the answer of `icp explain --to` as a page.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { answerHtml, explainArgs, parseAnswer, reportArgs, secureReportHtml, tiersOf } from "../../out/views.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

test("the arguments of icp report and icp explain --to", () => {
  assert.deepEqual(reportArgs("/p/icp.icp", "/p/a.csv", "/tmp/r.html"), ["report", "/p/icp.icp", "/p/a.csv", "-o", "/tmp/r.html"]);
  assert.deepEqual(reportArgs("/p/icp.icp", "/p/a.csv", "/tmp/r.html", "second"), [
    "report", "/p/icp.icp", "/p/a.csv", "-o", "/tmp/r.html", "--icp", "second",
  ]);
  assert.deepEqual(explainArgs("/p/icp.icp", "/p/a.csv", "ACC-1", "A"), [
    "explain", "/p/icp.icp", "/p/a.csv", "--id", "ACC-1", "--to", "A", "--format", "json",
  ]);
  assert.deepEqual(explainArgs("/p/icp.icp", "/p/a.csv", "ACC-1", "A", "x").slice(-2), ["--icp", "x"]);
});

const plan = JSON.stringify({
  plans: [
    { icp: "one", title: "One", tiers: [{ name: "A", text: "score >= 60" }, { name: "C", text: "otherwise" }] },
    { icp: "two", title: "Two", tiers: [{ name: "gold", text: "score >= 80" }] },
  ],
});

test("the tiers of the ICP asked for, best first, with their rules", () => {
  assert.deepEqual(tiersOf(plan), [
    { name: "A", rule: "score >= 60" },
    { name: "C", rule: "otherwise" },
  ]);
  assert.deepEqual(tiersOf(plan, "two"), [{ name: "gold", rule: "score >= 80" }]);
  assert.throws(() => tiersOf(plan, "three"), /no ICP named three/);
  assert.throws(() => tiersOf('{"plans": []}'), /no ICP/);
});

// The real `icp`, as the command runs it: tiers inherited through `extends` are there.
// editors/ci.sh runs these after scripts/package.sh has built it.
const icp = [join(repo, "target/release/icp"), join(repo, "target/debug/icp")].find(existsSync);
test("tiers from the real icp compile --emit plan, on the examples", () => {
  assert.ok(icp, "no icp built: run `cargo build -p icp-lang` (editors/ci.sh builds it before these tests)");
  const erp = execFileSync(icp, ["compile", join(repo, "examples/erp/icp.icp"), "--emit", "plan"], { encoding: "utf8" });
  assert.deepEqual(tiersOf(erp).map((t) => `${t.name}: ${t.rule}`), ["A: score >= 60", "B: score >= 35", "C: otherwise"]);
  const ext = join(repo, "tests/fixtures/ok/extends.icp");
  const clothing = execFileSync(icp, ["compile", ext, "--emit", "plan", "--icp", "clothing"], { encoding: "utf8" });
  assert.ok(tiersOf(clothing, "clothing").length > 0, "an ICP that extends another inherits its tiers");
});

test("the report gets a policy that allows no script and no request, first in its head", () => {
  const html = secureReportHtml('<!DOCTYPE html><html lang="en"><head><title>R</title></head><body><svg></svg></body></html>');
  assert.match(html, /^<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"><title>R<\/title>/);
  assert.match(secureReportHtml("<HEAD class=x><title>R</title>"), /^<HEAD class=x><meta http-equiv="Content-Security-Policy"/);
  // Not a page: wrapped in one, with the policy.
  assert.match(secureReportHtml("<p>x</p>"), /<head><meta http-equiv="Content-Security-Policy".*<body><p>x<\/p><\/body>/);
});

const answer = {
  id: "ACC-7",
  tier: "B",
  target: "A",
  target_rule: "score >= 60",
  score: 43.28,
  threshold: 60,
  reached: false,
  unreachable: false,
  truncated: false,
  blocked_by: [],
  options: [
    { points: 25, score: 68.28, signals: [{ name: "high_intent", change: "fire", points: 25, condition: "site_visits_30d >= 5", today: "2" }] },
    {
      points: 35,
      score: 78.28,
      signals: [
        { name: "budget", change: "fire", points: 20, condition: "it_budget >= $1M", today: "missing" },
        { name: "rejected_rival", change: "stop", points: 15, condition: "competitor_status == rejected", today: "<rejected>" },
      ],
    },
  ],
};

test("an answer with ways to get there: each way, its signals, what they need and what the account has today", () => {
  const html = answerHtml(parseAnswer(JSON.stringify(answer)), "Mid-market manufacturers");
  assert.match(html, /<h1>What would move ACC-7 into tier A<\/h1>/);
  assert.match(html, /account <code>ACC-7<\/code> is in tier B with a score of 43.28; tier A needs score &gt;= 60\./);
  assert.match(html, /Any one of these 2 ways would do it/);
  assert.match(html, /<h2>1\. \+25 points, score 68.28 \(1 signal\)<\/h2>/);
  assert.match(html, /<h2>2\. \+35 points, score 78.28 \(2 signals\)<\/h2>/);
  assert.match(
    html,
    /<td><code>high_intent<\/code><\/td><td>fires<\/td><td><code>site_visits_30d &gt;= 5<\/code><\/td><td class="n">\+25<\/td><td>2<\/td>/,
  );
  // A negative signal stops firing; text from the data is escaped.
  assert.match(html, /<td><code>rejected_rival<\/code><\/td><td>stops firing<\/td>/);
  assert.match(html, /<td>&lt;rejected&gt;<\/td>/);
  assert.doesNotMatch(html, /<script|search stopped/);
  const cut = answerHtml(parseAnswer(JSON.stringify({ ...answer, truncated: true })), "T");
  assert.match(cut, /The search stopped at its bound/);
});

test("blocked by a rule, out of reach, already there, nothing found", () => {
  const blocked = answerHtml(
    parseAnswer(
      JSON.stringify({
        ...answer,
        tier: null,
        options: [],
        blocked_by: [{ rule: "geo", kind: "filter", needs: 'country in ["US"]', today: 'country "FR"' }],
      }),
    ),
    "T",
  );
  assert.match(blocked, /is removed by the filters \(score 43.28\)/);
  assert.match(blocked, /No change of signals can get it there until this rule holds/);
  assert.match(blocked, /<td><code>geo<\/code><\/td><td>filter<\/td><td><code>country in \[&quot;US&quot;\]<\/code><\/td><td>country &quot;FR&quot;<\/td>/);
  assert.match(
    answerHtml(parseAnswer(JSON.stringify({ ...answer, options: [], unreachable: true })), "T"),
    /Out of reach: even every signal change together does not make tier A/,
  );
  assert.match(answerHtml(parseAnswer(JSON.stringify({ ...answer, options: [] })), "T"), /No small enough set/);
  assert.match(
    answerHtml(parseAnswer(JSON.stringify({ ...answer, tier: "A", reached: true, options: [] })), "T"),
    /It is in tier A or a better one already/,
  );
  const one = answerHtml(parseAnswer(JSON.stringify({ ...answer, options: answer.options.slice(0, 1) })), "T");
  assert.match(one, /This would do it/);
  assert.match(one, /<h2>\+25 points, score 68.28 \(1 signal\)<\/h2>/);
});

test("the real icp explain --to answer, on the ERP example, reads and shows", () => {
  assert.ok(icp, "no icp built");
  const erp = join(repo, "examples/erp");
  const run = (id, tier) =>
    execFileSync(icp, ["explain", "icp.icp", "accounts.csv", "--id", id, "--to", tier, "--format", "json"], {
      cwd: erp,
      encoding: "utf8",
    });
  const html = answerHtml(parseAnswer(run("0012", "A")), "ERP");
  assert.match(html, /account <code>0012<\/code> is in tier B with a score of 43.28; tier A needs score &gt;= 60\./);
  assert.match(html, /<td><code>high_intent<\/code><\/td><td>fires<\/td><td><code>site_visits_30d &gt;= 5<\/code><\/td><td class="n">\+25<\/td><td>2<\/td>/);
  assert.match(answerHtml(parseAnswer(run("0011", "B")), "ERP"), /It is in tier B or a better one already/);
});

test("JSON of another shape is refused, not half shown", () => {
  assert.throws(() => parseAnswer('{"id": "x"}'), /unexpected shape/);
  assert.throws(() => parseAnswer(JSON.stringify({ ...answer, options: [{ points: "many" }] })), /unexpected shape/);
  assert.throws(() => parseAnswer("not json"), SyntaxError);
});
