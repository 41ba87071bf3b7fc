#!/usr/bin/env bash
# The dense baselines of the sparse family (DenseBaselines): y = W x for W 11008 x 4096 at batch 1, 8
# and 32, OpenBLAS (F32) and PyTorch (F32, BF16), 1 and 2 threads, in interleaved rounds with a copy of
# W's bytes. Uses the baselines' jars (Maven profile `baselines`). Writes
# bench/results/<date>-<time>-<cpu>-<n>cpu-dense.md. About a minute.
#   bench/run-dense.sh [--rounds 11]
set -euo pipefail
cd "$(dirname "$0")/.."
java=$(bench/find-jdk.sh 22)
export OMP_WAIT_POLICY=PASSIVE  # as in bench/run-baselines.sh: idle OpenMP workers sleep
mvn -q -B -Pbaselines -DskipTests install
cp="bench/baselines/target/classes:$(cat bench/baselines/target/classpath.txt)"
. bench/result-meta.sh
out=$(result_path dense.md)
mkdir -p bench/results
{
  echo "# Dense GEMV and small-batch GEMM baselines (for the sparse family)"
  echo
  result_meta "bench/run-dense.sh $*"
  echo "- OpenBLAS 0.3.31 (bytedeco 1.5.13), PyTorch 2.10.0 (bytedeco 1.5.13, libtorch CPU)"
  echo
  echo "W is row-major (each output neuron's row contiguous), 11008 x 4096; y = W x through cblas_sgemv at"
  echo "batch 1 and cblas_sgemm above, and PyTorch's mm_out on from_blob views. At small batch the floor is"
  echo "reading W once: 'weight GB/s' is W's bytes over the median time, against the copy of W in the same"
  echo "rounds. One JVM per thread count; OPENBLAS_NUM_THREADS and PyTorch's pool set to it."
  for t in 1 2; do
    echo
    OPENBLAS_NUM_THREADS=$t "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
      -cp "$cp" dev.actinium.bench.DenseBaselines --threads "$t" "$@" 2>/dev/null
  done
} > "$out"
echo "$out"
