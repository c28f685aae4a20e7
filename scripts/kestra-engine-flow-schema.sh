#!/bin/sh
# Regenerates test/fixtures/kestra-2.0-flow.schema.json: Kestra 2.0's own JSON schema of a Flow, produced by
# its JsonSchemaGenerator (what /api/v1/plugins/schemas/flow serves) from the classes the launcher runs,
# then laid out by the project's formatter (biome) so `npm run lint` accepts the generated file as is.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
out="${1:-$root/test/fixtures/kestra-2.0-flow.schema.json}"
"$root/scripts/kestra-engine.sh" --dump-flow-schema "$out"
if ! command -v node >/dev/null 2>&1; then
  PATH="$root/.tools/node-24.9.0/node_modules/node/bin:$PATH"
fi
if [ -x "$root/node_modules/.bin/biome" ] && command -v node >/dev/null 2>&1; then
  "$root/node_modules/.bin/biome" format --write "$out" >/dev/null
fi
