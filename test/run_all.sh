#!/usr/bin/env bash
# Builds coordd and every test, runs them all, and ends with one line: "N passed, N failed, N skipped".
#
#  1. release: every test executable (Boost.Test; counted per test case from its XML report) and
#     every shell-level test (test/integration/*.sh, one case each), against the release coordd;
#  2. the same executables built with AddressSanitizer + UndefinedBehaviorSanitizer (variant
#     asan) and with ThreadSanitizer (variant tsan), against a coordd built the same way; a
#     sanitizer report from a test or from any coordd it started fails that executable.
#     ThreadSanitizer reports races between threads, so only the tests that run threads are
#     built and run under it (test/expected_tests.txt says which; the single-threaded ones run
#     under ASan and UBSan). The integration and fault harnesses run as their release build
#     against the sanitized coordd (the "harness" column of test/expected_tests.txt);
#  3. the libFuzzer targets (test/fuzz/run.sh), FUZZ_SECONDS each, one case per target.
#
# Time: the integration tests spend most of their time waiting on real processes (elections,
# TTLs, restarts), so the cores are mostly idle while they run. Two things use that idle time:
# the tests of a phase run in LANES parallel lanes (longest first; an executable marked
# "by-suite" in test/expected_tests.txt runs as one job per top-level suite, so that its
# suites spread over the lanes), and the sanitizer and fuzz
# builds run in the background in the kernel's idle scheduling class (chrt --idle), which gets
# only the CPU time the tests leave unused, so the tests do not slow down. Each test's output is
# printed whole when it ends.
#
# What must be there is listed in test/expected_tests.txt (with each test's time limit): a
# missing or unlisted test fails the run, and so does one that outlives its limit (it is killed
# with the processes it started, and named). A skipped test case fails the run unless
# test/expected_skips.txt allows it. Exit status is non-zero when anything failed.
#
# Knobs for local runs: SANITIZERS="asan tsan" (set it empty to skip step 2), FUZZ_SECONDS=6
# (0 skips step 3), JOBS (build parallelism, default: all cores), LANES (tests run at once,
# default 2).
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=${JOBS:-$(nproc)}
sanitizers=${SANITIZERS-asan tsan}
fuzz_seconds=${FUZZ_SECONDS:-6}
lanes=${LANES:-2}

# Top-level suites of "by-suite" executables to leave out under one variant ("variant:suite"),
# for a local run that wants only part of them; CI leaves nothing out.
LEAVE_OUT_SUITES=${LEAVE_OUT_SUITES-}
# Test executables to leave out of the sanitizer runs ("name" for both, "variant:name" for one),
# for a local run that wants only part of them; CI leaves nothing out.
SANITIZED_LEAVE_OUT=${SANITIZED_LEAVE_OUT-}
# Time limits under a sanitizer: the listed limit times this factor.
declare -A timeout_scale=([release]=1 [asan]=3 [tsan]=6)
# Seeds of the randomized Raft simulation (test/sim/, 1000 by default): fewer under a sanitizer,
# whose point there is memory and UB checking of the same code paths, not more schedules.
declare -A sim_seeds=([release]=1000 [asan]=200 [tsan]=100)
# Seeds of the simulation of real node cores (test/sim/node_sim_test.cpp, 200 by default; each
# seed runs members' real logs over in-memory disks, several times the cost of a raft seed): the
# release run drives 1000 (about a minute of one core, alongside the sanitizer build).
declare -A node_sim_seeds=([release]=1000 [asan]=40 [tsan]=20)

passed=0
failed=0
skipped=0
problems=()   # one line per failure, repeated at the end
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

fail() {  # fail COUNT MESSAGE
  failed=$((failed + $1))
  problems+=("$2")
  echo "   $2"
}

# ------------------------------------------------------------------ the expected tests
declare -A limit_of=() sanitized_in=() jobs_of=() harness_of=()
expected_binaries=()
expected_scripts=()
while read -r kind name limit sanitized how harness _; do
  case "$kind" in
    ''|'#'*) continue ;;
    binary) expected_binaries+=("$name") ;;
    script) expected_scripts+=("$name") ;;
    *) echo "test/expected_tests.txt: unknown kind '$kind'"; exit 2 ;;
  esac
  limit_of[$name]=$limit
  sanitized_in[$name]=",${sanitized:--},"
  jobs_of[$name]=${how:-whole}
  harness_of[$name]=${harness:-sanitized}
done <test/expected_tests.txt

# The expected binaries of a variant: all in release, those listed for it under a sanitizer.
binaries_of() {  # binaries_of VARIANT
  local name
  for name in "${expected_binaries[@]}"; do
    [ "$1" = release ] || [[ ${sanitized_in[$name]} == *",$1,"* ]] && echo "$name"
  done
}

# The executables a variant builds: under a sanitizer, those of binaries_of whose harness is
# "sanitized" (a "release" harness runs its release build against the sanitized coordd).
built_in() {  # built_in VARIANT
  local name
  for name in $(binaries_of "$1"); do
    [ "$1" = release ] || [ "${harness_of[$name]}" = sanitized ] && echo "$name"
  done
}

# The executable a variant runs for a test: its own build, or the release one (see built_in).
exe_of() {  # exe_of VARIANT NAME
  if [ "$1" = release ] || [ "${harness_of[$2]}" = release ]; then
    echo "bin/tests/$2"
  else
    echo "bin/san-$1/tests/$2"
  fi
}

allowed_skips=()   # "binary pattern"
while read -r binary pattern _; do
  case "$binary" in ''|'#'*) continue ;; esac
  allowed_skips+=("$binary $pattern")
done <test/expected_skips.txt

skip_allowed() {  # skip_allowed BINARY SUITE/CASE
  local entry
  for entry in "${allowed_skips[@]}"; do
    # shellcheck disable=SC2053  # the pattern is a glob on purpose
    [ "${entry%% *}" = "$1" ] && [[ "$2" == ${entry#* } ]] && return 0
  done
  return 1
}

# "result suite/.../case" for every test case in a Boost.Test XML report (master suite left out).
case_results() {
  grep -o '<TestSuite name="[^"]*"\|</TestSuite>\|<TestCase name="[^"]*" result="[^"]*"' "$1" 2>/dev/null |
    awk -F'"' '/^<TestSuite/ { stack[++depth] = $2; next }
               /^<\/TestSuite/ { --depth; next }
               { path = ""; for (i = 2; i <= depth; ++i) path = path stack[i] "/"; print $4, path $2 }'
}

# ------------------------------------------------------------------ running one test
# run_binary VARIANT EXE COORDD SUITE [BOOST ARGS...]: the whole executable when SUITE is empty,
# else only that top-level suite.
run_binary() {
  local variant=$1 exe=$2 coordd=$3 suite=$4
  shift 4
  local name label limit start rc p f s sanlogs out first
  name=$(basename "$exe")
  label=$name
  [ -z "$suite" ] || { label="$name/$suite"; set -- --run_test="$suite" "$@"; }
  [ "$variant" = release ] || label="$variant:$label"
  limit=$(( ${limit_of[$name]:-300} * ${timeout_scale[$variant]} ))
  echo "== $label"
  sanlogs=$reports/san-${label//[:\/]/-}
  out=$reports/${label//[:\/]/-}.out
  mkdir -p "$sanlogs"
  start=$(date +%s)
  # timeout signals the test's whole process group, so the coordd and etcd processes it started
  # go with it.
  COORDD=$coordd COORD_SIM_SEEDS=${sim_seeds[$variant]} COORD_NODE_SIM_SEEDS=${node_sim_seeds[$variant]} \
  ASAN_OPTIONS="log_path=$sanlogs/asan:detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0" \
  UBSAN_OPTIONS="log_path=$sanlogs/ubsan:print_stacktrace=1:halt_on_error=1" \
  TSAN_OPTIONS="log_path=$sanlogs/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$top/test/sanitizers/tsan.supp" \
    timeout -k 20 "$limit" "$exe" --report_format=XML --report_level=detailed \
      --report_sink="$reports/${label//\//-}.xml" --log_level=error "$@" >"$out" 2>&1
  rc=$?
  cat "$out"
  p=0 f=0 s=0
  while read -r result path; do
    case "$result" in
      passed) p=$((p + 1)) ;;
      failed|aborted)
        f=$((f + 1))
        # The case's first failed check (Boost.Test's 'FILE(LINE): error: in "PATH": ...') goes
        # to the failures list with it: CI's excerpt may show that list and nothing above it.
        first=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -m1 -F "error: in \"$path\"" | cut -c1-400)
        problems+=("$label: $result: $path${first:+ -- $first}") ;;
      skipped)
        s=$((s + 1))
        skip_allowed "$name" "$path" || fail 1 "$label: unexpected skip of $path (not in test/expected_skips.txt)" ;;
    esac
  done < <(case_results "$reports/${label//\//-}.xml")
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail 1 "$label: TIMEOUT, killed after $limit s"
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    fail 1 "$label: exited with status $rc before reporting a failure"   # crashed
  fi
  if [ -n "$(ls -A "$sanlogs")" ]; then
    fail 1 "$label: sanitizer report(s) in $(ls "$sanlogs" | tr '\n' ' ')"
    for log in "$sanlogs"/*; do
      head -n 60 "$log"
      # The summary and the first frame in the project's sources also go to the failures list
      # at the end, which is the part of the output a reader (or CI's excerpt) sees first.
      problems+=("$label: $(grep -m1 '^SUMMARY' "$log") at $(grep -m1 -oE ' (server|client|recipes|test)/[^ ]+:[0-9]+' "$log" | tr -d ' ')")
    done
  fi
  echo "   $label: $p passed, $f failed, $s skipped ($(( $(date +%s) - start )) s)"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
}

run_script() {  # run_script NAME
  local name=$1 limit=${limit_of[$1]:-300} rc start
  echo "== $name"
  start=$(date +%s)
  COORDD="$top/stage/bin/coordd" timeout -k 20 "$limit" bash "test/integration/$name.sh"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "   $name: passed ($(( $(date +%s) - start )) s)"; passed=$((passed + 1))
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail 1 "$name: TIMEOUT, killed after $limit s"
  else
    fail 1 "$name: FAILED"
  fi
}

# The expected binaries in DIR, in list order; a missing or unlisted one is a failure.
check_binaries() {  # check_binaries DIR VARIANT
  local dir=$1 variant=$2 prefix="" name exe expected
  [ "$variant" = release ] || prefix="$variant:"
  expected=" $(built_in "$variant" | tr '\n' ' ') "
  for name in $expected; do
    [ -x "$dir/$name" ] || fail 1 "${prefix}$name: MISSING (listed in test/expected_tests.txt, not built)"
  done
  for exe in "$dir"/*; do
    [ -x "$exe" ] || continue
    [[ $expected == *" $(basename "$exe") "* ]] ||
      fail 1 "${prefix}$(basename "$exe"): UNLISTED test executable for $variant (see test/expected_tests.txt)"
  done
}

# start_test VARIANT EXE COORDD: one job for the executable, or one per top-level suite when it
# is marked "by-suite" (a suite named in LEAVE_OUT_SUITES as "VARIANT:suite" is left out).
start_test() {
  local variant=$1 exe=$2 coordd=$3 name suites suite
  name=$(basename "$exe")
  if [ "${jobs_of[$name]}" != by-suite ]; then
    start_job run_binary "$variant" "$exe" "$coordd" ""
    return
  fi
  # --list_content prints the tree on stderr; top-level suites are the unindented lines.
  suites=$("$exe" --list_content 2>&1 | sed -n 's/^\([A-Za-z0-9_]*\)\*$/\1/p')
  if [ -z "$suites" ]; then
    fail 1 "${variant}:$name: --list_content named no suite"
    return
  fi
  for suite in $suites; do
    case " $LEAVE_OUT_SUITES " in
      *" $variant:$suite "*) echo "== $variant:$name/$suite: left out (LEAVE_OUT_SUITES)"; continue ;;
    esac
    start_job run_binary "$variant" "$exe" "$coordd" "$suite"
  done
}

# ------------------------------------------------------------------ lanes
# start_job COMMAND...: runs one test (run_binary or run_script) in the background, with its
# output and its counts kept in $reports/jobs/ID.*; once LANES jobs run, first waits for one to
# end. finish_one_job prints an ended job's output whole and adds its counts and problems.
mkdir -p "$reports/jobs"
lane_pids=()
declare -A job_of_pid=()
job_seq=0

start_job() {
  while [ ${#lane_pids[@]} -ge "$lanes" ]; do finish_one_job; done
  job_seq=$((job_seq + 1))
  local id=$job_seq
  (
    passed=0 failed=0 skipped=0 problems=()
    "$@"
    echo "$passed $failed $skipped" >"$reports/jobs/$id.counts"
    [ ${#problems[@]} -eq 0 ] || printf '%s\n' "${problems[@]}" >"$reports/jobs/$id.problems"
  ) >"$reports/jobs/$id.out" 2>&1 &
  lane_pids+=("$!")
  job_of_pid[$!]=$id
}

finish_one_job() {
  local pid="" id p f s line rest=()
  wait -n -p pid "${lane_pids[@]}"
  [ -n "$pid" ] || pid=${lane_pids[0]}   # not reported: it had already been waited for
  id=${job_of_pid[$pid]}
  for p in "${lane_pids[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
  lane_pids=("${rest[@]}")
  cat "$reports/jobs/$id.out"
  if read -r p f s <"$reports/jobs/$id.counts" 2>/dev/null; then
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if [ -f "$reports/jobs/$id.problems" ]; then
      while IFS= read -r line; do problems+=("$line"); done <"$reports/jobs/$id.problems"
    fi
  else
    fail 1 "$(head -n1 "$reports/jobs/$id.out"): the test runner lost this test's counts"
  fi
}

finish_all_jobs() {
  while [ ${#lane_pids[@]} -gt 0 ]; do finish_one_job; done
}

# The expected binaries (or scripts) of a phase, longest time limit first: the long integration
# suites start at once and the short unit tests fill the other lane around them.
by_limit() {  # by_limit NAME... -> the names, sorted by their limit, largest first
  local name
  for name in "$@"; do echo "${limit_of[$name]} $name"; done | sort -s -k1,1nr | cut -d' ' -f2
}

# ------------------------------------------------------------------ background builds
# The sanitizer variants, then the fuzz targets, built one after another behind the tests, in
# the idle scheduling class (nice 19 where that class is not available). Each writes
# $reports/built-NAME ("STATUS SECONDS") when done; wait_built waits for that file.
idle=(chrt --idle 0)
"${idle[@]}" true 2>/dev/null || idle=(nice -n 19)

background_builds() {
  local variant start rc
  for variant in $sanitizers; do
    start=$(date +%s)
    rm -rf "bin/san-$variant"
    "${idle[@]}" b2 -j"$jobs" variant="$variant" "test//sanitized-$variant" >"bin-build-$variant.log" 2>&1
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" >"$reports/built-$variant"
  done
  if [ "$fuzz_seconds" -gt 0 ]; then
    start=$(date +%s)
    JOBS=$jobs "${idle[@]}" bash test/fuzz/run.sh --build-only >"$reports/fuzz-build.out" 2>&1
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" >"$reports/built-fuzz"
  fi
}

wait_built() {  # wait_built NAME: 0 when NAME built, 1 when its build failed or the builder died
  local rc secs
  while [ ! -f "$reports/built-$1" ]; do
    kill -0 "$builder_pid" 2>/dev/null || [ -f "$reports/built-$1" ] || return 1
    sleep 2
  done
  read -r rc secs <"$reports/built-$1"
  echo "-- $1 build: $secs s (in the background)"
  [ "$rc" -eq 0 ]
}

# ------------------------------------------------------------------ 1. release
rm -rf bin/tests  # only the tests this build defines run below
build_start=$(date +%s)
if ! b2 -j"$jobs" variant=release stage tests >bin-build.log 2>&1; then
  tail -n 80 bin-build.log
  echo "build failed (full log: bin-build.log)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
echo "-- release build: $(( $(date +%s) - build_start )) s"
background_builds &
builder_pid=$!
trap 'kill "$builder_pid" 2>/dev/null; rm -rf "$reports"' EXIT

phase_start=$(date +%s)
check_binaries bin/tests release
for name in "${expected_scripts[@]}"; do
  [ -f "test/integration/$name.sh" ] ||
    fail 1 "$name: MISSING (test/integration/$name.sh listed in test/expected_tests.txt)"
done
for script in test/integration/*.sh; do
  [ -n "${limit_of[$(basename "$script" .sh)]:-}" ] ||
    fail 1 "$(basename "$script" .sh): UNLISTED test script (add it to test/expected_tests.txt)"
done
for name in $(by_limit "${expected_binaries[@]}" "${expected_scripts[@]}"); do
  if [ -x "bin/tests/$name" ]; then
    start_test release "bin/tests/$name" "$top/stage/bin/coordd"
  elif [ -f "test/integration/$name.sh" ]; then
    start_job run_script "$name"
  fi
done
finish_all_jobs
echo "-- release tests: $(( $(date +%s) - phase_start )) s"

# ------------------------------------------------------------------ 2. sanitizers
for variant in $sanitizers; do
  dir=bin/san-$variant
  echo "== build $variant"
  if ! wait_built "$variant"; then
    tail -n 40 "bin-build-$variant.log"
    fail 1 "$variant: build failed (full log: bin-build-$variant.log)"
    continue
  fi
  phase_start=$(date +%s)
  check_binaries "$dir/tests" "$variant"
  for name in $(by_limit $(binaries_of "$variant")); do
    exe=$(exe_of "$variant" "$name")
    [ -x "$exe" ] || continue
    case " $SANITIZED_LEAVE_OUT " in
      *" $name "*|*" $variant:$name "*) echo "== $variant:$name: left out (SANITIZED_LEAVE_OUT)"; continue ;;
    esac
    start_test "$variant" "$exe" "$top/$dir/coordd"
  done
  finish_all_jobs
  echo "-- $variant tests: $(( $(date +%s) - phase_start )) s"
done

# ------------------------------------------------------------------ 3. fuzzers
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz ($fuzz_seconds s per target)"
  if ! wait_built fuzz; then
    cat "$reports/fuzz-build.out" 2>/dev/null | tail -n 40
    fail 1 "fuzz: building the targets failed"
  else
    phase_start=$(date +%s)
    JOBS=$lanes bash test/fuzz/run.sh --no-build "$fuzz_seconds" >"$reports/fuzz.out" 2>&1
    rc=$?
    fuzz_failures=0
    while IFS= read -r line; do
      case "$line" in
        "fuzz "*": ok,"*) echo "   $line"; passed=$((passed + 1)) ;;
        "fuzz "*) fail 1 "$line"; fuzz_failures=$((fuzz_failures + 1)) ;;
        *) echo "   $line" ;;
      esac
    done <"$reports/fuzz.out"
    [ "$rc" -eq 0 ] || [ "$fuzz_failures" -gt 0 ] || fail 1 "fuzz: test/fuzz/run.sh failed (status $rc)"
    echo "-- fuzz: $(( $(date +%s) - phase_start )) s"
  fi
fi
wait "$builder_pid" 2>/dev/null

if [ ${#problems[@]} -gt 0 ]; then
  echo "== failures"
  printf '   %s\n' "${problems[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
