#!/usr/bin/env bash
# The editor integrations, as CI checks them: the VS Code extension compiles
# (strict TypeScript), its TextMate grammars pass their tests (which assert
# every scope the grammars assign, and every keyword of the compiler's
# lexer), it packages with the server inside, its unit tests pass, its
# snippets expand to valid ICP, the packaged client runs its commands against
# a stand-in for VS Code, and then, end to end, in a real VS Code
# (code-server driven by Chromium; docs/editors.md says what it needs).
set -euo pipefail
start=$SECONDS
cd "$(dirname "$0")/vscode"
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
npm run --silent test:grammar
node scripts/scope-coverage.mjs
bash scripts/package.sh
# After the package: some unit tests run the icp it built.
node --test test/unit/
node scripts/check-snippets.mjs server/icp
node test/smoke/score.mjs
e2e_start=$SECONDS
bash e2e/install.sh
echo "editors: end-to-end tools ready in $((SECONDS - e2e_start)) s"
bash e2e/run.sh
echo "editors: every check passed in $((SECONDS - start)) s"
