#!/bin/sh
# Runs the real Kestra 2.0 engine (kestra/engine/, test tooling) in one JVM:
#   scripts/kestra-engine.sh --flows kestra/workflows [--port N] [--data DIR] [--worker-threads N]
#   scripts/kestra-engine.sh --dump-flow-schema FILE
#   scripts/kestra-engine.sh --build-only
# Builds the launcher when its jar is missing or older than its sources (offline first, so it works without
# a network once .tools/m2 holds the artifacts). Prints "KESTRA-ENGINE READY {json}" on stdout when ready.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
engine="$root/kestra/engine"
jar="$engine/target/kestra-engine.jar"
export JAVA_HOME="${KESTRA_ENGINE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
m2="$root/.tools/m2"

if [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "kestra-engine.sh: no Java 25 at $JAVA_HOME (set KESTRA_ENGINE_JAVA_HOME)" >&2
  exit 2
fi

stale() {
  [ ! -f "$jar" ] || [ ! -d "$engine/target/lib" ] && return 0
  [ -n "$(find "$engine/pom.xml" "$engine/src" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]
}

if stale; then
  echo "kestra-engine.sh: building $jar" >&2
  # Offline first (everything already in .tools/m2), then online for the first resolve.
  if ! (cd "$engine" && mvn -B -q -o -Dmaven.repo.local="$m2" package -DskipTests >&2); then
    (cd "$engine" && mvn -B -q -Dmaven.repo.local="$m2" package -DskipTests >&2)
  fi
fi

if [ "${1:-}" = "--build-only" ]; then
  exit 0
fi

# -XX:+UseSerialGC and a bounded heap: one small engine on a 2-core machine.
exec "$JAVA_HOME/bin/java" ${KESTRA_ENGINE_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1} -jar "$jar" "$@"
