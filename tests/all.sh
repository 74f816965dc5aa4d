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
