#!/usr/bin/env bash
# Reads what Kestra's own 2.0 SDK (kestrapy, PyPI) sends for each API function, into a JSON fixture:
#   scripts/gen-kestrapy-ops.sh [out.json] [version]
# Defaults: test/fixtures/kestrapy-2.0-operations.json and the pinned version below; `latest` takes
# the newest 2.0.x on PyPI. The wheel is downloaded (pip, no dependencies, never installed) into
# .tools/kestrapy/<version>/ and read by scripts/kestrapy-operations.py. CI runs it to check that the
# committed fixture is still what the SDK says (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

KESTRAPY_VERSION=2.0.3
out="${1:-test/fixtures/kestrapy-2.0-operations.json}"
version="${2:-$KESTRAPY_VERSION}"
if [ "$version" = latest ]; then
  # The newest 2.0.x release PyPI lists (pip download picks it from the range).
  spec='kestrapy>=2.0.0,<2.1.0'
else
  spec="kestrapy==$version"
fi

work="$PWD/.tools/kestrapy/download"
rm -rf "$work"
mkdir -p "$work"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$spec" >&2
wheel="$(ls "$work"/kestrapy-*.whl)"
version="$(basename "$wheel" | sed -E 's/^kestrapy-([^-]+)-.*/\1/')"
src="$PWD/.tools/kestrapy/$version"
rm -rf "$src"
mkdir -p "$src"
python3 -m zipfile -e "$wheel" "$src"
python3 scripts/kestrapy-operations.py "$src" "$version" > "$out.tmp"
mv "$out.tmp" "$out"
echo "kestrapy $version → $out" >&2
