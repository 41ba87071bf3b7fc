#!/usr/bin/env bash
# Packs what the Java side needs on a GPU machine that has no Java: a runtime made with jlink from
# this machine's JDK 22+ and the benchmarks jar (the API, the bindings and the native libraries,
# the CUDA one included), into DIR (default .gpu-java, ignored by git). bench/gpu/run.sh finds it
# there and runs the demo on the GPU through the Java API. About 45 MB; carry DIR with the tree.
#
#   bench/gpu/pack-java.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-.gpu-java}
java=$(bench/find-jdk.sh 22)
jdk=$(dirname "$(dirname "$java")")
[ -f bench/target/benchmarks.jar ] || mvn -q -B -DskipTests install
rm -rf "$dir"
mkdir -p "$dir"
# What the demo and the API load (jdeps lists java.desktop too: the plotting of the JMH reports).
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.incubator.vector,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$dir/jre"
cp bench/target/benchmarks.jar "$dir/"
echo "packed: $dir ($(du -sh "$dir" | cut -f1)): $("$dir/jre/bin/java" -version 2>&1 | head -1)"
