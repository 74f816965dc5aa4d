#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, fixture snapshots,
# end-to-end CLI and hard-input tests) and the checks that need Node.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are never written in CI: a changed snapshot is a failure.
export INSTA_UPDATE=no
cargo test --workspace --locked

# The programs are wherever cargo puts them (CARGO_TARGET_DIR, a shared cache).
target=$(cargo metadata --format-version 1 --no-deps --locked \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# SARIF output against the official SARIF 2.1.0 schema (not a snapshot of our own output).
cargo build --locked -p icp-lang --bin icp
(cd tests/sarif && npm ci --no-audit --no-fund --loglevel=error)
node tests/sarif/validate.mjs "$target/debug/icp"

# The report and diff pages in a real browser (Debian's Chromium through
# playwright-core): no requests, no console errors, the fixture's known
# counts drawn, A4 print; the diff Markdown's Mermaid charts parsed and
# rendered by Mermaid itself. Chromium missing fails the run (.ci/run
# installs it). Screenshots and PDFs land in target/browser/.
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
node tests/browser/pages.mjs "$target/debug/icp"

# The Python-driven tests share one virtualenv of their own.
venv="$target/py-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  -r tests/lsp/requirements.txt -r tests/ci/requirements.txt -r tests/sql/requirements.txt \
  -r tests/evidence/requirements.txt

# The language server end to end: the real binary over stdio, with the
# capabilities real editors send (pytest-lsp).
cargo build --locked -p icp-lsp
ICP_LSP="$target/debug/icp-lsp" ICP="$target/debug/icp" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/lsp

# The GitHub Action's script in a simulated runner, and the pre-commit hooks.
ICP="$target/debug/icp" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/ci

# icp validate against scikit-learn and numpy on seeded synthetic data, and
# a data set with known true effects (docs/evidence.md).
ICP="$target/debug/icp" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/evidence

# The SQL back end on real engines: every example, clean fixture and the
# generated cases of tests/semantics.rs compiled to SQL, run on DuckDB,
# PostgreSQL (a temporary cluster on a socket) and Spark (local mode), and
# compared row for row with `icp score`; Snowflake and BigQuery parsed with
# sqlglot. A missing engine fails the run (.ci/run installs them).
ICP="$target/debug/icp" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/sql
