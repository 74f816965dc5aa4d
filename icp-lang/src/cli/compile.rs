//! `icp compile --emit sql|ddl|dbt`: the SQL back end's command-line glue.
//! The library writes the text (`icp_lang::sql`); this file reads options,
//! prints diagnostics and writes files.

use icp_lang::plan::Plan;
use icp_lang::render;
use icp_lang::sql::{self, AsOf, DbtInput, Dialect, Options, Sets};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    Duckdb,
    Postgres,
    Spark,
    Snowflake,
    Bigquery,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Spark => Dialect::Spark,
            DialectArg::Snowflake => Dialect::Snowflake,
            DialectArg::Bigquery => Dialect::BigQuery,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SetsArg {
    /// `;`-separated text, as CRM exports write sets.
    Delimited,
    /// The dialect's array type.
    Array,
}

/// Options of `--emit sql`, `--emit ddl` and `--emit dbt`.
#[derive(clap::Args, Debug)]
pub struct SqlArgs {
    /// The SQL dialect (with --emit sql, ddl or dbt).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// The table holding the accounts (`name` or `schema.name`).
    #[arg(long)]
    pub from: Option<String>,
    /// Judge dates against the engine's current date when the query runs.
    #[arg(long, conflicts_with = "as_of")]
    pub as_of_current_date: bool,
    /// Write `CREATE OR REPLACE VIEW NAME AS ...` instead of a bare query.
    #[arg(long)]
    pub view: Option<String>,
    /// Result columns, comma-separated (default: id, passed, removed_by,
    /// score, the group scores, tier; also fired, unknown, coverage).
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// How set columns are stored.
    #[arg(long, value_enum, default_value = "delimited")]
    pub sets: SetsArg,
    /// dbt: read `{{ source(SOURCE, TABLE) }}`, written `SOURCE.TABLE`.
    #[arg(long)]
    pub dbt_source: Option<String>,
    /// dbt: read `{{ ref(MODEL) }}`.
    #[arg(long, conflicts_with = "dbt_source")]
    pub dbt_ref: Option<String>,
    /// dbt: the folder to write `<icp>.sql` and `schema.yml` into.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
}

/// What `--emit` asked for, beyond the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Sql,
    Ddl,
    Dbt,
}

pub fn emit(
    target: Target,
    args: &SqlArgs,
    plans: &[Plan],
    sources: &icp_lang::source::Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let dialect: Dialect = match args.dialect {
        Some(d) => d.into(),
        None if target == Target::Dbt => Dialect::DuckDb,
        None => {
            let _ = writeln!(err, "error: --emit sql and --emit ddl need --dialect (duckdb, postgres, spark, snowflake or bigquery)");
            return 2;
        }
    };
    let from = match (&args.from, target) {
        (Some(f), _) => f.clone(),
        (None, Target::Dbt) => "accounts".to_string(),
        (None, _) => {
            let _ = writeln!(err, "error: --emit sql and --emit ddl need --from TABLE");
            return 2;
        }
    };
    if plans.len() > 1 && target != Target::Ddl {
        let names: Vec<&str> = plans.iter().map(|p| p.icp.as_str()).collect();
        let _ = writeln!(
            err,
            "error: these files hold several ICPs ({}); choose one with --icp",
            names.join(", ")
        );
        return 2;
    }
    let sets = match args.sets {
        SetsArg::Delimited => Sets::Delimited,
        SetsArg::Array => Sets::Array,
    };
    let mut text = String::new();
    for plan in plans.iter().take(1) {
        if let Some(cols) = &args.columns {
            let mut known = sql::default_columns(plan);
            known.extend(["fired", "unknown", "coverage"].map(String::from));
            if let Some(bad) = cols.iter().find(|c| !known.contains(c)) {
                let hint = icp_lang::suggest::closest(bad, known.iter().map(String::as_str))
                    .map(|b| format!("; did you mean `{b}`?"))
                    .unwrap_or_default();
                let _ = writeln!(
                    err,
                    "error: `{bad}` is not a result column (the columns are {}){hint}",
                    known.join(", ")
                );
                return 2;
            }
        }
        let opts = Options {
            dialect,
            from: from.clone(),
            as_of: if args.as_of_current_date {
                AsOf::CurrentDate
            } else {
                AsOf::Plan
            },
            view: args.view.clone(),
            columns: args.columns.clone().unwrap_or_default(),
            sets,
        };
        let result = match target {
            Target::Sql => sql::query(plan, &opts),
            Target::Ddl => sql::ddl(plan, dialect, &from, sets),
            Target::Dbt => {
                let input = match (&args.dbt_source, &args.dbt_ref) {
                    (_, Some(m)) => DbtInput::Ref(m.clone()),
                    (Some(s), None) => match s.split_once('.') {
                        Some((source, table)) => DbtInput::Source {
                            source: source.into(),
                            table: table.into(),
                        },
                        None => {
                            let _ = writeln!(err, "error: --dbt-source is written SOURCE.TABLE");
                            return 2;
                        }
                    },
                    (None, None) => {
                        let _ = writeln!(
                            err,
                            "error: --emit dbt needs --dbt-source SOURCE.TABLE or --dbt-ref MODEL"
                        );
                        return 2;
                    }
                };
                let Some(dir) = &args.out_dir else {
                    let _ = writeln!(err, "error: --emit dbt needs --out-dir DIR (it writes a model and its schema.yml)");
                    return 2;
                };
                match sql::dbt_model(plan, &opts, &input) {
                    Ok(model) => {
                        let columns = if opts.columns.is_empty() {
                            sql::default_columns(plan)
                        } else {
                            opts.columns.clone()
                        };
                        let yml = sql::dbt_schema(plan, &plan.icp, &columns);
                        let write = std::fs::create_dir_all(dir)
                            .and_then(|_| {
                                std::fs::write(dir.join(format!("{}.sql", plan.icp)), model)
                            })
                            .and_then(|_| std::fs::write(dir.join("schema.yml"), yml));
                        if let Err(e) = write {
                            let _ = writeln!(err, "error: cannot write to {}: {e}", dir.display());
                            return 2;
                        }
                        Ok(String::new())
                    }
                    Err(d) => Err(d),
                }
            }
        };
        match result {
            Ok(t) => text.push_str(&t),
            Err(diags) => {
                let _ = err.write_all(render::human(sources, &diags, false).as_bytes());
                let _ = writeln!(
                    err,
                    "error: the ICP `{}` cannot be compiled for {}",
                    plan.icp,
                    dialect.name()
                );
                return 1;
            }
        }
    }
    i32::from(out.write_all(text.as_bytes()).is_err()) * 2
}
