#!/usr/bin/env bash
# Benchmark `icp validate` against `icp score` on the same generated accounts
# (with an outcome column), interleaved, and their peak memory.
#   bash bench/validate.sh [ROWS] [ROUNDS]
# Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
rounds=${2:-15}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
target=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

cargo build --release -p icp-lang --bin icp >/dev/null 2>&1
python3 bench/gen_accounts.py "$out/accounts.csv" --rows "$rows" --outcome
icp="$target/release/icp"
score=("$icp" score bench/bench.icp --icp bench "$out/accounts.csv" -o "$out/icp.csv" --columns id,passed,removed_by,score,tier)
hyperfine -N --warmup 2 --min-runs "$rounds" \
  -n "icp score" "${score[*]}" \
  -n "icp validate" "$icp validate bench/bench.icp --icp bench $out/accounts.csv --outcome Stage --won 'Closed Won' --lost 'Closed Lost' --open Open" >&2
for cmd in score validate; do
  if [ "$cmd" = score ]; then c=("${score[@]}"); else c=("$icp" validate bench/bench.icp --icp bench "$out/accounts.csv" --outcome Stage --won "Closed Won" --lost "Closed Lost" --open Open); fi
  /usr/bin/time -v "${c[@]}" 2>&1 >/dev/null | awk -v c="$cmd" '/Maximum resident/ {print "icp " c " peak memory: " $6 " KB"}'
done
