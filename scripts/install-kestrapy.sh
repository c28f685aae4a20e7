#!/usr/bin/env bash
# Installs Kestra's own Python SDK, kestrapy (PyPI), with its dependencies into a virtualenv under
# .tools/kestrapy-venv, for the SDK check of the engine suite (test/kestra/kestrapy.test.ts).
# Idempotent: does nothing when that exact version is already there. Prints the venv's python path,
# ready for AUTOFIX_KESTRAPY_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."

KESTRAPY_VERSION=2.0.3
# kestrapy 2.0.3's models `import regex` without declaring it as a dependency: installed alongside.
REGEX_VERSION=2026.11.15
venv="$PWD/.tools/kestrapy-venv"
python="$venv/bin/python"

installed_version() {
  [ -x "$python" ] && "$python" -c \
    'import importlib.metadata as m, kestrapy; print(m.version("kestrapy"))' 2>/dev/null || true
}

if [ "$(installed_version)" != "$KESTRAPY_VERSION" ]; then
  if [ ! -x "$python" ]; then
    # Progress goes to stderr so stdout is only the path.
    python3 -m venv "$venv" >&2
  fi
  "$python" -m pip install --quiet --disable-pip-version-check \
    "kestrapy==$KESTRAPY_VERSION" "regex==$REGEX_VERSION" >&2
fi

if [ "$(installed_version)" != "$KESTRAPY_VERSION" ]; then
  echo "install-kestrapy: kestrapy==$KESTRAPY_VERSION did not install to $venv" >&2
  exit 1
fi
echo "$python"
