#!/usr/bin/env bash
# Times every kernel in interleaved rounds (each round runs every case once, in turn; fractions of
# the floor are taken per round against that round's copy and FMA peak, then the median), at 64K
# and 16M elements with 1 and 2 threads, two ways back to back:
#   - through the C ABI without the JVM (bench/native/kernel_bench.cpp), plain and streaming stores;
#   - through the public Java API, Activations over a Parallel (ApiBench), as a user calls it.
# Writes bench/results/<date>-<time>-<cpu>-<n>cpu-rounds.md. About two minutes.
#   bench/run-rounds.sh [--dtype bf16]
set -euo pipefail
cd "$(dirname "$0")/.."
java=$(bench/find-jdk.sh 22)
mvn -q -DskipTests install >/dev/null  # bindings drives CMake, which builds kernel_bench too
bin=bindings/target/native/actinium_kernel_bench
. bench/result-meta.sh
out=$(result_path rounds.md)
mkdir -p bench/results
{
  echo "# Actinium kernels in interleaved rounds: C ABI and Java API"
  echo
  result_meta "bench/run-rounds.sh $*"
  echo "- compiler: $(c++ --version | head -1); JDK: $("$java" -version 2>&1 | head -1)"
  echo
  echo "Floor = max(bytes / copy bandwidth, flops / FMA peak); bytes 2n and 3n elements forward and"
  echo "backward (gated ops: 3n and 5n for n outputs); flops per element from AK_ACTIVATIONS. The copy"
  echo "and the peak are measured in every round, and fractions are medians over rounds of the"
  echo "per-round ratio. C ABI: each thread calls"
  echo "the kernel on its half, against glibc memcpy; (stream) rows use non-temporal stores. Java API:"
  echo "Activations.* over Parallel (which streams relu outputs of 16 MiB and more), against"
  echo "MemorySegment.copy split the same way."
  for n in 65536 16777216; do
    for t in 1 2; do
      rounds=$([ "$n" -le 65536 ] && echo 301 || echo 31)
      echo
      "$bin" --n "$n" --threads "$t" --rounds "$rounds" "$@" | sed 's/^# native kernel bench/## C ABI/'
      echo
      "$java" --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.actinium.bench.ApiBench \
        --n "$n" --threads "$t" --rounds "$rounds" "$@"
    done
  done
} > "$out"
echo "report: $out"
