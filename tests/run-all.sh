#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (Debian 12). The README's test command and what CI runs (.ci/run).
#
# 1. setup (idempotent: packages + Debian kernels in the cache)
# 2. warning-free module builds for 6.12 PREEMPT_RT x86_64, 6.12 arm64, 6.1 PREEMPT_RT x86_64, 6.1
#    arm64 (Debian 12's own kernels) and 6.12 PREEMPT_RT arm64 (the Raspberry Pi's)
#    (compiler, modpost, objtool and the C++ object checks), and of the mainline IIO MAX30102
#    driver for the two 6.12 x86_64/arm64 kernels the VMs boot (tests/vm/build-mainline-iio.sh)
#    and negative builds proving the C++ rules are enforced (tests/build/cxx-rules.sh)
#    and setup.sh's cache kept sound (tests/build/setup-cache.sh)
#    and the install paths: make install staged, the too-old-kernel message, DKMS builds in a
#    throw-away tree (tests/build/dkms.sh) and the Debian packages (tests/build/deb.sh)
# 3. user-space unit tests: ASan+UBSan, TSan, clang -Wthread-safety, and a bounded libFuzzer run
# 4. the same unit tests, cross-built static, plus the in-kernel tests, in QEMU guests running
#    Debian's 6.12 PREEMPT_RT x86_64 kernel, 6.12 arm64 kernel (cortex-a72), Debian 12's own
#    6.1 PREEMPT_RT x86_64 kernel (and 6.1 arm64 with MXRT_ALL_VMS=1; CI's time budget), and
#    the debug kernel built from Debian's 6.12 source (scripts/build-debug-kernel.sh: lockdep,
#    KASAN, UBSAN, kmemleak): by default the checks only it can make, the simulator's and the
#    ioctl fuzz (60-, 22-, 27-*); the whole suite with MXRT_DEBUG_KERNEL=full (about 20 minutes
#    more); nothing with MXRT_DEBUG_KERNEL=0. When it is not cached, the debug kernel is built in
#    the background from the end of the setup on, at the host's idle priority (SCHED_IDLE), and
#    waited for after the VM suites on the Debian kernels
# Ends with one line "total: N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
# a relative MXRT_CACHE is relative to where the run was started, for every script below
if [ -n "${MXRT_CACHE:-}" ]; then MXRT_CACHE=$(realpath -ms -- "$MXRT_CACHE"); export MXRT_CACHE; fi
cd "$(dirname "$0")/.." || exit 1
JOBS=${JOBS:-$(nproc)}
passed=0 failed=0 skipped=0
failures=()
logdir=build/logs
mkdir -p "$logdir"

step() { printf '\n=== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
record() { # record NAME STATUS
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "PASS: $1"
	else failed=$((failed + 1)); failures+=("$1"); echo "FAIL: $1"; fi
}
# add the "N passed, N failed[, N skipped]" counts of a sub-run's summary line
add_counts() { # add_counts NAME LOGFILE STATUS PATTERN
	local line p f s
	line=$(grep -E "$4" "$2" | tail -n1)
	if [ -z "$line" ]; then record "$1 (no summary line)" 1; return; fi
	p=$(sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p' <<<"$line")
	f=$(sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p' <<<"$line")
	s=$(sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p' <<<"$line")
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
	echo "$1: $line"
	if [ "${f:-0}" -gt 0 ] || [ "$3" -ne 0 ]; then
		failures+=("$1")
		[ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
		digest "$1" "$2"
	fi
}
# The failing checks of a sub-run, kept for the end of the output: CI may keep only its tail, and
# a suite's name alone does not say what to look at. FAIL: lines with the two lines after them (a
# reason), Google Test's failure sites and FAILED lines; at most 40 lines a suite.
digests=()
digest() { # digest NAME LOGFILE
	local lines
	lines=$(grep -E -A2 '^FAIL: |: Failure$|^\[  FAILED  \] [^0-9]' "$2" | grep -v '^--$' | head -n 40)
	if [ -n "$lines" ]; then digests+=("--- $1:"$'\n'"$lines"); fi
}

step "setup"
scripts/setup.sh
record setup $?

# The debug kernel (docs/testing.md, "The debug kernel"): built here from Debian's
# linux-source-6.12 (cached; the build's time is printed), then our modules for it and the mainline
# IIO driver, like the others, and VM tests on it. CI's budget holds the checks only it can make,
# the simulator's and the ioctl fuzz (MXRT_DEBUG_KERNEL=checks, the default: 3.5 to 8.6 minutes); the
# whole suite takes about 20 (MXRT_DEBUG_KERNEL=full); MXRT_DEBUG_KERNEL=0 leaves it out.
debug_mode=${MXRT_DEBUG_KERNEL:-checks}
case "$debug_mode" in
0|checks|full) ;;
1) debug_mode=full ;;
*) echo "MXRT_DEBUG_KERNEL: 0, checks or full, not '$debug_mode'" >&2; exit 2 ;;
esac
debug_filter='*'
[ "$debug_mode" = checks ] && debug_filter='22-*,27-*,60-*'
# A cold build takes 6..16 minutes of both CPUs: it runs in the background under SCHED_IDLE beside
# the steps below and is waited for after the Debian kernels' VM suites. It is not free: the
# foreground compiles slow down while it runs (a cold run measured 63 min against 73 with it in
# line, docs/testing.md). Cached, it is done in a second.
debug_kernel_pid=
if [ "$debug_mode" != 0 ]; then
	echo "debug kernel x86_64-rt-6.12-debug: building in the background at idle priority (log: $logdir/debug-kernel.log)"
	idle=()
	command -v chrt >/dev/null && idle=(chrt --idle 0)
	# its own process group, so that an interrupted run stops the whole build
	setsid -w "${idle[@]}" scripts/build-debug-kernel.sh x86_64-rt-6.12-debug >"$logdir/debug-kernel.log" 2>&1 &
	debug_kernel_pid=$!
	trap '[ -z "$debug_kernel_pid" ] || kill -- -"$debug_kernel_pid" 2>/dev/null' EXIT
fi

build_modules() { # build_modules FLAVOUR
	step "build $1"
	log=$logdir/build-$1.log
	make --no-print-directory -j"$JOBS" modules FLAVOUR="$1" \
		KDIR="${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}/kernels/$1/kdir" >"$log" 2>&1
	st=$?
	# zero warnings: compiler, modpost ("WARNING: modpost"), objtool ("warning: objtool")
	if grep -inE 'warning|error' "$log" | grep -v 'Skipping BTF generation' >"$log.warnings"; then
		cat "$log.warnings"; st=1
	fi
	[ $st -eq 0 ] || tail -n 30 "$log"
	record "build $1 (warning-free)" $st
}
for flavour in x86_64-rt-6.12 arm64-6.12 x86_64-rt-6.1 arm64-6.1 arm64-rt-6.12; do
	build_modules "$flavour"
done

# CI's budget (a warm run under 30 minutes on 2 cores) holds three VM suites by default: Debian
# 12's 6.1 arm64 kernel is built for (above, and by DKMS) but booted only with MXRT_ALL_VMS=1
vm_flavours="x86_64-rt-6.12 arm64-6.12 x86_64-rt-6.1"
[ "${MXRT_ALL_VMS:-0}" = 1 ] && vm_flavours="$vm_flavours arm64-6.1"

step "mainline IIO max30102 driver from Debian's linux-source (for the conformance VM test)"
log=$logdir/mainline-iio.log
tests/vm/build-mainline-iio.sh x86_64-rt-6.12 arm64-6.12 >"$log" 2>&1
st=$?
cat "$log"
record "build mainline IIO max30102 (warning-free)" $st

for flavour in x86_64-rt-6.12 arm64-6.12 x86_64-rt-6.1; do
	step "C++ kernel rules are enforced ($flavour)"
	log=$logdir/cxx-rules-$flavour.log
	tests/build/cxx-rules.sh "$flavour" >"$log" 2>&1
	st=$?
	grep -E '^(PASS|FAIL|SKIP)' "$log"
	add_counts "cxx-rules $flavour" "$log" $st '^cxx-rules\([^)]*\): [0-9]+ passed'
done

step "every file a comment, script or document names exists"
log=$logdir/paths.log
tests/build/paths.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "paths" "$log" $st '^paths: [0-9]+ passed'

step "setup.sh's cache: a second run at once waits, a download cut short is fetched again, odd paths"
log=$logdir/setup-cache.log
tests/build/setup-cache.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "setup-cache" "$log" $st '^setup-cache: [0-9]+ passed'

step "make install, staged: what a Raspberry Pi user gets (arm64)"
log=$logdir/install.log
tests/build/install.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "install" "$log" $st '^install: [0-9]+ passed'

step "kernel versions: a too-old kernel is told which modules it cannot get"
log=$logdir/kver.log
tests/build/kver.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "kver" "$log" $st '^kver: [0-9]+ passed'

step "DKMS: dkms build/autoinstall against Debian's headers (6.1 RT and 6.12 RT x86_64, 6.1 and 6.12 RT arm64)"
log=$logdir/dkms.log
tests/build/dkms.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "dkms" "$log" $st '^dkms: [0-9]+ passed'

step "Debian packages: dpkg-buildpackage, files, apt, a throw-away root, maintainer scripts"
log=$logdir/deb.log
tests/build/deb.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "deb" "$log" $st '^deb: [0-9]+ passed'

step "device tree: overlays compile warning-free and apply, binding validates"
log=$logdir/dts.log
scripts/check-dts.sh build/dts >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL|SKIP)' "$log"
add_counts "dts" "$log" $st '^dts: [0-9]+ passed'

step "unit tests (ASan+UBSan, TSan, clang thread-safety)"
log=$logdir/unit.log
make --no-print-directory -j"$JOBS" -f tests/unit/unit.mk run 2>&1 | tee "$log" | grep -E '^(unit|\[  (FAILED|PASSED) )|Sanitizer|error:|Error [0-9]' 
add_counts "unit tests" "$log" "${PIPESTATUS[0]}" '^unit: [0-9]+ passed'

step "user tools: command lines and judgements (tests/user/)"
for tool in tests/user/*/*.sh; do
	log=$logdir/tools-$(basename "$(dirname "$tool")").log
	"$tool" >"$log" 2>&1
	st=$?
	grep -E '^(PASS|FAIL|SKIP)' "$log"
	add_counts "tools $(basename "$(dirname "$tool")")" "$log" $st '^tools: [0-9]+ passed'
done

step "VM harness self-checks (check lines, crash classification)"
log=$logdir/harness.log
tests/vm/selftest.sh >"$log" 2>&1
st=$?
grep -E '^(PASS|FAIL)' "$log"
add_counts "harness" "$log" $st '^harness: [0-9]+ passed'

step "guest binaries (static x86_64 and aarch64)"
make --no-print-directory -j"$JOBS" -f tests/unit/unit.mk guest >"$logdir/guest.log" 2>&1
st=$?; [ $st -eq 0 ] || tail -n 30 "$logdir/guest.log"
record "guest binaries" $st

vm_suite() { # vm_suite FLAVOUR FILTER
	step "VM tests on $1$([ "$2" != '*' ] && echo " (only $2: MXRT_DEBUG_KERNEL=full for all)")"
	log=$logdir/vm-$1.log
	tests/vm/run.sh --filter "$2" "$1" 2>&1 | tee "$log"
	add_counts "vm $1" "$log" "${PIPESTATUS[0]}" '^vm\([^)]*\): [0-9]+ passed'
}
for flavour in $vm_flavours; do
	vm_suite "$flavour" '*'
done

if [ -n "$debug_kernel_pid" ]; then
	step "debug kernel x86_64-rt-6.12-debug: lockdep, KASAN, UBSAN, kmemleak, KFENCE (scripts/build-debug-kernel.sh, in the background since the setup)"
	wait "$debug_kernel_pid"
	debug_kernel=$?
	debug_kernel_pid=
	cat "$logdir/debug-kernel.log"
	record "debug kernel x86_64-rt-6.12-debug" $debug_kernel
	if [ $debug_kernel -eq 0 ]; then
		build_modules x86_64-rt-6.12-debug
		log=$logdir/cxx-rules-x86_64-rt-6.12-debug.log
		tests/build/cxx-rules.sh x86_64-rt-6.12-debug >"$log" 2>&1
		st=$?
		grep -E '^(PASS|FAIL|SKIP)' "$log"
		add_counts "cxx-rules x86_64-rt-6.12-debug" "$log" $st '^cxx-rules\([^)]*\): [0-9]+ passed'
		log=$logdir/mainline-iio-debug.log
		tests/vm/build-mainline-iio.sh x86_64-rt-6.12-debug >"$log" 2>&1
		st=$?
		cat "$log"
		record "build mainline IIO max30102 for x86_64-rt-6.12-debug (warning-free)" $st
		vm_suite x86_64-rt-6.12-debug "$debug_filter"
	fi
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
	for d in "${digests[@]}"; do
		printf '%s\n' "$d"
	done
	echo "failed: ${failures[*]}"
fi
echo "time: $((SECONDS / 60))m$((SECONDS % 60))s"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
