#!/usr/bin/env python3
"""Deterministic CRM-style accounts for the scoring benchmark.

    python3 bench/gen_accounts.py OUT.csv [--rows 1000000]

Columns match bench/bench.icp. The data is deliberately untidy the way CRM
exports are: quoted names with commas and quotes, Polish, German and Chinese
names, empty cells, `;`-separated technology lists, mixed-case enums.
"""
import argparse
import csv
import random

INDUSTRIES = ["saas", "manufacturing", "education", "government", "retail", "fintech", "healthcare"]
RIVALRY = ["none", "in_cycle", "rejected", "customer", "In Cycle"]
COUNTRIES = ["US", "CA", "GB", "DE", "PL", "CN", "FR", "BR", "IN", "JP"]
TECH = ["SAP", "Snowflake", "dbt", "Salesforce", "HubSpot", "Oracle NetSuite", "Workday", "Databricks", "Microsoft Dynamics", "Excel"]
NAMES = ["Acme", "Zakład Mechaniczny Łódź", "Müller Präzisionswerk", "深圳精密制造", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark"]
DESCRIPTIONS = [
    "Mid-size manufacturer, three plants; ERP upgrade planned",
    "Regional retailer with a growing e-commerce arm",
    "Long-time prospect, met at Hannover Messe 2025",
    "",
    "Series B, hiring data engineers",
]
SUFFIX = ["Inc.", "GmbH", "Sp. z o.o.", "有限公司", "LLC", "Ltd"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--outcome", action="store_true",
                    help="add Stage (Closed Won / Closed Lost / Open) and Close Date columns for icp validate")
    args = ap.parse_args()
    rng = random.Random(7)
    # Outcomes from their own generator: the other columns stay the same.
    outcomes = random.Random(11)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Account ID", "Account Name", "Industry", "Employee Count", "Annual Revenue", "IT Budget",
                    "Country", "Technologies", "Site Visits (30d)", "Competitor Status", "Last Activity", "Public",
                    "Account Owner", "Description"] + (["Stage", "Close Date"] if args.outcome else []))
        for i in range(args.rows):
            name = f"{rng.choice(NAMES)} {i}, {rng.choice(SUFFIX)}"
            if rng.random() < 0.05:
                name = f'{name} "the {rng.choice(["best", "only"])}"'
            tech = ";".join(rng.sample(TECH, rng.randint(0, 4)))
            row = [
                f"A{i:07d}",
                name,
                rng.choice(INDUSTRIES),
                rng.randint(1, 20000),
                "" if rng.random() < 0.3 else rng.randint(100_000, 2_000_000_000),
                "" if rng.random() < 0.4 else rng.randint(10_000, 50_000_000),
                rng.choice(COUNTRIES),
                tech,
                rng.randint(0, 40),
                "" if rng.random() < 0.5 else rng.choice(RIVALRY),
                "" if rng.random() < 0.35 else f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
                rng.choice(["true", "false"]),
                rng.choice(["Anna Kowalska", "Jürgen Weiß", "李伟", "Maria Garcia", "John O'Neil"]),
                rng.choice(DESCRIPTIONS),
            ]
            if args.outcome:
                # More site visits, more wins: the score has something to find.
                p_won = 0.15 + 0.5 * row[8] / 40
                r = outcomes.random()
                stage = "Open" if r < 0.3 else ("Closed Won" if outcomes.random() < p_won else "Closed Lost")
                date = "" if stage == "Open" else f"2026-{outcomes.randint(1, 10):02d}-{outcomes.randint(1, 28):02d}"
                row += [stage, date]
            w.writerow(row)


if __name__ == "__main__":
    main()
