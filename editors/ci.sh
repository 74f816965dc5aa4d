#!/usr/bin/env bash
# The editor integrations, as CI checks them: the VS Code extension compiles
# (strict TypeScript), its unit tests pass, its TextMate grammars pass their
# tests (which assert every scope the grammars assign, and every keyword of
# the compiler's lexer), it packages with the server inside, its snippets
# expand to valid ICP, and the packaged client runs its score command.
set -euo pipefail
start=$SECONDS
cd "$(dirname "$0")/vscode"
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
node --test test/unit/
npm run --silent test:grammar
node scripts/scope-coverage.mjs
bash scripts/package.sh
node scripts/check-snippets.mjs server/icp
node test/smoke/score.mjs
echo "editors: every check passed in $((SECONDS - start)) s"
