#!/usr/bin/env bash
# Everything CUDA in one command, for a machine with an NVIDIA GPU (H100/H200 class); no Java needed.
# Builds the CUDA library, its tests and the GPU benchmark for this GPU's architecture; runs the CUDA
# tests on the GPU and on the CPU emulation; times every CUDA kernel with CUDA events against the
# device copy (bench/gpu/cuda_bench.cu); times the same ops in PyTorch eager and torch.compile, and
# cuBLAS GEMV/GEMM, when PyTorch is there (torch_bench.py); writes OUT/REPORT.md (report.py) with
# every CSV and log beside it. The quick mode takes a few minutes, the full one under 10.
#
#   bench/gpu/run.sh OUT [--quick] [--arch 90]
#
# With a Java runtime packed by bench/gpu/pack-java.sh (in .gpu-java, or $ACTINIUM_GPU_JAVA), it also
# runs the demo on the GPU through the Java API.
#
# With a GPU it builds only what runs there (the emulated tests run in every CI run, and take minutes
# of the GPU machine's time); without one (a dry run) it builds everything for --arch (default 90),
# runs the emulated tests, and says in REPORT.md which steps could not run and why.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
[ $# -ge 1 ] || { echo "usage: bench/gpu/run.sh OUT [--quick] [--arch 90]" >&2; exit 2; }
out=$1
shift
quick=""
arch=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick" ;;
    --arch) arch=${2:?--arch needs a value, e.g. 90}; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
: > "$out/steps.tsv"
step() { printf '%s\t%s\n' "$1" "$2" >> "$out/steps.tsv"; echo "== $1: $2"; }

gpu=""
if command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name --format=csv,noheader >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader | head -1)
  [ -n "$arch" ] || arch=$(echo "$gpu" | cut -d, -f2 | tr -d ' .')
fi
[ -n "$arch" ] || arch=90
{
  echo "command: bench/gpu/run.sh ${out##*/} $quick --arch $arch"
  echo "date: $(date -u '+%F %H:%M UTC')"
  dirty=$(git diff --quiet HEAD 2>/dev/null || echo " with uncommitted changes")
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
  echo "GPU: ${gpu:-none (dry run)}"
  echo "host: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(uname -sr)"
  echo "nvcc: $(command -v nvcc >/dev/null && nvcc --version | tail -1 || echo 'not found')"
} > "$out/machine.txt"
cat "$out/machine.txt"

build="$out/build"
if ! command -v nvcc >/dev/null; then
  step build "failed: nvcc not found (the CUDA toolkit is needed)"
elif cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" \
     > "$out/build.log" 2>&1 && cmake --build "$build" --parallel \
     ${gpu:+--target actinium_cuda_tests actinium_cuda_bench} >> "$out/build.log" 2>&1; then
  step build "ok: sm_$arch ($build)"
else
  step build "failed: see build.log"
fi

if [ -x "$build/tests/actinium_cuda_emulated_tests" ]; then
  if "$build/tests/actinium_cuda_emulated_tests" > "$out/cuda_emulated_tests.txt" 2>&1; then
    step "CUDA tests, emulated" "passed: $(tail -1 "$out/cuda_emulated_tests.txt")"
  else
    step "CUDA tests, emulated" "FAILED: $(tail -1 "$out/cuda_emulated_tests.txt")"
  fi
fi

if [ -z "$gpu" ]; then
  step "CUDA tests on the GPU" "skipped: no GPU (nvidia-smi finds none)"
  step "CUDA kernel timings" "skipped: no GPU"
elif [ -x "$build/tests/actinium_cuda_tests" ]; then
  # One process per shard of the ops, side by side: the CPU reference and the host's checks of the
  # large cases take minutes in one process. The output is the shards' logs one after another.
  shards=$(( $(nproc) / 2 > 1 ? $(nproc) / 2 : 1 ))
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  for ((i = 0; i < shards; i++)); do
    AK_TEST_SHARD="$i/$shards" timeout 300 "$build/tests/actinium_cuda_tests" "$seed" \
      > "$out/cuda_tests.$i.txt" 2>&1 &
  done
  rc=0
  for job in $(jobs -p); do wait "$job" || rc=$?; done
  cat "$out"/cuda_tests.*.txt > "$out/cuda_tests.txt" && rm "$out"/cuda_tests.*.txt
  summary=$(awk -v shards="$shards" '/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3; n++ }
                 END { printf "%d passed, %d failed, %d of %d shards finished", p, f, n, shards }' \
            "$out/cuda_tests.txt")
  outcome=$([ $rc = 0 ] && echo passed || echo "FAILED (exit $rc)")
  step "CUDA tests on the GPU" "$outcome: $summary (seed $seed)"
  if "$build/actinium_cuda_bench" $quick > "$out/cuda_kernels.csv" 2> "$out/cuda_bench.log"; then
    step "CUDA kernel timings" "ok: $(($(wc -l < "$out/cuda_kernels.csv") - 1)) cases"
  else
    step "CUDA kernel timings" "failed: $(tail -1 "$out/cuda_bench.log")"
  fi
else
  step "CUDA tests on the GPU" "skipped: the build failed"
fi

# The Java API on the GPU, through a runtime packed by bench/gpu/pack-java.sh (the GPU machine has no
# Java): the demo, every op forward and backward on a 16M tensor with its error against float64.
javadir=${ACTINIUM_GPU_JAVA:-$root/.gpu-java}
if [ -z "$gpu" ]; then
  step "Java API on the GPU (demo)" "skipped: no GPU"
elif [ -x "$javadir/jre/bin/java" ] && [ -f "$javadir/benchmarks.jar" ]; then
  failed=""
  for dtype in f32 bf16; do
    timeout 240 "$javadir/jre/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
      -cp "$javadir/benchmarks.jar" dev.actinium.bench.Demo --device cuda --dtype "$dtype" --size 16777216 \
      --repeat 3 > "$out/java_demo_cuda_$dtype.txt" 2>&1 || failed="$failed $dtype"
  done
  step "Java API on the GPU (demo)" "$([ -z "$failed" ] && echo ok || echo "FAILED:$failed"): java_demo_cuda_*.txt"
else
  step "Java API on the GPU (demo)" "skipped: no runtime in $javadir (bench/gpu/pack-java.sh makes one)"
fi

if [ -z "$gpu" ]; then
  step "PyTorch baselines" "skipped: no GPU"
elif python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  if timeout 420 python3 bench/gpu/torch_bench.py $quick > "$out/torch.csv" 2> "$out/torch.log"; then
    step "PyTorch baselines" "ok: torch $(python3 -c 'import torch; print(torch.__version__)')"
  else
    step "PyTorch baselines" "failed or cut at 7 minutes (rows so far are kept): $(tail -1 "$out/torch.log")"
  fi
else
  step "PyTorch baselines" "skipped: python3 cannot import torch with CUDA"
fi

python3 bench/gpu/report.py "$out" && echo "report: $out/REPORT.md"
cd "$root"
