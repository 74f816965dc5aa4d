//! The people at an account: matching contacts to an ICP's personas, and
//! whether an account's buying committee is complete.

use crate::eval::glob;
use crate::plan::{normalize_variant, Plan, SENIORITY};

/// The roles a complete buying committee has.
/// The roles a full buying committee fills (those the ICP's personas name).
/// A `blocker` is someone to know about, never a seat to fill, so it is not
/// one of them.
pub const COMMITTEE: &[&str] = &["decision_maker", "champion", "influencer", "user"];

/// The contact columns each persona test reads, and the headers CRM exports
/// give them (matched ignoring case and surrounding spaces), first the usual
/// one: HubSpot writes `Job Title`, Salesforce `Title`.
pub const TITLE_HEADERS: &[&str] = &["Title", "Job Title", "Job title", "Position"];
pub const SENIORITY_HEADERS: &[&str] = &["Seniority", "Job Level", "Management Level", "Level"];
pub const DEPARTMENT_HEADERS: &[&str] = &["Department", "Job Function", "Function"];

/// A seniority as CRMs write it: `VP`, `C-Level`, `Director`, `Individual
/// Contributor` ... as a level of [`SENIORITY`]; `None` when unrecognised.
pub fn seniority_level(s: &str) -> Option<u8> {
    let n = normalize_variant(s);
    let level = match n.as_str() {
        "ic" | "individual_contributor" | "entry" | "junior" | "senior" | "staff" | "associate" => {
            0
        }
        "manager" | "senior_manager" | "lead" | "team_lead" | "head" => 1,
        "director" | "senior_director" | "head_of" => 2,
        "vp" | "vice_president" | "svp" | "evp" | "avp" => 3,
        "c_level" | "c_suite" | "cxo" | "chief" | "executive" | "owner" | "founder" | "partner" => {
            4
        }
        _ => return SENIORITY.iter().position(|l| *l == n).map(|i| i as u8),
    };
    Some(level)
}

/// The personas (bit `i` = `plan.personas[i]`) a contact matches.
pub fn match_contact(plan: &Plan, title: &str, seniority: &str, department: &str) -> u64 {
    let level = seniority_level(seniority);
    let mut mask = 0u64;
    for (i, p) in plan.personas.iter().enumerate().take(64) {
        let title_ok = p.titles.is_empty() || p.titles.iter().any(|pat| glob(pat, title.trim()));
        let seniority_ok =
            p.seniority.is_empty() || level.is_some_and(|l| p.seniority.contains(&l));
        let department_ok = p.departments.is_empty()
            || p.departments.iter().any(|d| {
                d.trim().eq_ignore_ascii_case(department.trim())
                    || d.trim().to_lowercase() == department.trim().to_lowercase()
            });
        if title_ok && seniority_ok && department_ok {
            mask |= 1 << i;
        }
    }
    mask
}

/// The personas an account has, by name.
pub fn persona_names(plan: &Plan, mask: u64) -> Vec<&str> {
    plan.personas
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < 64 && mask & (1 << i) != 0)
        .map(|(_, p)| p.name.as_str())
        .collect()
}

/// The committee roles the ICP's personas define that no contact fills.
/// Empty means complete.
pub fn missing_roles(plan: &Plan, mask: u64) -> Vec<&'static str> {
    COMMITTEE
        .iter()
        .copied()
        .filter(|role| {
            plan.personas
                .iter()
                .any(|p| p.role.as_deref() == Some(role))
        })
        .filter(|role| {
            !plan
                .personas
                .iter()
                .enumerate()
                .any(|(i, p)| i < 64 && p.role.as_deref() == Some(role) && mask & (1 << i) != 0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seniorities_as_crms_write_them() {
        assert_eq!(seniority_level("VP"), Some(3));
        assert_eq!(seniority_level("C-Level"), Some(4));
        assert_eq!(seniority_level("Individual Contributor"), Some(0));
        assert_eq!(seniority_level("director"), Some(2));
        assert_eq!(seniority_level("intern?"), None);
    }
}
