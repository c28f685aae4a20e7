#!/usr/bin/env bash
# Installs the Cline CLI the integration tests run (test/integration) into .tools/cline.
# Idempotent: does nothing when that exact version is already there. Prints the binary's path,
# ready for AUTOFIX_CLINE_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

CLINE_VERSION=3.0.65
prefix="$PWD/.tools/cline"
bin="$prefix/node_modules/.bin/cline"
manifest="$prefix/node_modules/cline/package.json"

installed_version() {
  [ -f "$manifest" ] && node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null || true
}

if [ ! -x "$bin" ] || [ "$(installed_version)" != "$CLINE_VERSION" ]; then
  # Plain npm from the registry; the package pulls its platform binary as an optional dependency.
  # Progress goes to stderr so stdout is only the path.
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    "cline@$CLINE_VERSION" >&2
fi

if [ ! -x "$bin" ] || [ "$(installed_version)" != "$CLINE_VERSION" ]; then
  echo "install-cline: cline@$CLINE_VERSION did not install to $prefix" >&2
  exit 1
fi
echo "$bin"
