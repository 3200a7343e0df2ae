#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Runs each unit-test binary given, sums Google Test's counts and prints
# "unit: N passed, N failed, N skipped" (a skipped test says why in its output). TSan binaries run with ASLR off (setarch -R): gcc 12's TSan cannot map
# its shadow memory with the high mmap randomisation of recent kernels.
set -uo pipefail
passed=0 failed=0 skipped=0 rc=0
for bin in "$@"; do
	echo "=== $bin"
	run=("$bin" --gtest_color=no)
	case "$bin" in */tsan/*) run=(setarch "$(uname -m)" -R "${run[@]}") ;; esac
	out=$("${run[@]}" 2>&1); st=$?
	echo "$out" | grep -vE '^\[ (RUN|      OK) ' 
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out")
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*listed below.*/\1/p' <<<"$out")
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' <<<"$out")
	[ -n "$p$f" ] || f=1 # crashed before a summary: count the binary as one failure
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${k:-0}))
	[ $st -eq 0 ] || rc=1
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ $rc -eq 0 ] && [ $failed -eq 0 ]
