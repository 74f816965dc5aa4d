#!/usr/bin/env python3
"""Row-for-row agreement of two scored CSVs (icp's and DuckDB's).

    python3 bench/compare.py icp.csv duckdb.csv

Both need `id`, `passed`, `removed_by`, `score` and `tier`. Scores may differ
by at most 0.01 (rounding of decayed points). Exits 1 on any disagreement.
"""
import csv
import sys


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def norm_bool(v):
    return v.strip().lower() in ("true", "1")


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    if len(a) != len(b):
        print(f"row counts differ: {len(a)} vs {len(b)}")
        sys.exit(1)
    # DuckDB writes in parallel and does not keep input order: match by id.
    by_id = {row["id"]: row for row in b}
    if len(by_id) != len(b):
        print("duplicate ids in the second file")
        sys.exit(1)
    bad = 0
    for i, x in enumerate(a, start=1):
        y = by_id.get(x["id"], {"id": None, "passed": "", "removed_by": "", "tier": "", "score": ""})
        same = (
            x["id"] == y["id"]
            and norm_bool(x["passed"]) == norm_bool(y["passed"])
            and (x["removed_by"] or "") == (y["removed_by"] or "")
            and (x["tier"] or "") == (y["tier"] or "")
            and ((not x["score"] and not y["score"]) or abs(float(x["score"] or 0) - float(y["score"] or 0)) <= 0.01)
        )
        if not same:
            bad += 1
            if bad <= 5:
                print(f"row {i} differs:\n  icp:    {x}\n  duckdb: {y}")
    print(f"compared {len(a)} rows: {len(a) - bad} agree, {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
