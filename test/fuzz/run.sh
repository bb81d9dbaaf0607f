#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz/*_fuzz.cpp) with clang++ and runs each for a bounded
# time, starting from its seed corpus (test/fuzz/corpus/<target>/). Needs clang-14 and
# libfuzzer-14-dev (`.ci/setup --test` installs them).
#
#   bash test/fuzz/run.sh [--build-only | --no-build] [SECONDS-PER-TARGET] [TARGET...]
#                                                  (defaults: build and run, 25 s, every target)
#
# The targets run JOBS at a time (default: all cores); each target's line is printed when it ends.
#
# The server sources the targets need are compiled once, with AddressSanitizer,
# UndefinedBehaviorSanitizer (fatal) and fuzzer coverage, into bin/fuzz/libcoord_fuzz.a; each
# target links what it uses from it. New inputs go to bin/fuzz/corpus/<target>/ (the checked-in
# seeds are never written to); a crash leaves bin/fuzz/crash-<target>-* and fails the run.
# Prints one line per target with libFuzzer's exec count, and exits non-zero if any target
# crashed or did not build.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=true run=true
case "${1:-}" in
  --build-only) run=false; shift ;;
  --no-build) build=false; shift ;;
esac
seconds=${1:-25}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in test/fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

cxx=${CLANGXX:-clang++-14}
out=bin/fuzz
mkdir -p "$out/obj"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -I. -Iclient/include -pthread
       -fsanitize=address,undefined -fno-sanitize-recover=undefined)
# The pure server modules plus the parsing files of http and transport (no sockets, no threads),
# and the URL type they read URLs with (client/, with the Boost.URL it compiles once).
sources=(server/common/*.cpp server/raft/*.cpp server/wal/*.cpp server/snap/*.cpp server/auth/*.cpp
         server/store/*.cpp server/apply/*.cpp
         server/http/url.cpp server/http/keys_params.cpp server/http/auth_json.cpp server/http/json_writer.cpp
         server/http/member_request.cpp server/transport/peer_wire.cpp
         client/src/endpoint_url.cpp client/src/boost_url.cpp)

# An object is rebuilt when it is missing or older than its source or any server or client header.
stale() { [ ! -f "$2" ] || [ -n "$(find "$1" server client -newer "$2" -name '*.?pp' -print -quit)" ]; }
# Compiles the server sources once into bin/fuzz/libcoord_fuzz.a, then links every target.
build_targets() {
  local objects=() running=0 build_failed=0 src obj t failed=0
  for src in "${sources[@]}"; do
    obj=$out/obj/${src//\//_}.o
    objects+=("$obj")
    stale "$src" "$obj" || continue
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    running=$((running + 1))
    if [ "$running" -ge "${JOBS:-$(nproc)}" ]; then wait -n || build_failed=1; running=$((running - 1)); fi
  done
  while [ "$running" -gt 0 ]; do wait -n || build_failed=1; running=$((running - 1)); done
  if [ "$build_failed" -ne 0 ]; then echo "fuzz: building the server sources failed"; return 1; fi
  rm -f "$out/libcoord_fuzz.a"
  ar rcs "$out/libcoord_fuzz.a" "${objects[@]}"
  for t in "${targets[@]}"; do
    "$cxx" "${flags[@]}" -fsanitize=fuzzer "test/fuzz/$t.cpp" "$out/libcoord_fuzz.a" \
        -lboost_json -lcrypt -lcrypto -o "$out/$t" || { echo "fuzz $t: BUILD FAILED"; failed=$((failed + 1)); }
  done
  [ "$failed" -eq 0 ]
}

run_target() {  # run_target TARGET: prints one line, fails when the target crashed
  local t=$1 corpus=$out/corpus/$1 seeds=test/fuzz/corpus/$1 log=$out/$1.log rc execs
  [ -x "$out/$t" ] || { echo "fuzz $t: not built"; return 1; }
  [ -d "$seeds" ] || { echo "fuzz $t: no seed corpus in $seeds"; return 1; }
  mkdir -p "$corpus"
  "$out/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$out/crash-$t-" -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
  if [ "$rc" -ne 0 ]; then
    echo "fuzz $t: CRASHED after ${execs:-?} runs (log: $log)"
    grep -E 'ERROR|FUZZ_CHECK|runtime error|Test unit written' "$log" | head -n 5
    return 1
  fi
  echo "fuzz $t: ok, ${execs:-?} runs in ${seconds} s, corpus $(ls "$corpus" | wc -l) new inputs"
}

if $build; then build_targets || exit 1; fi
$run || exit 0
failed=0
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "${JOBS:-$(nproc)}" ]; then wait -n || failed=$((failed + 1)); running=$((running - 1)); fi
  # Each target's output is collected and printed whole, so parallel targets do not interleave.
  ( run_target "$t" >"$out/$t.line" 2>&1; rc=$?; cat "$out/$t.line"; exit $rc ) &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do wait -n || failed=$((failed + 1)); running=$((running - 1)); done
[ "$failed" -eq 0 ]
