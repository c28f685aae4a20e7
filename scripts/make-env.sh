#!/usr/bin/env bash
# Fills the generated part of .env: a random AUTOFIX_WEBHOOK_TOKEN when it is empty, and the base64
# SECRET_* values Kestra OSS reads through secret('…'). Prints names only, never values.
#   scripts/make-env.sh [path/to/.env]     (default: .env next to docker-compose.yml)
# Exit status: 0 when every secret is set, 3 when some plain values are still missing (listed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_file="${1:-$root/.env}"

umask 077
if [ ! -f "$env_file" ]; then
  cp "$root/.env.example" "$env_file"
  echo "created $env_file from .env.example"
fi
chmod 600 "$env_file"

# The last KEY=value line wins, like docker compose. Surrounding quotes are removed.
get() {
  local line value
  line="$(grep -E "^$1=" "$env_file" | tail -n 1 || true)"
  value="${line#*=}"
  value="${value%\"}"; value="${value#\"}"
  value="${value%\'}"; value="${value#\'}"
  printf '%s' "$value"
}

# Replaces KEY=… in place (or appends it). Values go through the environment, not awk's -v, so
# backslashes and other characters are written as they are.
put() {
  local tmp
  tmp="$(mktemp "$env_file.XXXXXX")"
  KEY="$1" VALUE="$2" awk '
    BEGIN { k = ENVIRON["KEY"]; v = ENVIRON["VALUE"]; done = 0 }
    index($0, k "=") == 1 { if (!done) { print k "=" v; done = 1 }; next }
    { print }
    END { if (!done) print k "=" v }
  ' "$env_file" >"$tmp"
  mv "$tmp" "$env_file"
  chmod 600 "$env_file"
}

b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

if [ -z "$(get AUTOFIX_WEBHOOK_TOKEN)" ]; then
  put AUTOFIX_WEBHOOK_TOKEN "$(random_hex)"
  echo "generated AUTOFIX_WEBHOOK_TOKEN"
fi

missing=()
# SECRET name → plain variable it is made from.
for pair in \
  AUTOFIX_WEBHOOK_TOKEN:AUTOFIX_WEBHOOK_TOKEN \
  OPENAI_API_KEY:OPENAI_API_KEY \
  GITHUB_READ_TOKEN:GITHUB_TOKEN \
  GITHUB_PR_TOKEN:GITHUB_PR_TOKEN; do
  secret="${pair%%:*}"
  plain="${pair#*:}"
  value="$(get "$plain")"
  if [ -z "$value" ]; then
    put "SECRET_$secret" ""
    missing+=("$plain")
  else
    put "SECRET_$secret" "$(b64 "$value")"
    echo "wrote SECRET_$secret (from $plain)"
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "still empty in $env_file: ${missing[*]} — fill them in and run this script again" >&2
  exit 3
fi
echo "$env_file is ready"
