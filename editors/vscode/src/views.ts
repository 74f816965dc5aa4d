// What the report and "what would it take" commands run and show, without
// VS Code, so it can be tested with plain Node: the `icp` arguments, the
// tiers of an ICP, the report page made safe for a webview, and the answer
// of `icp explain --to` as a page.

/** The arguments of `icp report` for one ICP file and its sample accounts. */
export function reportArgs(file: string, data: string, out: string, icp?: string): string[] {
  return ["report", file, data, "-o", out, ...(icp ? ["--icp", icp] : [])];
}

/** The arguments of `icp explain --to`: what would move account `id` into `tier`. */
export function explainArgs(file: string, data: string, id: string, tier: string, icp?: string): string[] {
  return ["explain", file, data, "--id", id, "--to", tier, "--format", "json", ...(icp ? ["--icp", icp] : [])];
}

/** A tier of an ICP: its name and the rule that puts an account in it. */
export interface Tier {
  name: string;
  rule: string;
}

/**
 * The tiers of an ICP, best first, from `icp compile FILE --emit plan --icp
 * NAME` (which resolves `extends`, so inherited tiers are there too).
 */
export function tiersOf(planJson: string, icp?: string): Tier[] {
  const doc = JSON.parse(planJson) as { plans?: { icp?: string; tiers?: { name?: unknown; text?: unknown }[] }[] };
  const plans = doc.plans ?? [];
  const plan = icp === undefined ? plans[0] : plans.find((p) => p.icp === icp);
  if (!plan) {
    throw new Error(icp === undefined ? "the plan has no ICP" : `the plan has no ICP named ${icp}`);
  }
  return (plan.tiers ?? []).map((t) => ({ name: String(t.name), rule: String(t.text ?? "") }));
}

/**
 * The report page for a webview: a Content Security Policy that allows no
 * script and no request of any kind (the report is self-contained: inline
 * CSS and SVG, images only as data: URLs), added as the first thing in its
 * head.
 */
export function secureReportHtml(html: string): string {
  const csp =
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
    "style-src 'unsafe-inline'; img-src data:; font-src data:\">";
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + csp + html.slice(at);
  }
  return `<!DOCTYPE html><html><head>${csp}</head><body>${html}</body></html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** A page of our own (an error, an answer) with the editor's colours and no script. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground); padding: 0 1.5em; line-height: 1.5; }
code, pre { font-family: var(--vscode-editor-font-family, monospace); }
pre { white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: .2em .6em; text-align: left; }
td.n { text-align: right; }
.bad { color: var(--vscode-errorForeground, #c00); }
</style></head><body>
${body}
</body></html>`;
}

/** A page that says why the report could not be made, with what `icp` said. */
export function errorPage(title: string, what: string, details: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p class="bad">${escapeHtml(what)}</p>` +
      (details.trim() ? `<pre>${escapeHtml(details.trimEnd())}</pre>` : ""),
  );
}

/** The answer of `icp explain --to TIER --format json` (docs/cli.md). */
export interface Answer {
  id: string;
  /** Today's tier; null when in none (removed by a filter or exclusion). */
  tier: string | null;
  target: string;
  target_rule?: string;
  score: number;
  threshold: number | null;
  /** In the target tier or a better one already. */
  reached?: boolean;
  /** No change of signals, all together, reaches it. */
  unreachable?: boolean;
  /** The search stopped at its bound; larger sets were not tried. */
  truncated?: boolean;
  blocked_by: { rule: string; kind: string; needs: string; today?: string }[];
  options: {
    points: number;
    score?: number;
    signals: { name: string; change?: string; points: number; condition: string; today: string | null }[];
  }[];
}

/** Reads the answer, refusing a document of another shape rather than showing half of it. */
export function parseAnswer(json: string): Answer {
  const a = JSON.parse(json) as Partial<Answer>;
  const ok =
    typeof a.id === "string" &&
    typeof a.target === "string" &&
    typeof a.score === "number" &&
    (a.tier === null || typeof a.tier === "string") &&
    Array.isArray(a.blocked_by) &&
    Array.isArray(a.options) &&
    a.options.every((o) => typeof o.points === "number" && Array.isArray(o.signals));
  if (!ok) {
    throw new Error("`icp explain --to` answered with JSON of an unexpected shape (is the extension older than icp?)");
  }
  return a as Answer;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** What a change does to a signal, in words (`change` in the JSON). */
const CHANGES: Record<string, string> = {
  fire: "fires",
  stop: "stops firing",
  band: "moves to a better band",
  "no band": "falls outside every band",
  refresh: "is refreshed (as of today)",
};

/** The answer as a sentence and tables. */
export function answerHtml(a: Answer, icpTitle: string): string {
  const title = `What would move ${a.id} into tier ${a.target}`;
  const now =
    a.tier === null
      ? a.blocked_by.length > 0
        ? `is removed by the filters (score ${a.score})`
        : `is in no tier (score ${a.score})`
      : `is in tier ${a.tier} with a score of ${a.score}`;
  const rule = a.target_rule ?? (a.threshold === null ? "" : `score >= ${a.threshold}`);
  const need = rule ? `; tier ${a.target} needs ${rule}` : "";
  const parts = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(icpTitle)}: account <code>${escapeHtml(a.id)}</code> ${escapeHtml(now + need)}.</p>`,
  ];
  if (a.blocked_by.length > 0) {
    parts.push(
      `<p class="bad">No change of signals can get it there until ${a.blocked_by.length === 1 ? "this rule holds" : "these rules hold"}:</p>`,
      "<table><thead><tr><th>rule</th><th>kind</th><th>it needs</th><th>today</th></tr></thead><tbody>",
      ...a.blocked_by.map(
        (b) =>
          `<tr><td><code>${escapeHtml(b.rule)}</code></td><td>${escapeHtml(b.kind)}</td>` +
          `<td><code>${escapeHtml(b.needs)}</code></td><td>${escapeHtml(b.today ?? "")}</td></tr>`,
      ),
      "</tbody></table>",
    );
  } else if (a.reached || a.tier === a.target) {
    parts.push(`<p>It is in tier ${escapeHtml(a.target)} or a better one already.</p>`);
  } else if (a.unreachable) {
    parts.push(`<p class="bad">Out of reach: even every signal change together does not make tier ${escapeHtml(a.target)}.</p>`);
  } else if (a.options.length === 0) {
    parts.push(`<p class="bad">No small enough set of signal changes was found to lift it to tier ${escapeHtml(a.target)}.</p>`);
  } else {
    parts.push(
      `<p>${a.options.length === 1 ? "This would do it" : `Any one of these ${a.options.length} ways would do it`}` +
        " (the smallest sets of signal changes):</p>",
    );
    a.options.forEach((o, i) => {
      const score = o.score === undefined ? "" : `, score ${o.score}`;
      parts.push(
        `<h2>${a.options.length === 1 ? "" : `${i + 1}. `}+${o.points} points${score} (${plural(o.signals.length, "signal", "signals")})</h2>`,
        "<table><thead><tr><th>signal</th><th>change</th><th>it needs</th><th>points</th><th>today</th></tr></thead><tbody>",
        ...o.signals.map(
          (s) =>
            `<tr><td><code>${escapeHtml(s.name)}</code></td><td>${escapeHtml(CHANGES[s.change ?? "fire"] ?? s.change ?? "")}</td>` +
            `<td><code>${escapeHtml(s.condition)}</code></td><td class="n">+${s.points}</td>` +
            `<td>${s.today === null || s.today === "" ? "<em>unknown</em>" : escapeHtml(s.today)}</td></tr>`,
        ),
        "</tbody></table>",
      );
    });
    if (a.truncated) {
      parts.push("<p><em>The search stopped at its bound; larger sets were not tried.</em></p>");
    }
  }
  return page(title, parts.join("\n"));
}
