#!/usr/bin/env bash
# Builds the platform package: the extension with `icp-lsp` and `icp` inside,
# for Linux x64, at target/vscode/icp-linux-x64.vsix, then checks its contents.
set -euo pipefail
ext="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$ext/../.." && pwd)"
out="$repo/target/vscode/icp-linux-x64.vsix"

cargo build --release --locked -p icp-lang -p icp-lsp --bins --manifest-path "$repo/Cargo.toml"
# Where cargo put them: target/ unless CARGO_TARGET_DIR or a cargo config says otherwise.
release="$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release"
mkdir -p "$ext/server" "$(dirname "$out")"
# Stripped: debug info would make the package ten times larger.
install -m 755 -s "$release/icp-lsp" "$release/icp" "$ext/server/"

cd "$ext"
# The tools (tsc, esbuild, vsce) at the versions the lock file pins, when
# they are missing or older than it.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p .
# One bundled file loads faster than the client's 160 modules.
npm run --silent bundle
# The bundle must load with nothing but `vscode` from outside (a stand-in here).
stub="$(mktemp -d)"
mkdir -p "$stub/vscode"
echo 'module.exports = new Proxy({}, { get: () => function Stub() {} });' > "$stub/vscode/index.js"
NODE_PATH="$stub" node -e 'const e = require("./dist/extension.js");
  if (typeof e.activate !== "function" || typeof e.deactivate !== "function") process.exit(1);'
rm -rf "$stub"
npx vsce package --target linux-x64 --out "$out"

# The package must hold the client, the grammars and both programs.
python3 - "$out" <<'PY'
import sys, zipfile
infos = {i.filename: i for i in zipfile.ZipFile(sys.argv[1]).infolist()}
names = set(infos)
need = ["extension/package.json", "extension/dist/extension.js",
        "extension/syntaxes/icp.tmLanguage.json", "extension/syntaxes/icp-markdown.tmLanguage.json",
        "extension/language-configuration.json", "extension/snippets/icp.json",
        "extension/server/icp-lsp", "extension/server/icp",
]
missing = [n for n in need if n not in names]
stray = [n for n in names if n.startswith(("extension/src/", "extension/test/", "extension/e2e/", "extension/scripts/", "extension/node_modules/"))]
# VS Code keeps the zip's file modes: the programs must stay executable.
not_exec = [n for n in ("extension/server/icp-lsp", "extension/server/icp")
            if n in infos and not (infos[n].external_attr >> 16) & 0o111]
if missing or stray or not_exec:
    sys.exit(f"bad package: missing {missing}, should not hold {stray}, not executable {not_exec}")
print(f"{sys.argv[1]}: {len(names)} files, server and client inside")
PY
