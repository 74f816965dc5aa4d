//! Every diagnostic code: its stable name, default level and explanation.
//! `icp explain-code` prints these and `docs/diagnostics.md` is generated
//! from them (a test keeps the two in step).

use serde::Serialize;

/// How bad a diagnostic is; a code's default, which `icp.toml` may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

pub struct CodeInfo {
    pub code: &'static str,
    /// A kebab-case name, accepted wherever a code is (`icp.toml`, `explain-code`).
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown: why it matters, an example that triggers it, and the fix.
    pub explanation: &'static str,
}

use Severity::{Error as E, Warning as W};

pub const CODES: &[CodeInfo] = &[
    CodeInfo { code: "E0001", name: "io-error", severity: E, summary: "a file could not be read",
        explanation: "The file (or an imported file) exists but could not be read: permissions, a broken link, or a device error. The message carries the operating system's reason.\n\nFix: check the path and its permissions." },
    CodeInfo { code: "E0002", name: "not-text", severity: E, summary: "a file is not UTF-8 text",
        explanation: "icp files are UTF-8 text. A file with NUL bytes or bytes that are not valid UTF-8 is reported once, at the first bad byte, and not parsed.\n\nThis usually means a binary file (a spreadsheet, an image) was given an `.icp` name, or the file was saved in a legacy encoding such as Windows-1250. Re-save it as UTF-8." },
    CodeInfo { code: "E0003", name: "file-too-large", severity: E, summary: "a file is larger than icp reads",
        explanation: "icp reads source files up to 8 MiB. An ICP is a few hundred lines; a file this large is almost certainly data (a CRM export) passed where an `.icp` file was expected.\n\nScore data with `icp score`, not `icp check`." },
    CodeInfo { code: "E0004", name: "invalid-config", severity: E, summary: "an `icp.toml` is malformed",
        explanation: "`icp.toml` marks a product folder. It has a `[project]` table (`name`, `owners`, `as_of`, `sample_data`) and a `[lints]` table mapping warning codes or names to `\"allow\"`, `\"warn\"` or `\"deny\"`. It may also say how accounts are written (`[data]`, docs/cli.md), how the contacts export names its columns (`[contacts]`) and where won and lost deals are (`[outcomes]`, docs/evidence.md).\n\n```toml\n[project]\nname = \"ERP connector\"\nas_of = \"2026-11-01\"\n\n[lints]\nunused-item = \"allow\"\n```\n\nUnknown keys, unknown codes and error codes (which cannot be allowed) are reported here." },
    CodeInfo { code: "E0101", name: "syntax-error", severity: E, summary: "the text does not follow the grammar",
        explanation: "The parser expected something else at this point. The message lists what would have been valid.\n\n```icp\nsignal high_intent: site_visits_30d >= 5 25   // `weight` is missing\n```\n\nFix: `signal high_intent: site_visits_30d >= 5 weight 25`. One syntax error never hides the rest: icp parses each item (and each ICP member) on its own and reports every broken one." },
    CodeInfo { code: "E0102", name: "unterminated-string", severity: E, summary: "a string has no closing quote",
        explanation: "A string starts with `\"` and must end with `\"` on the same line.\n\n```icp\nowner \"revops@example.com\n```\n\nFix: add the closing quote. To put a quote inside a string, write `\\\"`." },
    CodeInfo { code: "E0103", name: "invalid-escape", severity: E, summary: "a string has an escape icp does not know",
        explanation: "Inside strings a backslash starts an escape: `\\\"` quote, `\\\\` backslash, `\\n` newline, `\\t` tab, `\\r` carriage return, `\\u{1F600}` any Unicode character by its hex code.\n\n```icp\nbecause \"C:\\temp\\x\"   // `\\x` is not an escape\n```\n\nFix: write `\\\\` for a literal backslash." },
    CodeInfo { code: "E0104", name: "nesting-too-deep", severity: E, summary: "brackets are nested too deeply",
        explanation: "icp accepts up to 64 levels of nested `(`, `[` and `{`. Real ICPs need a handful; deeper nesting is almost always generated or pasted by mistake, and refusing it keeps the parser fast and safe.\n\nFix: split the condition into named segments (`segment big_buyers = ...`)." },
    CodeInfo { code: "E0105", name: "invalid-literal", severity: E, summary: "a number, date or duration is malformed",
        explanation: "Literals: numbers `1_000`, `250k`, `1.5M`, `2B`; money `$1.5M`; percent `30%`; dates `2026-09-01` (a real calendar date); durations `30d`, `12w`, `6mo`, `1y`.\n\n```icp\nreviewed 2026-02-30 every 90d   // there is no 30 February\nsignal x: employees > 5mm weight 5  // `mm` is not a suffix\n```" },
    CodeInfo { code: "E0106", name: "unexpected-character", severity: E, summary: "a character that starts no token",
        explanation: "The character cannot start any word, number, string or operator of the language, for example `@`, `;` or `&`.\n\nConditions are combined with the words `and`, `or` and `not`, not `&&` or `||`." },
    CodeInfo { code: "E0201", name: "unknown-name", severity: E, summary: "a name that is not defined",
        explanation: "A field, type, enum variant, segment, signal, tier, group, persona, job or ICP is used but not declared in this file or an imported one. The message suggests the closest existing name.\n\n```icp\nfilter right_size: employes in 500..=2000   // did you mean `employees`?\n```" },
    CodeInfo { code: "E0202", name: "duplicate-name", severity: E, summary: "a name is declared twice",
        explanation: "Two declarations share a name in one scope: two enums, two fields of a schema, two rules of an ICP, two variants of an enum. Both places are shown.\n\nFix: rename one. In an ICP that `extends` another, redefine a base rule with `override`." },
    CodeInfo { code: "E0203", name: "import-not-found", severity: E, summary: "an imported file does not exist",
        explanation: "Import paths are relative to the importing file.\n\n```icp\nimport \"../shared/acounts.icp\"\n```\n\nFix: correct the path; the message suggests a file of a similar name in that folder when there is one." },
    CodeInfo { code: "E0204", name: "import-cycle", severity: E, summary: "files import each other in a cycle",
        explanation: "`a.icp` imports `b.icp`, which imports `a.icp` again (directly or through other files). The message shows the whole cycle.\n\nFix: move the shared declarations (schema, enums, segments) into a file that both import." },
    CodeInfo { code: "E0205", name: "import-outside-root", severity: E, summary: "an import leaves the project root",
        explanation: "An import may not reach outside the project root: the folder of the outermost `icp.toml` above the importing file (or the file's own folder when there is none). This keeps a product folder self-contained and stops a file from reading arbitrary files on the machine that checks it.\n\nFix: move the shared file inside the project, or put an `icp.toml` in the common parent folder of both." },
    CodeInfo { code: "E0206", name: "import-not-a-file", severity: E, summary: "an import names a folder or non-file",
        explanation: "`import` takes the path of one `.icp` file, not a folder.\n\n```icp\nimport \"../shared\"\n```\n\nFix: name the file, e.g. `import \"../shared/accounts.icp\"`." },
    CodeInfo { code: "E0207", name: "extends-cycle", severity: E, summary: "ICPs extend each other in a cycle",
        explanation: "`icp a extends b` and `icp b extends a` (directly or through others) has no starting point. Fix: make one of them stand alone." },
    CodeInfo { code: "E0208", name: "override-mismatch", severity: E, summary: "`override`, `drop` or `extends` used inconsistently",
        explanation: "In an ICP that `extends` another:\n\n- redefining a rule the base has needs `override` (so a name clash is never silent);\n- `override` and `drop` need a rule of that name in the base;\n- the base must be for the same schema.\n\n```icp\nicp clothing for Account extends stationery {\n  signal budget: it_budget >= $2M weight 30   // write `override signal budget: ...`\n}\n```\n\n`override` and `drop` outside an extending ICP are errors too." },
    CodeInfo { code: "E0209", name: "wrong-kind", severity: E, summary: "a name of the wrong kind",
        explanation: "The name exists but is the wrong kind of thing here: an enum after `for` (which needs a schema), a signal after `for job`, a field where a tier is expected.\n\n```icp\nicp mid_market for Industry { ... }   // `Industry` is an enum; `for` needs a schema\n```" },
    CodeInfo { code: "E0210", name: "multiple-keys", severity: E, summary: "a schema has more than one `key` (or `display`) field",
        explanation: "The `key` field identifies an account (CRM id); a schema has exactly one. The `display` field is the account's name in results (`icp score`'s `name` column, `icp explain`, the report); a schema has at most one.\n\n```icp\nschema Account {\n  id:      text key     from \"Record ID\"\n  name:    text display from \"Company name\"\n  domain:  text display from \"Company Domain Name\"   // a second display field\n}\n```\n\nFix: remove `key` (or `display`) from all but one field." },
    CodeInfo { code: "E0211", name: "ambiguous-label", severity: E, summary: "an enum label that reads as two values, or is empty",
        explanation: "A variant of an enum may list the labels a CRM exports it as; a cell equal to a label (ignoring case, surrounding spaces, and spaces or hyphens against `_`) reads as that variant. So a label may not be claimed by two variants, may not be written like another variant's name, and may not be empty.\n\n```icp\nenum Industry {\n  healthcare \"Health Care\",\n  pharma \"health-care\",   // `health-care` is already `healthcare`'s label\n  retail \"Healthcare\"     // reads as the variant `healthcare`\n}\n```\n\nFix: keep each label on the one variant it means; remove labels that are empty or that the variant's name already matches." },
    CodeInfo { code: "E0301", name: "type-mismatch", severity: E, summary: "a value of the wrong type",
        explanation: "Both sides of a comparison, every item of a list and every band pattern must have the type of the field they are compared with.\n\n```icp\nfilter geo: country == 49        // `country` is text\nfilter big: industry == \"retail\" // an enum: write `industry == retail`\n```" },
    CodeInfo { code: "E0302", name: "unsupported-operator", severity: E, summary: "an operator the type does not support",
        explanation: "Operators are typed: `<` `<=` `>` `>=` and ranges need numbers, money, percent or dates; `has` needs a `set<...>`; `within` needs a date; `matches` needs text; enums support `==`, `!=`, `in` and `not in`.\n\n```icp\nsignal x: tech >= 3 weight 5   // `tech` is a set; use `has any [...]`\n```" },
    CodeInfo { code: "E0303", name: "mixed-units", severity: E, summary: "money, percent and plain numbers mixed",
        explanation: "Money, percent and plain numbers are different units and never compare with each other, so a budget is never silently compared with a head count.\n\n```icp\nfilter budget: it_budget >= 1000000   // `it_budget` is money\n```\n\nFix: write the literal in the field's unit: `it_budget >= $1M`." },
    CodeInfo { code: "E0304", name: "invalid-decay", severity: E, summary: "`decay` on a signal without a date",
        explanation: "`decay half_life D` fades a signal's points with the age of a date: the signal's condition must be `date_field within D`, and the half-life a positive duration.\n\n```icp\nsignal recent: last_activity within 30d weight 15 decay half_life 14d\n```" },
    CodeInfo { code: "E0305", name: "invalid-number", severity: E, summary: "a weight, band or cap that is not a whole number",
        explanation: "Weights, band points and group caps are whole numbers of points (weights and band points may be negative; caps must be positive).\n\n```icp\nsignal x: site_visits_30d >= 5 weight 2.5   // use whole points: weight 3\n```" },
    CodeInfo { code: "E0306", name: "invalid-property", severity: E, summary: "an unknown or malformed persona or job property",
        explanation: "A persona has `role` (decision_maker, influencer, user, champion, blocker), `title matches ...`, `seniority` (ic, manager, director, vp, c_level), `department in [...]`, `motivations [...]` and `watering_holes [...]`. A job has `job`, `today`, `pain`, `dream` and `trigger`, each a string, each at most once." },
    CodeInfo { code: "E0307", name: "invalid-test", severity: E, summary: "a `test` block that cannot run",
        explanation: "A test's `given` names schema fields with values of their types, and every `expect` names a tier, rule, signal or group of the ICP. A test needs at least one `expect`." },
    CodeInfo { code: "E0401", name: "not-expressible-in-sql", severity: E, summary: "`icp compile --emit sql` cannot express a construct in the chosen dialect",
        explanation: "`icp compile --emit sql` (and `--emit dbt`) writes a query that scores exactly as `icp score` does, or none at all. When the ICP uses something the SQL back end cannot express in the chosen dialect, compilation fails here, at the rule, naming the construct and the dialect, instead of writing a query that silently differs.\n\n```icp\nsignal snowflake_user: tech matches \"Snow*\" weight 5   // tech is a set<text>\n```\n\nToday this covers `matches` on a set for Snowflake, sets stored as arrays (`--sets array`) for Snowflake and BigQuery (BigQuery stores a missing array as an empty one, so a missing set cannot be told from an empty one), `has` on a set of enum values whose variants are written alike (`a` and `A`: set parts are matched by case-insensitive text) and a text holding a NUL character (no engine can quote it). The check runs only when SQL is compiled; `icp check` does not report it.\n\nFix: rewrite the rule (for example `tech has any [\"Snowflake\", \"Snowpark\"]`), or score the data with `icp score`. See docs/sql.md for what each dialect supports." },
    CodeInfo { code: "W0101", name: "unused-item", severity: W, summary: "a declaration nothing uses",
        explanation: "An enum no schema uses, a segment no condition uses, or a top-level persona or job no ICP includes. Unused declarations mislead readers about what the ICP depends on.\n\nFix: remove it, or use it. Allow the code in `icp.toml` for shared files that other projects import." },
    CodeInfo { code: "W0102", name: "unused-import", severity: W, summary: "an import nothing uses",
        explanation: "Nothing declared in the imported file is used by the importing file. Fix: remove the import." },
    CodeInfo { code: "W0103", name: "job-without-evidence", severity: W, summary: "a job no signal evidences",
        explanation: "A job to be done is only useful for scoring when some signal is evidence for it (`signal ... for job name`). Without one, the job is documentation the score ignores.\n\nFix: add `for job name` to the signals that show the job is real at an account." },
    CodeInfo { code: "W0104", name: "no-catch-all-tier", severity: W, summary: "tiers without an `otherwise`",
        explanation: "Accounts that pass the filters but match no tier get no tier at all, and fall out of every tier-based report. Fix: end the ladder with `tier C: otherwise`." },
    CodeInfo { code: "W0105", name: "missing-key", severity: W, summary: "a schema without a `key` field",
        explanation: "Without a `key` field (`id: text key`), scored accounts cannot be matched back to CRM records or joined to contacts." },
    CodeInfo { code: "W0201", name: "filter-missing-unspecified", severity: W, summary: "a filter on an optional field does not say what missing means",
        explanation: "A filter whose condition is unknown (the field is empty for this account) removes the account. On an optional field (`T?`) that silently drops every account with a data gap.\n\n```icp\nfilter budget: it_budget >= $1M            // drops accounts with no budget data\n```\n\nSay what you mean: `it_budget >= $1M or it_budget is missing` keeps them; `it_budget is known and it_budget >= $1M` drops them on purpose." },
    CodeInfo { code: "W0202", name: "field-never-missing", severity: W, summary: "`is missing` on a field that is never missing",
        explanation: "The field is not optional (no `?`), so `is missing` is always false and `is known` always true. Fix: remove the check, or mark the field optional in the schema." },
    CodeInfo { code: "W0301", name: "unreachable-tier", severity: W, summary: "a tier no account can reach",
        explanation: "Tiers are tried in order and the first match wins. A tier is unreachable when earlier tiers already take every score it matches, when it follows `otherwise`, or when it needs more points than the ICP can award.\n\n```icp\ntier A: score >= 150   // the signals add up to at most 120\n```" },
    CodeInfo { code: "W0302", name: "tiers-out-of-order", severity: W, summary: "a lower tier placed before a higher one",
        explanation: "```icp\ntier B: score >= 35\ntier A: score >= 60   // every score >= 60 is already tier B\n```\n\nFix: order tiers from the highest threshold to the lowest." },
    CodeInfo { code: "W0303", name: "signal-never-fires", severity: W, summary: "a signal the filters make impossible",
        explanation: "Every account that reaches the signals has passed the filters, so a signal that contradicts them never fires.\n\n```icp\nfilter right_size: employees in 500..=2000\nsignal enterprise: employees > 5000 weight 20   // never fires\n```" },
    CodeInfo { code: "W0304", name: "filters-exclude-everything", severity: W, summary: "filters no account can pass",
        explanation: "Taken together, the filters (and exclusions) contradict each other, so the ICP matches no account at all.\n\n```icp\nfilter small: employees < 200\nfilter big: employees >= 500\n```" },
    CodeInfo { code: "W0305", name: "overlapping-bands", severity: W, summary: "bands of `points by` overlap",
        explanation: "An account whose value lies in two bands gets the points of the first one only, which is rarely what the author meant. Fix: make the bands disjoint (`1..=50`, `51..=200`, or `..50`, `50..200`)." },
    CodeInfo { code: "W0306", name: "redundant-rule", severity: W, summary: "a filter or exclusion that never removes an account on its own",
        explanation: "Every account this rule would remove is already removed by another one, whatever the data: another filter implies it, the filters have already removed every value it excludes, or another exclusion covers it. It only makes the ICP longer to read (and `icp funnel` shows 0 in its \"alone\" column).\n\n```icp\nfilter big_enough: employees >= 100\nfilter mid_market: employees in 500..=2000   // implies big_enough\n```\n\nFix: remove it, or change the rule that makes it redundant. Only rules that are plain `and`s of field tests are judged." },
    CodeInfo { code: "W0403", name: "undated-test", severity: W, summary: "a test that depends on today's date",
        explanation: "The ICP reads the date (`within 30d`, `decay half_life 14d`), so what its tests expect changes as days pass: a test that passes today fails next month although nothing was edited. Give the test its day, or pin the product's `as_of` in `icp.toml`:\n\n```icp\ntest \"recent visitors are A\" {\n  as_of 2026-11-01\n  given { last_activity: 2026-10-25, site_visits_30d: 9 }\n  expect tier A\n}\n```" },
    CodeInfo { code: "W0401", name: "review-overdue", severity: W, summary: "an ICP's review is overdue",
        explanation: "`reviewed 2026-06-01 every 90d` says the ICP must be reviewed again by 2026-08-30. After that date (judged against the as-of date: `--as-of`, `as_of` in `icp.toml`, or today) the ICP is stale.\n\nFix: review it with its owner and update the `reviewed` date." },
    CodeInfo { code: "W0402", name: "no-owner", severity: W, summary: "an ICP without an owner or review cadence",
        explanation: "Every ICP records who owns it and when it was last reviewed, so a stale ICP is noticed:\n\n```icp\nowner \"revops@example.com\"\nreviewed 2026-09-01 every 90d\n```" },
    CodeInfo { code: "W0501", name: "outcome-leakage", severity: W, summary: "a rule reads the outcome column",
        explanation: "The product's `icp.toml` names the column that says whether an account was won or lost (`[outcomes] column`, and `date_column` for when). A filter, exclusion or signal that reads that column scores an account by how its deal ended: `icp validate` would report a near-perfect AUC that means nothing, and new accounts (which have no outcome yet) would be scored on an empty cell.\n\n```toml\n[outcomes]\ncolumn = \"Stage\"\nwon = [\"Closed Won\"]\nlost = [\"Closed Lost\"]\n```\n\n```icp\nschema Account { domain: text key  stage: text from \"Stage\" }\nicp x for Account {\n  signal closed: stage == \"Closed Won\" weight 50   // W0501\n}\n```\n\nFix: score accounts on what is known before a deal closes, and remove the rule (and the field, if nothing else needs it)." },
    CodeInfo { code: "V0101", name: "win-rates-out-of-order", severity: W, summary: "a lower tier converts better than a higher one",
        explanation: "`icp validate` compares each pair of tiers: when a lower tier's 95% Wilson interval for its win rate lies wholly above a higher tier's, the order of the tiers contradicts the deals. Fix: look at what separates the two tiers' accounts; re-weight the signals or move the threshold (`icp calibrate` suggests weights).\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0102", name: "weight-contradicts-evidence", severity: W, summary: "a signal's evidence has the other sign than its weight",
        explanation: "A positive weight says accounts where the signal fires win more often. `icp validate` warns when the deals say the opposite beyond the 95% interval: for a positive weight, the upper end of the fired win rate's interval lies below the win rate when it does not fire (for a negative weight, the lower end lies above). Fix: check the rule's condition, then its sign.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0103", name: "signal-not-predictive", severity: W, summary: "a signal's information value is below 0.02",
        explanation: "With at least 30 closed retained accounts, a signal whose information value (docs/evidence.md) is below 0.02 barely separates won from lost. Fix: drop it, or sharpen its condition.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0104", name: "signal-fires-for-almost-all", severity: W, summary: "a signal fires for more than 95% of the retained accounts",
        explanation: "A signal that fires for nearly everyone after the filters adds the same points to every account and ranks nothing. Fix: make it a filter, or make its condition narrower.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0105", name: "signal-fires-for-almost-none", severity: W, summary: "a signal fires for fewer than 1% of the retained accounts",
        explanation: "A signal that almost never fires cannot be judged and rarely matters. Fix: check its condition against the data (`icp funnel` shows near misses in text), or drop it.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0106", name: "tier-too-few-closed", severity: W, summary: "a tier has fewer than 30 closed accounts",
        explanation: "A win rate over few won and lost accounts has a wide interval and means little. Fix: validate on more history, or merge small tiers.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0107", name: "signal-separates-perfectly", severity: W, summary: "a signal alone separates won from lost: likely leakage",
        explanation: "A signal whose firing alone gives an AUC of 0.95 or more (or 0.05 or less) against the outcomes, with at least 5 closed accounts where it fires and 5 won and 5 lost, almost always reads something recorded because of the deal (a stage, a contract date). Fix: score only on what is known before a deal closes (see also W0501).\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
    CodeInfo { code: "V0108", name: "filter-removes-winners", severity: W, summary: "a filter removes accounts that win as often as those it keeps",
        explanation: "A filter or exclusion removed at least one won account, and the accounts it removed (first) win at or above the retained win rate: the gate costs deals. Fix: check whether the gate is still true of your market.\n\nFound by `icp validate` (and shown in `icp diff` with outcomes), not by `icp check`; `[lints]` in `icp.toml` allows or denies it there like any warning." },
];

pub fn lookup(code_or_name: &str) -> Option<&'static CodeInfo> {
    let wanted = code_or_name.trim();
    CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(wanted) || c.name.eq_ignore_ascii_case(wanted))
}

pub fn default_severity(code: &str) -> Severity {
    lookup(code).map(|c| c.severity).unwrap_or(Severity::Error)
}

/// The Markdown page `docs/diagnostics.md`.
pub fn markdown_reference() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n<!-- Generated from icp-lang/src/codes.rs by `icp explain-code --all`; do not edit by hand. -->\n\n\
         Every diagnostic has a stable code. `icp explain-code CODE` prints its entry. Warnings can be\n\
         allowed, kept as warnings or denied per project in `icp.toml`:\n\n\
         ```toml\n[lints]\nW0101 = \"allow\"          # or by name: unused-item = \"allow\"\nreview-overdue = \"deny\"\n```\n\n\
         Errors cannot be allowed. `icp check --deny warnings` turns every warning into an error.\n\n\
         | code | name | level | summary |\n| --- | --- | --- | --- |\n",
    );
    for c in CODES {
        out.push_str(&format!(
            "| [{}](#{}) | `{}` | {} | {} |\n",
            c.code,
            c.code.to_lowercase(),
            c.name,
            c.severity.as_str(),
            c.summary
        ));
    }
    for c in CODES {
        out.push_str(&format!(
            "\n## {}\n\n`{}` ({}): {}.\n\n{}\n",
            c.code,
            c.name,
            c.severity.as_str(),
            c.summary,
            c.explanation
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(seen.insert(c.name), "duplicate name {}", c.name);
            // Errors E, warnings of `icp check` W, of `icp validate` V.
            let prefixes: &[char] = if c.severity == Severity::Error {
                &['E']
            } else {
                &['W', 'V']
            };
            assert!(
                c.code.starts_with(prefixes) && c.code.len() == 5,
                "{}",
                c.code
            );
            assert!(!c.summary.ends_with('.'), "{}", c.code);
        }
    }
}
