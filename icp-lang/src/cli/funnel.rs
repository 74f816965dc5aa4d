//! `icp funnel`: market sizing. All accounts, then what is left after each
//! filter and exclusion in written order, then the tiers; and for each
//! gate, how many accounts it alone removes (they would return if it were
//! dropped). Accounts are read and counted as `icp score` reads and counts
//! them, bad data included.

use super::input::{
    check_run, count_of, group_digits, open_for, pick_plan, read_settings, warn_about_data,
    Accounts, OnErrorArg, TextOrJson,
};
use icp_lang::accounts::near::NearMisses;
use icp_lang::accounts::{self, Counter, Scored, Tally};
use icp_lang::eval::{gate_fails, Outcome, Value};
use icp_lang::plan::Plan;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    #[command(flatten)]
    pub input: Accounts,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// What to do with a record that has a bad cell (as for `icp score`).
    #[arg(long, value_enum, default_value = "fail")]
    pub on_error: OnErrorArg,
}

/// Per gate: the accounts only it removes.
struct Alone<'a> {
    plan: &'a Plan,
    alone: Vec<u64>,
}

impl Scored for Alone<'_> {
    fn scored(&mut self, _: &str, row: &[Value], outcome: &Outcome) {
        let Some(first) = outcome.removed_by else {
            return;
        };
        let others = (0..self.plan.gates.len())
            .filter(|&g| g != first)
            .any(|g| gate_fails(self.plan, row, g));
        if !others {
            accounts::count(&mut self.alone, first, 1);
        }
    }
}

pub fn funnel(args: &FunnelArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let settings = read_settings(&session, file, &args.input.read);
    super::input::warn_unknown_fields(&session, &plan, &settings, err);
    let (mut input, binding) = match open_for(&plan, &args.input.data, &settings, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shape = input.shape().clone();
    let on_error = args.on_error.mode();
    let mut t = Tally::default();
    let mut alone: Vec<u64> = Vec::new();
    let ran = accounts::run(
        &mut input,
        accounts::workers_from_env(),
        |chunk| {
            let counter = shape.walk(chunk, || {
                Counter::new(
                    &plan,
                    &binding,
                    on_error,
                    Alone {
                        plan: &plan,
                        alone: Vec::new(),
                    },
                )
                .with_near_misses()
            });
            let (tally, a) = counter.finish();
            (tally, a.alone)
        },
        |(tally, a)| {
            let flow = tally.flow();
            t.merge(tally);
            for (g, n) in a.into_iter().enumerate() {
                accounts::count(&mut alone, g, n);
            }
            Ok(flow)
        },
    );
    if let Err(code) = check_run(ran, &t, &args.input.data, false, err) {
        return code;
    }
    warn_about_data(&t, &plan, err);
    let mut order: Vec<usize> = (0..plan.gates.len()).collect();
    order.sort_by_key(|&g| plan.gates.get(g).map(|x| x.order));
    let total = t.read;
    let bad = t.skipped + t.unreadable;
    let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let text = if args.format == TextOrJson::Json {
        let mut remaining = total - bad;
        let stages: Vec<serde_json::Value> = order
            .iter()
            .filter_map(|&g| {
                let gate = plan.gates.get(g)?;
                let removed = get(&t.removed, g);
                remaining -= removed;
                Some(serde_json::json!({
                    "name": gate.name,
                    "kind": gate.kind.word(),
                    "removed": removed,
                    "remaining": remaining,
                    "removed_alone": get(&alone, g),
                }))
            })
            .collect();
        let tier_counts: Vec<serde_json::Value> = plan
            .tiers
            .iter()
            .enumerate()
            .map(|(i, tier)| serde_json::json!({ "tier": tier.name, "accounts": get(&t.tiers, i) }))
            .collect();
        let near: Vec<serde_json::Value> = t
            .near
            .list()
            .into_iter()
            .map(|m| {
                let column = plan.columns.get(m.column);
                serde_json::json!({
                    "field": column.map(|c| c.field.as_str()),
                    "column": column.map(|c| c.header.as_str()),
                    "value": m.text,
                    "accounts": m.accounts,
                    "near": plan.texts.get(m.near),
                })
            })
            .collect();
        let doc = serde_json::json!({ "icp": plan.icp, "accounts": total, "unreadable": bad, "stages": stages, "passed": remaining, "tiers": tier_counts, "no_tier": t.no_tier, "near_misses": near });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    } else {
        let mut s = format!("{}: {} accounts", plan.icp, group_digits(total));
        if bad > 0 {
            s.push_str(&format!(" ({} with bad data left out)", group_digits(bad)));
        }
        s.push_str(&format!(
            "\n\n  {:<36} {:>10} {:>10} {:>10}\n",
            "stage", "remaining", "removed", "alone"
        ));
        let mut remaining = total - bad;
        s.push_str(&format!(
            "  {:<36} {:>10}\n",
            "all accounts",
            group_digits(remaining)
        ));
        for &g in &order {
            let Some(gate) = plan.gates.get(g) else {
                continue;
            };
            let removed = get(&t.removed, g);
            remaining -= removed;
            let label: String = format!("{} {}", gate.kind.word(), gate.name)
                .chars()
                .take(36)
                .collect();
            s.push_str(&format!(
                "  {label:<36} {:>10} {:>10} {:>10}\n",
                group_digits(remaining),
                group_digits(removed),
                group_digits(get(&alone, g))
            ));
        }
        s.push_str(&format!(
            "  {:<36} {:>10}\n",
            "passed every filter",
            group_digits(remaining)
        ));
        for (i, tier) in plan.tiers.iter().enumerate() {
            let label: String = format!("tier {}", tier.name).chars().take(36).collect();
            s.push_str(&format!(
                "  {label:<36} {:>10}\n",
                group_digits(get(&t.tiers, i))
            ));
        }
        if t.no_tier > 0 {
            s.push_str(&format!(
                "  {:<36} {:>10}\n",
                "no tier",
                group_digits(t.no_tier)
            ));
        }
        if t.missing_cells > 0 {
            s.push_str(&format!(
                "  (treated {} as missing)\n",
                count_of(t.missing_cells, "bad cell", "bad cells")
            ));
        }
        s.push_str("\n  removed: by this filter, after the ones above it; alone: only this filter removes them,\n  so they would come back if it were dropped.\n");
        s.push_str(&near_misses(&plan, &t.near));
        s
    };
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}

/// The texts in the data that look like one a rule lists but are not it
/// (rules compare text ignoring case, nothing else): each silently fails
/// the rule, so the reader should list it or fix the data.
fn near_misses(plan: &Plan, near: &NearMisses) -> String {
    if near.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\nnear misses: texts in the data that look like one a rule lists, but are not it\n",
    );
    for m in near.list() {
        s.push_str(&format!("  - {}\n", NearMisses::describe(plan, m)));
    }
    for (column, n) in &near.others {
        let header = plan.columns.get(*column).map_or("", |c| c.header.as_str());
        s.push_str(&format!(
            "  - and {} with other near misses in `{header}`\n",
            count_of(*n, "account", "accounts")
        ));
    }
    s.push_str("  (list each in the rule if it means the same, or correct the data)\n");
    s
}
