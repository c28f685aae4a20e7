#!/bin/sh
# Regenerates test/fixtures/kestra-2.0-flow.schema.json: Kestra 2.0's own JSON schema of a Flow, produced by
# its JsonSchemaGenerator (what /api/v1/plugins/schemas/flow serves) from the classes the launcher runs.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
out="${1:-$root/test/fixtures/kestra-2.0-flow.schema.json}"
exec "$root/scripts/kestra-engine.sh" --dump-flow-schema "$out"
