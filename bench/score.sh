#!/usr/bin/env bash
# Benchmark `icp score` against the parse floor and DuckDB on generated data.
#   bash bench/score.sh [ROWS]
# Needs hyperfine (apt-get install hyperfine) and duckdb (pip install duckdb).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The programs are wherever cargo puts them (CARGO_TARGET_DIR respected).
target=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

cargo build --release -p icp-lang --bin icp --example parse_floor >/dev/null 2>&1
python3 bench/gen_accounts.py "$out/accounts.csv" --rows "$rows"
ls -l "$out/accounts.csv" | awk '{printf "input: %.0f MB, %s rows\n", $5 / 1e6, '"$rows"'}'

hyperfine -N --warmup 2 --min-runs 15 --export-markdown "$out/table.md" \
  -n "parse floor (csv crate, 1 thread)" "$target/release/examples/parse_floor $out/accounts.csv $out/floor.csv" \
  -n "icp score" "$target/release/icp score bench/bench.icp --icp bench $out/accounts.csv -o $out/icp.csv --columns id,passed,removed_by,score,tier" \
  -n "icp score, an ICP that reads no column" "$target/release/icp score bench/bench.icp --icp no_rules $out/accounts.csv -o $out/none.csv --columns id,passed,removed_by,score,tier" >&2
cat "$out/table.md"
python3 bench/duckdb_score.py "$out/accounts.csv" "$out/duckdb.csv" --runs 5
python3 bench/compare.py "$out/icp.csv" "$out/duckdb.csv"
/usr/bin/time -f "icp score peak memory: %M KB" "$target"/release/icp score bench/bench.icp --icp bench "$out/accounts.csv" -o "$out/icp.csv" 2>&1 | tail -n 1
