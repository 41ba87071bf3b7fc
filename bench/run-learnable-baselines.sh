#!/usr/bin/env bash
# The learnable activations through Actinium against the same math composed from PyTorch ops with
# autograd, as the published modules run it (bytedeco's libtorch CPU), in interleaved rounds
# (LearnableBaselines): forward, backward with the parameter gradients, and both, 16M F32 elements in
# rows of 4096 channels, 1 and 2 threads, one JVM each. Fetches the baselines' jars (Maven profile
# `baselines`) the first time. Writes bench/results/<date>-<cpu>-<n>cpu-learnable-baselines.md.
#   bench/run-learnable-baselines.sh [--quick]     about 25 minutes on 2 cores; quick: 1M elements, 2 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
n=16777216 rounds=7 default_rounds=3
[ "${1:-}" = "--quick" ] && n=1048576 rounds=5 default_rounds=3
java=$(bench/find-jdk.sh 22)
export OMP_WAIT_POLICY=PASSIVE  # idle OpenMP workers sleep (bench/run-baselines.sh says why)
mvn -q -B -Pbaselines -DskipTests install
cp="bench/baselines/target/classes:$(cat bench/baselines/target/classpath.txt)"
. bench/result-meta.sh
out=$(result_path learnable-baselines).md
{
  echo "# Learnable activations: Actinium against PyTorch compositions with autograd"
  echo
  result_meta "bench/run-learnable-baselines.sh $*"
  echo "- JDK: $("$java" -version 2>&1 | head -1); PyTorch 2.10.0 (bytedeco 1.5.13, libtorch CPU)"
  echo
  echo "PyTorch runs each activation as the published modules write it (TorchLearnable): PyTorch ops on"
  echo "tensors over the benchmark's memory, parameters as leaves that require gradients, the backward from"
  echo "torch.autograd.grad over a fresh forward (PyTorch has no separate backward pass to time). Each op"
  echo "allocates its result, as in training. Actinium runs its forward and backward kernels (backward"
  echo "computes dx and every parameter gradient). Every case runs once per round, shuffled; 'Actinium x'"
  echo "is the median over rounds of PyTorch's time over Actinium's in the same round. 'of floor': bytes"
  echo "(8 per element forward, 12 backward, 20 both) over the copy's bandwidth, or the op's flops"
  echo "(ak_learn_flops) over the FMA peak, both measured in every round. PyTorch is timed twice: with"
  echo "glibc told to keep freed memory, so its 64 MiB results reuse pages already touched (the fair"
  echo "comparison), then with glibc's defaults, where each result is mapped afresh and pays its first-touch"
  echo "page faults (PyTorch as installed)."
} > "$out"
# PyTorch's CPU allocator hands its tensors to glibc, which maps blocks this large afresh for each and
# unmaps them when freed: every op pays its result's first-touch page faults. That is PyTorch as
# installed; with glibc told to keep freed memory (no mmap, no trim) the blocks are reused, as a tuned
# deployment (or jemalloc) would. Both are timed, in separate JVMs (the setting is per process).
for keep in 1 0; do
  for t in 1 2; do
    echo >> "$out"
    if [ "$keep" = 1 ]; then
      env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 "$java" --enable-native-access=ALL-UNNAMED \
        --add-modules jdk.incubator.vector -cp "$cp" dev.actinium.bench.LearnableBaselines --n "$n" --threads "$t" \
        --rounds "$rounds" --note "glibc keeps freed memory (MALLOC_MMAP_MAX_=0)" 2>/dev/null >> "$out"
    else
      "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" \
        dev.actinium.bench.LearnableBaselines --n "$n" --threads "$t" --rounds "$default_rounds" \
        --note "glibc defaults (each large tensor mapped afresh)" 2>/dev/null >> "$out"
    fi
  done
done
echo "$out"
