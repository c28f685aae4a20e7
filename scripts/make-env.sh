#!/usr/bin/env bash
# Makes .env ready for `docker compose up`. It generates, when empty, AUTOFIX_WEBHOOK_TOKEN,
# KESTRA_PASSWORD and POSTGRES_PASSWORD; writes the base64 SECRET_* values Kestra OSS reads through
# secret('…'); and checks the shape of what only you can fill in (Slack tokens, signing secret,
# Kestra user). It never changes a value you set, and prints names only, never values.
#   scripts/make-env.sh [path/to/.env]     (default: .env next to docker-compose.yml)
# Exit status: 0 when .env is ready, 3 when something is missing or malformed (each listed with its fix).
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

# 64 hex characters: URL-safe, so POSTGRES_PASSWORD can sit in the bot's DATABASE_URL as it is.
random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# 24 letters and digits, drawn again until it meets Kestra 2.0's basic-auth rule (upper, lower, digit).
kestra_password() {
  local p
  while :; do
    p="$(head -c 18 /dev/urandom | base64 | tr '+/' '01')"
    if [[ $p =~ [A-Z] && $p =~ [a-z] && $p =~ [0-9] ]]; then
      printf '%s' "$p"
      return
    fi
  done
}

generate() {
  if [ -z "$(get "$1")" ]; then
    put "$1" "$("$2")"
    echo "generated $1"
  fi
}

generate AUTOFIX_WEBHOOK_TOKEN random_hex
generate KESTRA_PASSWORD kestra_password
generate POSTGRES_PASSWORD random_hex

problems=()
problem() { problems+=("$1"); }

# Shapes only: whether Slack and Kestra accept the values shows when the bot starts.
value="$(get SLACK_BOT_TOKEN)"
if [[ $value != xoxb-* ]]; then
  problem "SLACK_BOT_TOKEN is not a bot token (xoxb-…): copy the Bot User OAuth Token from OAuth & Permissions."
fi
value="$(get SLACK_APP_TOKEN)"
if [[ -n $value && $value != xapp-* ]]; then
  problem "SLACK_APP_TOKEN is not an app-level token (xapp-…): create one with connections:write under Basic Information → App-Level Tokens for Socket Mode, or leave it empty for HTTP mode."
fi
value="$(get SLACK_SIGNING_SECRET)"
if [ -z "$value" ]; then
  problem "SLACK_SIGNING_SECRET is empty: copy the Signing Secret from Basic Information → App Credentials."
elif [[ ! $value =~ ^[A-Za-z0-9]{20,64}$ ]]; then
  problem "SLACK_SIGNING_SECRET does not look like a signing secret (32 letters and digits): copy it again from Basic Information → App Credentials."
fi
value="$(get KESTRA_USERNAME)"
if [ -z "$value" ]; then
  problem "KESTRA_USERNAME is empty: set the Kestra user, an e-mail address (Kestra 2.0's basic auth needs one), e.g. admin@example.com."
elif [[ ! $value =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]]; then
  problem "KESTRA_USERNAME is not an e-mail address: Kestra 2.0's basic auth needs one, e.g. admin@example.com."
fi
value="$(get KESTRA_PASSWORD)"
if [[ ${#value} -lt 8 || ! $value =~ [A-Z] || ! $value =~ [a-z] || ! $value =~ [0-9] ]]; then
  problem "KESTRA_PASSWORD does not meet Kestra 2.0's rule (8+ characters with an upper-case letter, a lower-case letter and a digit): change it, or empty it to have one generated."
elif [[ $value == *[\"\\\$]* ]]; then
  problem "KESTRA_PASSWORD contains \", \\ or \$, which break Kestra's configuration: change it, or empty it to have one generated."
fi
value="$(get AUTOFIX_WEBHOOK_TOKEN)"
if [ "${#value}" -lt 16 ]; then
  problem "AUTOFIX_WEBHOOK_TOKEN is shorter than the 16 characters the bot requires: empty it to have one generated."
fi
value="$(get POSTGRES_PASSWORD)"
if [[ ! $value =~ ^[A-Za-z0-9._~-]+$ ]]; then
  problem "POSTGRES_PASSWORD may only hold letters, digits and . _ ~ - (it goes into the bot's DATABASE_URL): empty it before the first start to have one generated."
fi

# What each plain value is, for the message when it is empty.
hint() {
  case "$1" in
    OPENAI_API_KEY) echo "the API key of the coding agent's model provider" ;;
    GITHUB_TOKEN) echo "a read-only GitHub token (Contents, Issues, Pull requests: read)" ;;
    GITHUB_PR_TOKEN) echo "a GitHub token that can push and open PRs (Contents, Pull requests: read/write) and file issues (Issues: read/write)" ;;
  esac
}

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
    problem "$plain is empty: $(hint "$plain")."
  else
    put "SECRET_$secret" "$(b64 "$value")"
    echo "wrote SECRET_$secret (from $plain)"
  fi
done

# Not a problem, but every "View in Kestra" link in Slack would point at the reader's own machine.
if [ -z "$(get KESTRA_PUBLIC_URL)" ]; then
  echo "warning: KESTRA_PUBLIC_URL is empty, so Slack's Kestra links will point at http://localhost:8080, which only works on this machine; set it to the URL people open Kestra at." >&2
fi

if [ "${#problems[@]}" -gt 0 ]; then
  echo "$env_file is not ready; fix these and run scripts/make-env.sh again:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 3
fi
echo "$env_file is ready"
