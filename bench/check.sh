#!/usr/bin/env bash
# Benchmark `icp check` on a generated project (1,000 files x 200 lines).
#   bash bench/check.sh [FILES] [LINES]
# Needs hyperfine (apt-get install hyperfine). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
lines=${2:-200}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The programs are wherever cargo puts them (CARGO_TARGET_DIR respected).
target=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

cargo build --release -p icp-lang --bin icp >/dev/null 2>&1
python3 bench/gen_check_project.py "$out/project" --files "$files" --lines "$lines"
"$target"/release/icp check "$out/project" | tail -n 1

hyperfine --warmup 2 --min-runs 10 --export-markdown "$out/table.md" \
  -n "icp check (all cores)" "$target/release/icp check $out/project" \
  -n "icp check (1 core)" "taskset -c 0 $target/release/icp check $out/project" >&2
cat "$out/table.md"
