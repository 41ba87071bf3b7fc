#!/usr/bin/env bash
# Actinium against what a JVM user would pick instead (PyTorch via bytedeco, ONNX Runtime, ND4J, the
# Vector API and scalar Java loops) in interleaved rounds (BaselineRounds): F32 and BF16 forward and
# backward of every activation at 64K (in cache) and 16M (DRAM) elements, 1 and 2 threads, one JVM per
# case (the Java loops are F32 only; a baseline without BF16 kernels says so in the report).
# Then throughput against size, 4K to 16M, relu and gelu_erf forward, with the copy and compute
# ceilings (SizeSweep). Fetches the baselines' jars (Maven profile `baselines`) the first time. Writes
# bench/results/<date>-<cpu>-<n>cpu-baselines/: REPORT.md, rounds.csv, sweep.csv and the plots.
#   bench/run-baselines.sh [--quick]      full: about 5 minutes on 2 cores; quick: fewer rounds, about 3
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
java=$(bench/find-jdk.sh 22)
# libtorch's OpenMP workers spin after each parallel region by default; on 2 shared vCPUs the spinning
# takes the CPU from the next case of the round (PyTorch 3-7 ms per 64K call at 2 threads, Actinium 3x
# slower: bench/results/2026-11-24-1111-amd-epyc-2cpu-baselines). PASSIVE lets them sleep; PyTorch then
# pays the wake-up at each call instead, which is what it costs between other work.
export OMP_WAIT_POLICY=PASSIVE
mvn -q -B -Pbaselines -DskipTests install
cp="bench/baselines/target/classes:$(cat bench/baselines/target/classpath.txt)"
. bench/result-meta.sh
dir=$(result_path baselines)
mkdir -p "$dir"
{
  echo "# Actinium against PyTorch, ONNX Runtime and Java loops, in interleaved rounds"
  echo
  result_meta "bench/run-baselines.sh $*"
  echo "- JDK: $("$java" -version 2>&1 | head -1); PyTorch 2.10.0 (bytedeco 1.5.13, libtorch CPU);"
  echo "  ONNX Runtime 1.29.0 (Java package, MLAS); ND4J 1.0.0-M2.1 (nd4j-native, linux-x86_64-avx512)"
  echo
  echo "Every case runs once per round, in a shuffled order, back to back, on the same native buffers"
  echo "(PyTorch through from_blob and out= variants, ONNX Runtime through tensors over those buffers with"
  echo "pinned outputs: nothing is allocated or copied in the timed call; the Java loops run on heap"
  echo "arrays). 'Actinium x' is the median over rounds of the baseline's time over Actinium's in the same"
  echo "round: above 1, Actinium is faster. 'of floor' is Actinium's fraction of max(bytes / copy"
  echo "bandwidth, flops / FMA peak), both measured in every round. One JVM per size and thread count;"
  echo "PyTorch's and ONNX Runtime's pools get the same thread count as Actinium's; below 256K elements"
  echo "(its grain) Actinium and the Java loops run on the calling thread, so at 64K the 1-thread tables are"
  echo "the like-for-like comparison. 'of floor' exceeds 100% where Actinium's stores beat the copy's."
  echo "The scalar Java loop's times swing between JVMs (the JIT vectorizes it or not). OMP_WAIT_POLICY=PASSIVE:"
  echo "idle OpenMP workers sleep instead of spinning on the cores the next case needs; PyTorch pays a"
  echo "worker wake-up per call at 2 threads instead. Each JVM warms every case up for 3 s first (the Vector"
  echo "API loops take seconds to compile); no timed call allocates (fresh native memory costs about 220 ms"
  echo "per 64 MiB of first touches here)."
} > "$dir/REPORT.md"
for dtype in f32 bf16; do
for n in 65536 16777216; do
  for t in 1 2; do
    if [ "$quick" = 1 ]; then rounds=$([ "$n" -le 65536 ] && echo 51 || echo 9)
    else rounds=$([ "$n" -le 65536 ] && echo 301 || echo 31); fi
    echo >> "$dir/REPORT.md"
    "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" \
      dev.actinium.bench.BaselineRounds --n "$n" --threads "$t" --rounds "$rounds" --dtype "$dtype" \
      --csv "$dir/rounds.csv" \
      2>> "$dir/stderr.log" \
      >> "$dir/REPORT.md"
  done
done
done
for t in 1 2; do
  "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" \
    dev.actinium.bench.SizeSweep --threads "$t" --csv "$dir/sweep.csv" $([ "$quick" = 1 ] && echo --quick) \
    2>> "$dir/stderr.log"
done
{
  echo
  echo "## Plots"
  echo
  "$java" -Djava.awt.headless=true -cp "$cp" dev.actinium.bench.BaselinePlots "$dir/rounds.csv" "$dir"
  echo "GB/s against size (8 bytes per element moved), with the copy of the same bytes and the compute"
  echo "ceiling (the bytes per second the FMA peak allows for the op's flops) measured in the same rounds:"
  echo
  "$java" -Djava.awt.headless=true -cp "$cp" dev.actinium.bench.SweepPlots "$dir/sweep.csv" "$dir"
} >> "$dir/REPORT.md"
echo "$dir/REPORT.md"
