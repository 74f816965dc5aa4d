//! `icp explain`: why one account is where it is. The accounts are read by
//! the same reader as `icp score`, so a bad cell (a byte that is not UTF-8
//! included) is reported with its record and column exactly as there.

use super::input::{open_for, pick_plan, read_settings, Accounts, TextOrJson};
use icp_lang::accounts::Visit;
use icp_lang::data::{Binding, CellError, NotText};
use icp_lang::eval::{evaluate, Value};
use icp_lang::plan::Plan;
use icp_lang::reach;
use std::borrow::Cow;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: Accounts,
    /// The account's id (its `key` field).
    #[arg(long)]
    pub id: String,
    /// What would it take: the smallest sets of signal changes that move the
    /// account into this tier (or a better one), and the filters that block it.
    #[arg(long, value_name = "TIER")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

/// Looks for one account in a chunk and explains it.
struct Find<'a> {
    plan: &'a Plan,
    binding: &'a Binding,
    key: usize,
    args: &'a ExplainArgs,
    /// `--to`: the target tier's index.
    target: Option<usize>,
    /// Records before this chunk.
    offset: u64,
    read: u64,
    found: Option<String>,
}

impl Visit for Find<'_> {
    fn unreadable(&mut self, _: String) {
        self.read += 1;
    }

    fn record<'f>(&mut self, field: impl Fn(usize) -> Result<Cow<'f, str>, NotText<'f>>) {
        self.read += 1;
        if self.found.is_some() {
            return;
        }
        let id = field(self.key).unwrap_or_else(|bad| Cow::Owned(bad.shown()));
        if id.trim() != self.args.id.trim() {
            return;
        }
        let record = self.offset + self.read;
        let (mut row, mut errors) = (Vec::new(), Vec::new());
        self.binding
            .decode_into(self.plan, &field, record, true, &mut row, &mut errors);
        self.found = Some(match self.target {
            Some(t) => render_reach(self.plan, self.args, t, &row),
            None => render(self.plan, self.args, record, &row, &errors),
        });
    }
}

fn render(
    plan: &Plan,
    args: &ExplainArgs,
    record: u64,
    row: &[icp_lang::eval::Value],
    errors: &[CellError],
) -> String {
    let outcome = evaluate(plan, row);
    if args.format == TextOrJson::Json {
        let mut j = icp_lang::explain::json(plan, row, &outcome);
        if let Some(obj) = j.as_object_mut() {
            obj.insert("id".into(), serde_json::json!(args.id));
            obj.insert(
                "bad_cells".into(),
                serde_json::json!(errors.iter().map(CellError::to_string).collect::<Vec<_>>()),
            );
        }
        serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
    } else {
        let mut t = icp_lang::explain::text(
            plan,
            row,
            &outcome,
            &format!("account {} (record {record})", args.id),
        );
        for e in errors {
            t.push_str(&format!("note: {e}; read as missing\n"));
        }
        t
    }
}

/// `--to`: what would move the account into the target tier.
fn render_reach(plan: &Plan, args: &ExplainArgs, target: usize, row: &[Value]) -> String {
    let outcome = evaluate(plan, row);
    let r = reach::reach(plan, row, &outcome, target);
    if args.format == TextOrJson::Json {
        let j = reach::json(plan, row, &outcome, &args.id, &r);
        serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
    } else {
        reach::text(plan, row, &outcome, &args.id, &r)
    }
}

/// The index of the tier named `name`, or a message naming the tiers.
pub fn tier_index(plan: &Plan, name: &str) -> Result<usize, String> {
    plan.tiers
        .iter()
        .position(|t| t.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = plan.tiers.iter().map(|t| t.name.as_str()).collect();
            let hint = icp_lang::suggest::closest(name, names.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            format!(
                "ICP `{}` has no tier `{name}`{hint} (its tiers: {})",
                plan.icp,
                names.join(", ")
            )
        })
}

pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (session, plan, file) = match pick_plan(&args.input, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let target = match args.to.as_deref().map(|t| tier_index(&plan, t)).transpose() {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let Some(key_column) = plan.key else {
        let _ = writeln!(
            err,
            "error: schema `{}` has no `key` field, so accounts cannot be found by id",
            plan.schema
        );
        return 2;
    };
    let settings = read_settings(&session, file, &args.input.read);
    super::input::warn_unknown_fields(&session, &plan, &settings, err);
    let (mut input, binding) = match open_for(&plan, &args.input.data, &settings, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let key = binding
        .columns
        .get(key_column)
        .copied()
        .unwrap_or(usize::MAX);
    let shape = input.shape().clone();
    let mut offset = 0u64;
    let found = loop {
        let chunk = match input.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => break None,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        };
        let f = shape.walk(&chunk, || Find {
            plan: &plan,
            binding: &binding,
            key,
            args,
            target,
            offset,
            read: 0,
            found: None,
        });
        if f.found.is_some() {
            break f.found;
        }
        offset += f.read;
    };
    if let Some(text) = found {
        return i32::from(out.write_all(text.as_bytes()).is_err()) * 2;
    }
    let _ = writeln!(
        err,
        "error: no account with id `{}` in `{}`",
        args.id,
        args.input.data.display()
    );
    1
}
