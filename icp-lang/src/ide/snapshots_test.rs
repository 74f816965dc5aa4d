//! The editor features on a real example, as a user meets them: for each
//! cursor (`$0` after the marker text), the hover, the completions and the
//! definition, in one reviewed snapshot.

use crate::check::check;
use crate::ide::testutil::{options, project};
use crate::span::FileId;

/// Marker text in examples/erp/icp.icp; the cursor goes right after it.
const CURSORS: &[&str] = &[
    "filter makes_things: indus",
    "industry in [manu",
    "filter right_size: employees in 5",
    "erp has any [",
    "signal multi_plant: pla",
    "signal budget: it_budget >= $1",
    "for job unify_pl",
    "competitor_status == in_c",
    "  tier ",
    "  exp",
    "expect signal bud",
    "decay half_life 1",
];

fn cursor_report() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/erp");
    let main = std::fs::read_to_string(root.join("icp.icp"))
        .unwrap_or_default()
        .replacen("import \"accounts.icp\"", "import \"shared.icp\"", 1);
    let shared = std::fs::read_to_string(root.join("accounts.icp")).unwrap_or_default();
    let project = project(&main, &shared);
    let checked = check(&project, &options());
    let mut out = String::new();
    for marker in CURSORS {
        let Some(at) = main.find(marker) else {
            out.push_str(&format!("## {marker:?}: not in the example\n\n"));
            continue;
        };
        let offset = (at + marker.len()) as u32;
        out.push_str(&format!("## {marker}$0\n"));
        let hover = super::hover::hover(&checked, FileId(0), offset);
        out.push_str(&format!(
            "hover: {}\n",
            hover
                .as_deref()
                .unwrap_or("(none)")
                .replace('\n', "\n       ")
        ));
        let labels: Vec<String> = super::complete::complete(&checked, FileId(0), offset)
            .into_iter()
            .map(|c| c.label)
            .collect();
        out.push_str(&format!("complete: {}\n", labels.join(", ")));
        let def = super::navigate::definition(&checked, FileId(0), offset).and_then(|d| {
            let src = project.sources.get(d.file)?;
            let line = src.text.get(..d.start as usize)?.matches('\n').count() + 1;
            Some(format!(
                "{}:{line} `{}`",
                src.name,
                src.text.get(d.range())?
            ))
        });
        out.push_str(&format!(
            "definition: {}\n\n",
            def.as_deref().unwrap_or("(none)")
        ));
    }
    out
}

#[test]
fn hover_completion_and_definition_on_the_erp_example() {
    insta::assert_snapshot!(cursor_report());
}
