#!/usr/bin/env python3
"""The obvious alternative to `icp validate`, as an analyst would write it:
the ICP's compiled SQL (`icp compile --emit sql`) in DuckDB for each
account's tier and score, joined with the outcome column, then win rates per
tier with numpy and the AUC with scikit-learn's `roc_auc_score`.

    python3 bench/validate_alternative.py ICP_BINARY accounts.csv [--runs 3]

Prints the best and median wall time of one run (view, query, fetch, rates
and AUC; not Python's start-up or imports), then checks that its numbers are
`icp validate --format json`'s: accounts, won and lost per tier, and the AUC
of the score (an independent check at a million rows). Needs the file
`bench/gen_accounts.py --outcome` writes (`Stage`: Closed Won, Closed Lost,
Open).
"""
import argparse
import json
import subprocess
import sys
import time

import duckdb
import numpy as np
from sklearn.metrics import roc_auc_score

ARGS = ["bench/bench.icp", "--icp", "bench"]


def compiled(icp, emit):
    extra = ["--as-of", "2026-11-01"] if emit == "sql" else []
    return subprocess.run([icp, "compile", *ARGS, "--emit", emit, "--dialect", "duckdb", "--from", "accounts", *extra],
                          check=True, capture_output=True, text=True).stdout


def one_run(data, spec, sql):
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE VIEW accounts AS SELECT * FROM read_csv('{data}', header = true, types = {{{spec}}})")
    got = con.execute(
        f'WITH s AS ({sql}) SELECT s."tier", s."score", a."Stage" FROM s JOIN accounts a ON s."id" = a."Account ID" '
        "WHERE s.\"passed\""
    ).fetchnumpy()
    tier = np.asarray(got["tier"], dtype=object)
    score = np.asarray(got["score"], dtype=float)
    stage = np.asarray(got["Stage"], dtype=object)
    won, lost = stage == "Closed Won", stage == "Closed Lost"
    tiers = {}
    for t in sorted(set(tier.tolist())):
        here = tier == t
        tiers[t] = (int(here.sum()), int((here & won).sum()), int((here & lost).sum()))
    closed = won | lost
    auc = roc_auc_score(won[closed], score[closed])
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed, tiers, auc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("icp")
    p.add_argument("data")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    ddl = compiled(a.icp, "ddl")
    sql = compiled(a.icp, "sql").strip().rstrip(";")
    probe = duckdb.connect()
    probe.execute(ddl)
    cols = probe.execute("SELECT name, type FROM pragma_table_info('accounts') ORDER BY cid").fetchall()
    probe.close()
    spec = ", ".join(f"'{n}': '{t}'" for n, t in cols)
    times = []
    for _ in range(a.runs):
        elapsed, tiers, auc = one_run(a.data, spec, sql)
        times.append(elapsed)
    times.sort()
    print(f"duckdb {duckdb.__version__} + scikit-learn: best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s "
          f"over {a.runs} runs")
    out = subprocess.run([a.icp, "validate", *ARGS, a.data, "--outcome", "Stage", "--won", "Closed Won", "--lost",
                          "Closed Lost", "--open", "Open", "--as-of", "2026-11-01", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    v = json.loads(out)
    icp_tiers = {t["tier"]: (t["accounts"], t["won"], t["lost"]) for t in v["tiers"] if t["accounts"]}
    problems = []
    if icp_tiers != tiers:
        problems.append(f"tiers differ: icp {icp_tiers}, alternative {tiers}")
    if abs(v["auc"] - auc) > 1e-6:
        problems.append(f"AUC differs: icp {v['auc']}, scikit-learn {auc}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"agree: {sum(n for n, _, _ in tiers.values()):,} accounts in {len(tiers)} tiers, "
          f"won and lost per tier equal, AUC {auc:.6f} equal to 1e-6")


if __name__ == "__main__":
    main()
