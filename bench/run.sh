#!/usr/bin/env bash
# Runs the CPU benchmarks (JMH) and writes bench/results/<date>-<time>-<cpu>-<n>cpu.{csv,md}: times,
# GB/s, fraction of the copy bandwidth and of the floor, and the Java baselines, all from one run.
#   bench/run.sh          the full matrix (about 20 minutes on 2 cores)
#   bench/run.sh quick    fewer and shorter iterations, for a smoke run
#   bench/run.sh targets  the acceptance cases of issue 2 (forward and forward+bias at 16M F32,
#                         2 threads, and the copy), 5 rounds in turn (about 5 minutes)
#   bench/run.sh quick 'ActivationBenchmark.actiniumForward' -p op=RELU   extra JMH arguments
set -euo pipefail
cd "$(dirname "$0")/.."
java=$(bench/find-jdk.sh 22)
mode=${1:-full}; shift || true
mvn -q -DskipTests install >/dev/null
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1 | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/-$//')
name="$(date -u +%F-%H%M)-${cpu}-$(nproc)cpu"
mkdir -p bench/results
rounds=1
case "$mode" in
  quick) iters=(-wi 1 -i 3 -w 1 -r 1) ;;
  targets) iters=(-wi 1 -i 3 -w 1 -r 1); rounds=5
           [ $# -gt 0 ] || set -- 'ActivationBenchmark.actiniumForward|CopyBenchmark' -p size=16777216 -p threads=2 ;;
  *) iters=(-wi 2 -i 5 -w 1 -r 1) ;;
esac
[ $# -gt 0 ] || set -- 'ActivationBenchmark|CopyBenchmark'
# Report runs JMH itself (same arguments as the benchmarks jar takes) to keep every iteration's time.
"$java" --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.actinium.bench.Report \
  run "bench/results/$name" "bench/run.sh $mode (rounds: $rounds; JMH arguments: $* ${iters[*]})" \
  --rounds "$rounds" "$@" "${iters[@]}"
echo "report: bench/results/$name.md"
