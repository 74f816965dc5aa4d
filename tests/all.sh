#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, fixture snapshots,
# end-to-end CLI and hard-input tests) and the checks that need Node.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are never written in CI: a changed snapshot is a failure.
export INSTA_UPDATE=no
cargo test --workspace --locked

# SARIF output against the official SARIF 2.1.0 schema (not a snapshot of our own output).
cargo build --locked -p icp-lang --bin icp
(cd tests/sarif && npm ci --no-audit --no-fund --loglevel=error)
node tests/sarif/validate.mjs target/debug/icp

# The language server end to end: the real binary over stdio, with the
# capabilities real editors send (pytest-lsp), in a virtualenv of its own.
cargo build --locked -p icp-lsp
if [ ! -x target/lsp-venv/bin/python ]; then
  python3 -m venv target/lsp-venv
fi
target/lsp-venv/bin/pip install --quiet --disable-pip-version-check -r tests/lsp/requirements.txt
ICP_LSP="$PWD/target/debug/icp-lsp" target/lsp-venv/bin/python -m pytest -q -p no:cacheprovider tests/lsp
