#!/usr/bin/env python3
"""The obvious alternative to `icp score`: the same ICP as SQL in DuckDB.

    python3 bench/duckdb_score.py accounts.csv out.csv [--runs 5]

Prints the best wall time of the query (read CSV, score, write CSV), not
counting Python's start-up. The SQL mirrors bench/bench.icp, including its
missing-data rules: a filter fails on a missing value, an exclusion does not
exclude, a signal does not fire.
"""
import argparse
import time

import duckdb

SQL = """
COPY (
  WITH a AS (
    SELECT *,
      lower(replace(replace(trim("Competitor Status"), ' ', '_'), '-', '_')) AS rival,
      string_split("Technologies", ';') AS tech
    FROM read_csv('{input}', header = true, columns = {{
      'Account ID': 'VARCHAR', 'Account Name': 'VARCHAR', 'Industry': 'VARCHAR',
      'Employee Count': 'BIGINT', 'Annual Revenue': 'BIGINT', 'IT Budget': 'BIGINT',
      'Country': 'VARCHAR', 'Technologies': 'VARCHAR', 'Site Visits (30d)': 'BIGINT',
      'Competitor Status': 'VARCHAR', 'Last Activity': 'DATE', 'Public': 'BOOLEAN',
      'Account Owner': 'VARCHAR', 'Description': 'VARCHAR'}})
  ),
  gated AS (
    SELECT *,
      CASE
        WHEN coalesce("Industry" IN ('education', 'government'), false) THEN 'public_sector'
        WHEN NOT coalesce("Employee Count" BETWEEN 50 AND 10000, false) THEN 'right_size'
        WHEN NOT coalesce("Country" IN ('US', 'CA', 'GB', 'DE', 'PL', 'FR'), false) THEN 'geo'
        WHEN NOT coalesce("IT Budget" >= 100000 OR "IT Budget" IS NULL, false) THEN 'budget'
        WHEN NOT coalesce(rival <> 'customer' OR rival IS NULL, false) THEN 'not_customer'
      END AS removed_by
    FROM a
  ),
  scored AS (
    SELECT *,
        (CASE WHEN "Site Visits (30d)" >= 10 THEN 25 ELSE 0 END)
      + (CASE WHEN "Site Visits (30d)" >= 3 AND "Site Visits (30d)" < 10 THEN 10 ELSE 0 END)
      + (CASE WHEN rival = 'in_cycle' THEN 15 ELSE 0 END)
      + (CASE WHEN rival = 'rejected' THEN -10 ELSE 0 END)
      + (CASE WHEN list_has_all(tech, ['Snowflake', 'dbt']) THEN 20 ELSE 0 END)
      + (CASE WHEN list_has_any(tech, ['Salesforce', 'HubSpot']) THEN 10 ELSE 0 END)
      + (CASE WHEN "IT Budget" >= 5000000 THEN 20 ELSE 0 END)
      + (CASE WHEN "Annual Revenue" >= 100000000 THEN 10 ELSE 0 END)
      + (CASE WHEN "Last Activity" BETWEEN DATE '2026-09-02' AND DATE '2026-11-01'
              THEN 15 * pow(0.5, (DATE '2026-11-01' - "Last Activity") / 30.0) ELSE 0 END)
      + (CASE WHEN "Employee Count" >= 50 AND "Employee Count" < 500 THEN 5
              WHEN "Employee Count" >= 500 AND "Employee Count" < 2000 THEN 10
              WHEN "Employee Count" >= 2000 AND "Employee Count" <= 10000 THEN 15
              ELSE 0 END) AS score
    FROM gated
  )
  SELECT "Account ID" AS id,
         removed_by IS NULL AS passed,
         removed_by,
         CASE WHEN removed_by IS NULL THEN round(score, 2) END AS score,
         CASE WHEN removed_by IS NOT NULL THEN NULL
              WHEN score >= 70 THEN 'A' WHEN score >= 40 THEN 'B' ELSE 'C' END AS tier
  FROM scored
) TO '{output}' (HEADER, DELIMITER ',')
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    times = []
    for _ in range(args.runs):
        con = duckdb.connect()
        start = time.perf_counter()
        con.execute(SQL.format(input=args.input, output=args.output))
        times.append(time.perf_counter() - start)
        con.close()
    times.sort()
    print(f"duckdb {duckdb.__version__}: best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
