# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Runs on: the build host; sourced by the tests/user/<tool>/*.sh checks (not a check itself: run-all.sh
# runs tests/user/*/*.sh). Needs $bin (the tool under test) and $suite (the name results are reported under).
pass=0 fail=0
res() { echo "$1: $suite:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi; }
# expect NAME RC PATTERN ARGS...: exit status RC and PATTERN in the output
expect() {
	local name=$1 rc=$2 pat=$3 out got
	shift 3
	out=$("$bin" "$@" 2>&1)
	got=$?
	if [ "$got" = "$rc" ] && grep -qE -- "$pat" <<<"$out"; then res PASS "$name"
	else res FAIL "$name" "exit $got, wanted $rc and /$pat/: $(head -c 300 <<<"$out")"; fi
}
# check NAME CMD...: CMD (one command) succeeds
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then res PASS "$name"; else res FAIL "$name" "$*"; fi
}
# full-stdout NAME ARGS...: with stdout on /dev/full (every write fails with ENOSPC) the tool says so
# on stderr and exits 1, instead of exiting 0 with its output lost
full-stdout() {
	local name=$1 err got
	shift
	err=$("$bin" "$@" 2>&1 >/dev/full)
	got=$?
	if [ "$got" = 1 ] && grep -q 'standard output: No space left on device' <<<"$err"; then res PASS "$name"
	else res FAIL "$name" "exit $got, wanted 1 and a write error: $(head -c 300 <<<"$err")"; fi
}
