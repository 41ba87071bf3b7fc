#!/usr/bin/env bash
# Time to a safepoint during a long serial kernel call, bounded downcalls against one unbounded
# critical downcall and one non-critical downcall, and the kernel time of each (SafepointBench).
# Writes bench/results/<date>-<time>-<cpu>-<n>cpu-safepoint.md. About a minute.
#   bench/run-safepoint.sh [--n 67108864] [--rounds 15]
set -euo pipefail
cd "$(dirname "$0")/.."
java=$(bench/find-jdk.sh 22)
mvn -q -DskipTests install >/dev/null
. bench/result-meta.sh
out=$(result_path safepoint.md)
{
  echo "# Actinium: safepoint latency of kernel downcalls"
  echo
  result_meta "bench/run-safepoint.sh $*"
  echo "- JDK: $("$java" -version 2>&1 | head -1); JVM flags: -Xmx1g -XX:+UseG1GC"
  echo
  "$java" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:+UseG1GC -cp bench/target/benchmarks.jar \
    dev.actinium.bench.SafepointBench "$@"
} > "$out"
echo "report: $out"
