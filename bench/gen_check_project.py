#!/usr/bin/env python3
"""Generates a deterministic icp project for benchmarking `icp check`.

    python3 bench/gen_check_project.py OUT_DIR [--files 1000] [--lines 200]

One shared schema file plus FILES product files of about LINES lines each:
imports, enums, segments and ICPs with filters, exclusions, banded and
weighted signals, groups, tiers, personas, jobs and tests. Every file checks
clean, so the benchmark measures the whole pipeline, not an early error.
"""
import argparse
import os
import random

SHARED = """/// Shared by every product.
enum Industry { saas, manufacturing, education, government, retail, fintech, healthcare }
enum Rivalry { none, in_cycle, rejected, customer }

schema Account {
  id:                text key from "Account ID"
  name:              text
  industry:          Industry
  employees:         int from "Employee Count"
  revenue:           money?
  it_budget:         money?
  growth:            percent?
  country:           text
  tech:              set<text>
  site_visits_30d:   int
  competitor_status: Rivalry?
  last_activity:     date?
  is_public:         bool
}
"""

TECH = ["SAP", "Snowflake", "dbt", "Salesforce", "HubSpot", "Oracle NetSuite", "Workday", "Databricks"]


def product(i, lines, rng):
    out = [f'// Product {i}: generated for the check benchmark.', 'import "shared.icp"', '']
    out.append(f"segment seg{i} = employees in {rng.randint(10, 200)}..={rng.randint(1000, 5000)}")
    out.append("")
    n = 0
    while len(out) + 47 <= lines:
        lo = rng.randint(20, 400)
        out += [
            f'/// ICP {n} of product {i}.',
            f'icp p{i}_icp{n} "Product {i} ICP {n}" for Account {{',
            '  owner "revops@example.com"',
            '  reviewed 2026-10-01 every 90d',
            '',
            '  exclude public_sector: industry in [education, government] because "long procurement"',
            f'  filter sized: seg{i} and employees >= {lo}',
            f'  filter stack: tech has any ["{rng.choice(TECH)}", "{rng.choice(TECH)}"]',
            '  filter budget: it_budget >= $250k or it_budget is missing',
            '',
            '  group fit cap 80 {',
            f'    signal industry_fit: industry in [saas, fintech] weight {rng.randint(10, 30)}',
            f'    signal modern: tech has all ["Snowflake", "dbt"] weight {rng.randint(10, 30)} for job consolidate',
            '    signal size: points by employees {',
            f'      ..{lo + 100} => 5',
            f'      {lo + 100}..{lo + 900} => 10',
            f'      {lo + 900}.. => 15',
            '    }',
            f'    signal growing: growth >= {rng.randint(5, 40)}% weight 10',
            '  }',
            '  group engagement cap 60 {',
            f'    signal visits: site_visits_30d >= {rng.randint(2, 9)} weight 25',
            '    signal active: last_activity within 30d weight 15 decay half_life 14d',
            '    signal rival: competitor_status == in_cycle weight 15',
            '    signal lost: competitor_status == rejected weight -10',
            '  }',
            '',
            '  tier A: fit >= 40 and engagement >= 30',
            '  tier B: fit >= 20 or score >= 50',
            '  tier C: otherwise',
            '',
            '  persona buyer {',
            '    role decision_maker',
            '    title matches any ["VP* Operations", "COO"]',
            '    seniority >= director',
            '  }',
            '  job consolidate {',
            '    job "one view of the business"',
            '    pain "numbers a week old"',
            '  }',
            '',
            '  test "fits" {',
            f'    given {{ industry: saas, employees: {lo + 500}, tech: ["Snowflake", "dbt"], site_visits_30d: 10 }}',
            '    expect passes',
            '  }',
            '}',
            '',
        ]
        n += 1
    while len(out) < lines:
        out.append(f"// padding line {len(out)} keeps every file at exactly {lines} lines")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(42)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "icp.toml"), "w") as f:
        f.write('[project]\nname = "bench"\nas_of = "2026-11-01"\n')
    with open(os.path.join(args.out, "shared.icp"), "w") as f:
        f.write(SHARED)
    total = 0
    for i in range(args.files):
        text = product(i, args.lines, rng)
        total += text.count("\n")
        with open(os.path.join(args.out, f"product_{i:04}.icp"), "w") as f:
            f.write(text)
    print(f"wrote {args.files} files, {total} lines, to {args.out}")


if __name__ == "__main__":
    main()
