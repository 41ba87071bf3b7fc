#!/usr/bin/env bash
# What one call costs on tiny tensors (16 to 64K elements), each way of calling Actinium against the
# Java loops on the same arrays, in interleaved rounds (CallCostBench); with the safepoint measurement
# of bench/run-safepoint.sh, this is where the README's smallest size worth calling Actinium comes from.
# Writes bench/results/<date>-<time>-<cpu>-<n>cpu-callcost.md. About 30 seconds.
#   bench/run-callcost.sh [--rounds 41]
set -euo pipefail
cd "$(dirname "$0")/.."
java=$(bench/find-jdk.sh 22)
mvn -q -B -DskipTests install >/dev/null
. bench/result-meta.sh
out=$(result_path callcost.md)
mkdir -p bench/results
{
  echo "# What a call costs on tiny tensors"
  echo
  result_meta "bench/run-callcost.sh $*"
  echo "- JDK: $("$java" -version 2>&1 | head -1)"
  echo
  "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
    dev.actinium.bench.CallCostBench "$@" 2>/dev/null
} > "$out"
echo "$out"
