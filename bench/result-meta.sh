# Sourced by bench/run-*.sh: where a result goes and the lines that say what produced it.
# result_path SUFFIX: bench/results/<date>-<time>-<cpu>-<n>cpu-SUFFIX
result_path() {
  local cpu
  cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1 | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/-$//')
  echo "bench/results/$(date -u +%F-%H%M)-${cpu}-$(nproc)cpu-$1"
}
# result_meta COMMAND: the command, date and machine lines of a report.
result_meta() {
  echo "- command: \`$1\`"
  echo "- date: $(date -u '+%F %H:%M UTC')"
  echo "- machine: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(uname -sr)"
}
