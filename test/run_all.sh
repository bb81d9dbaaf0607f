#!/usr/bin/env bash
# Builds coordd and every test, runs them all, and ends with one line: "N passed, N failed".
# Each test executable reports per test case (Boost.Test XML report); shell-level tests
# (test/integration/*.sh) count as one case each. Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=${JOBS:-$(nproc)}

rm -rf bin/tests  # only the tests this build defines run below
if ! b2 -j"$jobs" variant=release stage tests >bin-build.log 2>&1; then
  tail -n 80 bin-build.log
  echo "build failed (full log: bin-build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
skipped=0
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

for exe in bin/tests/*; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  echo "== $name"
  start=$(date +%s)
  COORDD="$top/stage/bin/coordd" "$exe" --report_format=XML --report_level=detailed \
      --report_sink="$reports/$name.xml" --log_level=error
  rc=$?
  p=$(grep -o '<TestCase [^>]*result="passed"' "$reports/$name.xml" 2>/dev/null | wc -l)
  f=$(grep -o '<TestCase [^>]*result="\(failed\|aborted\)"' "$reports/$name.xml" 2>/dev/null | wc -l)
  s=$(grep -o '<TestCase [^>]*result="skipped"' "$reports/$name.xml" 2>/dev/null | wc -l)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed before reporting
  echo "   $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - start )) s)"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
done

for script in test/integration/*.sh; do
  [ -f "$script" ] || continue
  name=$(basename "$script" .sh)
  echo "== $name"
  if COORDD="$top/stage/bin/coordd" bash "$script"; then
    echo "   $name: passed"; passed=$((passed + 1))
  else
    echo "   $name: FAILED"; failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
