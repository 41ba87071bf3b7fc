#!/usr/bin/env bash
# Runs the native kernel benchmark (bench/native/kernel_bench.cpp: the C ABI timed without the JVM,
# interleaved rounds, medians) at 64K and 16M F32 with 1 and 2 threads, and writes
# bench/results/<date>-<time>-<cpu>-<n>cpu-native.md. About a minute.
#   bench/run-native.sh [extra kernel_bench arguments, e.g. --isa avx2]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests install >/dev/null  # bindings drives CMake, which builds the benchmark too
bin=bindings/target/native/actinium_kernel_bench
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1 | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/-$//')
out="bench/results/$(date -u +%F-%H%M)-${cpu}-$(nproc)cpu-native.md"
mkdir -p bench/results
{
  echo "# Actinium native kernel benchmark"
  echo
  echo "- command: \`bench/run-native.sh $*\`"
  echo "- date: $(date -u '+%F %H:%M UTC')"
  echo "- machine: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(uname -sr)"
  echo "- compiler: $(c++ --version | head -1)"
  echo
  echo "Floor = max(bytes / memcpy bandwidth, flops / FMA peak), both measured in the same run;"
  echo "bytes 8n forward, 12n backward; flops per element from AK_ACTIVATIONS. (stream) rows use"
  echo "non-temporal stores (AK_FLAG_STREAM), as the Java API does for relu above 16 MiB."
  for n in 65536 16777216; do
    for t in 1 2; do
      rounds=$([ "$n" -le 65536 ] && echo 301 || echo 15)
      echo
      "$bin" --n "$n" --threads "$t" --rounds "$rounds" "$@" | sed 's/^# /## /'
    done
  done
} > "$out"
echo "report: $out"
