#!/usr/bin/env bash
# Prints the path of a `java` from a JDK >= 22: $JAVA_HOME first, then the newest under
# /usr/lib/jvm (or $JDK_SEARCH_DIRS). Exits 1 naming what it looked for when there is none.
set -uo pipefail
want=${1:-22}
version_of() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
best="" best_v=0
for java in ${JAVA_HOME:+$JAVA_HOME/bin/java} ${JDK_SEARCH_DIRS:-/usr/lib/jvm}/*/bin/java; do
  [ -x "$java" ] || continue
  v=$(version_of "$java"); v=${v%%.*}
  [ -n "$v" ] && [ "$v" -ge "$want" ] && [ "$v" -gt "$best_v" ] && best=$java best_v=$v
done
if [ -z "$best" ]; then
  echo "no JDK >= $want found in \$JAVA_HOME or ${JDK_SEARCH_DIRS:-/usr/lib/jvm}/*; install one (e.g. Temurin 25)" >&2
  exit 1
fi
echo "$best"
