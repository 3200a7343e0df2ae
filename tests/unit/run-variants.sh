#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Runs each unit-test binary given, sums Google Test's counts and prints
# "unit: N passed, N failed, N skipped, N disabled" (a skipped test says why in its output; a
# disabled one, DISABLED_*, is a known defect pinned by a test that fails, not run, and named).
# TSan binaries run with ASLR off (setarch -R): gcc 12's TSan cannot map its shadow memory with
# the high mmap randomisation of recent kernels. A libFuzzer binary (build/unit/fuzz/<name>) runs
# MXRT_FUZZ_RUNS inputs (default 200000) from a copy of its seeds and counts as one test: any
# crash, sanitizer report or broken check fails it (the input that did it is kept as
# build/unit/fuzz/crash-*).
set -uo pipefail
passed=0 failed=0 skipped=0 disabled=0 rc=0
fuzz() { # fuzz BIN: one bounded libFuzzer run
	local bin=$1 name src corpus
	name=${bin##*/}
	src=$(find tests/kernel -name "$name.cpp" | head -n1)
	corpus=$(dirname "$bin")/$name-corpus
	rm -rf "$corpus" && mkdir -p "$corpus"
	cp "$(dirname "$src")"/fuzz-seeds/* "$corpus"/ 2>/dev/null || true
	"$bin" -runs="${MXRT_FUZZ_RUNS:-200000}" -seed=1 -max_total_time=120 -print_final_stats=1 \
		-dict="${src%.cpp}.dict" -artifact_prefix="$(dirname "$bin")/" "$corpus" >"$corpus.log" 2>&1
}
for bin in "$@"; do
	echo "=== $bin"
	case "$bin" in */fuzz/*)
		if fuzz "$bin"; then
			passed=$((passed + 1)); echo "[  PASSED  ] $bin: $(grep -m1 '^Done' "$(dirname "$bin")/${bin##*/}-corpus.log")"
		else
			failed=$((failed + 1)) rc=1; tail -n 30 "$(dirname "$bin")/${bin##*/}-corpus.log"; echo "[  FAILED  ] $bin"
		fi
		continue ;;
	esac
	run=("$bin" --gtest_color=no)
	case "$bin" in */tsan/*) run=(setarch "$(uname -m)" -R "${run[@]}") ;; esac
	out=$("${run[@]}" 2>&1); st=$?
	echo "$out" | grep -vE '^\[ (RUN|      OK) ' 
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out")
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*listed below.*/\1/p' <<<"$out")
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' <<<"$out")
	# DISABLED_ tests: known defects pinned by a test that fails (each says which); not run,
	# never counted as passed, and named here
	d=$(sed -n 's/^  YOU HAVE \([0-9]*\) DISABLED TESTS*$/\1/p' <<<"$out")
	[ -z "$d" ] || echo "$bin: $d disabled: $("${run[@]}" --gtest_list_tests --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_*' 2>/dev/null |
		awk '/^[^ ]/ { s = $1 } /^  / { printf "%s%s%s", n++ ? " " : "", s, $1 }')"
	disabled=$((disabled + ${d:-0}))
	[ -n "$p$f" ] || f=1 # crashed before a summary: count the binary as one failure
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${k:-0}))
	[ $st -eq 0 ] || rc=1
done
echo "unit: $passed passed, $failed failed, $skipped skipped, $disabled disabled"
[ $rc -eq 0 ] && [ $failed -eq 0 ]
