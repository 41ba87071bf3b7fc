#!/usr/bin/env bash
# The learnable activations through Actinium against the same math composed from PyTorch ops with
# autograd, as the published modules run it (bytedeco's libtorch CPU), in interleaved rounds
# (LearnableBaselines): forward, backward with the parameter gradients, and both, F32 in rows of 4096
# channels: 1M elements with 1 and 2 threads, 16M with 1 thread, one JVM each. Fetches the baselines'
# jars (Maven profile `baselines`) the first time. Writes bench/results/<date>-<cpu>-<n>cpu-learnable-baselines.md.
#   bench/run-learnable-baselines.sh [--quick]   about 20 minutes on 2 cores; quick: 1M only, 4 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
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
  echo "(ak_learn_flops) over the FMA peak, both measured in every round. glibc's handling of PyTorch's"
  echo "large tensors moves its times: at 1M elements (4 MiB tensors) freed blocks are recycled, and 1M"
  echo "runs with glibc's defaults and with glibc told to keep freed memory; at 16M (64 MiB tensors) many"
  echo "are mapped afresh and page-fault on first touch (about 3 us per 4 KiB page on this VM) even when"
  echo "told to keep them, so there PyTorch's times are mostly the kernel's page faults."
} > "$out"
# PyTorch's CPU allocator hands its tensors to glibc, whose handling of large blocks moves PyTorch's
# times: at 1M elements (4 MiB tensors) the freed blocks are recycled, and the rounds compare the
# computation; at 16M (64 MiB tensors) many are mapped afresh and every op pays their first-touch page
# faults (about 3 us per 4 KiB page on this kind of VM), even with glibc told to keep freed memory. So
# 1M runs twice per thread count, with glibc's defaults and told to keep freed memory (no mmap, no
# trim); 16M once, 1 thread, kept memory (about 15 minutes).
run_case() {  # n threads rounds keep
  echo >> "$out"
  local env=() note="glibc defaults"
  if [ "$4" = 1 ]; then
    env=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736) note="glibc keeps freed memory (MALLOC_MMAP_MAX_=0)"
  fi
  env "${env[@]}" "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" \
    dev.actinium.bench.LearnableBaselines --n "$1" --threads "$2" --rounds "$3" --note "$note" 2>/dev/null >> "$out"
}
for t in 1 2; do
  run_case 1048576 "$t" 9 0
  run_case 1048576 "$t" 9 1
done
[ "$quick" = 1 ] || run_case 16777216 1 3 1
echo "$out"
