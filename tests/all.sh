#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, fixture snapshots,
# end-to-end CLI and hard-input tests) and the checks that need Node.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are never written in CI: a changed snapshot is a failure.
export INSTA_UPDATE=no
cargo test --workspace --locked
