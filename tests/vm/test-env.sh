# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Runs in: the VM guest; tests/vm/init sources it into the shell of every guest test script, before
# the script itself (sh -c '. test-env.sh && . "$0"' TEST), so $0 is still the script's path.
#
# busybox 1.35's insmod retries a failed finit_module() with init_module(): a module whose init
# fails would run its init twice, and an init that fails only sometimes could pass the second time.
# The Debian busybox runs its own applet before anything on PATH, so a shell function is the one way
# to make "insmod" mean a single attempt (mxrt-insmod, tests/vm/insmod.c). busybox's modprobe still
# retries: load modules whose init may fail with insmod.
if command -v mxrt-insmod >/dev/null 2>&1; then
	insmod() { mxrt-insmod "$@"; }
fi

# skip REASON: the whole test does not apply to this guest; exits 77 with REASON on its SKIP line
skip() {
	echo "skip: $*"
	echo "$*" >/tmp/.mxrt-skip
	exit 77
}
# load_driver [PARAM=VALUE...]: mxrt_max30102.ko after the module it needs, mxrt_watchdog.ko (loaded
# unless it is), each with one insmod attempt. unload_driver: the driver, then the library if
# nothing else uses it. (modprobe does the same from modules.dep; 20-max30102.sh checks that.)
load_driver() {
	grep -q '^mxrt_watchdog ' /proc/modules || insmod "${MXRT_MODDIR:?}/mxrt_watchdog.ko" || return 1
	insmod "$MXRT_MODDIR/mxrt_max30102.ko" "$@"
}
unload_driver() {
	rmmod mxrt_max30102 || return 1
	rmmod mxrt_watchdog 2>/dev/null || true
}
# wait_device [DEV]: waits up to 5 s for the driver's character device (default /dev/max30102-0;
# its probe is deferred until its supplies are there); fails if it does not come
wait_device() {
	_wd=0
	while [ ! -c "${1:-/dev/max30102-0}" ] && [ $_wd -lt 50 ]; do sleep 0.1; _wd=$((_wd + 1)); done
	[ -c "${1:-/dev/max30102-0}" ]
}
# mxrtd_json DEV KEY: a top-level scalar of the daemon's segment of DEV (mxrt-top --json DEV)
mxrtd_json() { mxrt-top --json "$1" 2>/dev/null | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" | tr -d '"'; }
# mxrtd_start LOG COMMAND...: mxrtd (or a wrapper that execs it) in the background (DPID, its
# stderr in LOG) until the segment of every device in MXRTD_DEVICES (default max30102-0) says
# running (10 s at most); fails, with the log, if it does not come up
mxrtd_start() {
	_log=$1
	shift
	"$@" 2>"$_log" &
	DPID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		_up=1
		for _d in ${MXRTD_DEVICES:-max30102-0}; do
			[ "$(mxrtd_json "$_d" running)" = true ] || _up=0
		done
		[ $_up = 1 ] && return 0
		kill -0 $DPID 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "mxrtd did not come up:"
	cat "$_log"
	return 1
}
# mxrtd_stop [SIGNAL]: stops it (default TERM), RC its exit status
mxrtd_stop() {
	kill -"${1:-TERM}" $DPID 2>/dev/null
	wait $DPID
	RC=$?
}
# sim_counter NAME [DIR]: the value of NAME=... in the simulator's state file (DIR: $SIM, the
# simulator's debugfs directory of the adapter)
sim_counter() { tr ' ' '\n' <"${2:-${SIM:?}}/state" | sed -n "s/^$1=//p" | head -1; }
# stat_of NAME: the first word of the driver's counter NAME in its debugfs stats (DBG: the
# device's debugfs directory, max30102-0's unless the script sets it)
stat_of() { sed -n "s/^$1: //p" "${DBG:-/sys/kernel/debug/mxrt_max30102/max30102-0}/stats" | cut -d' ' -f1; }

# Results of a guest test that reports each check (tests/vm/init counts them). Set SUITE first:
#   ok NAME [DETAIL] | bad NAME [DETAIL] (sets fail=1) | skipped NAME REASON (counted apart)
#   check NAME 'CONDITION'     ok if the shell condition (one string, any && || !) holds
#   check NAME COMMAND ARGS... ok if the command succeeds
# The condition must be ONE argument: in  check x [ a ] && [ b ]  the shell gives check only
# "[ a ]" and runs "[ b ]" after it, so the check can never see b. tests/vm/run.sh refuses any
# guest script with a && or || outside the quotes of a check line before it boots anything.
fail=0
ok() { echo "@@MXRT result PASS ${SUITE:?}:$1${2:+ ($2)}"; }
skipped() { echo "@@MXRT result SKIP ${SUITE:?}:$1 ($2)"; } # skipped NAME REASON: never a pass
bad() { echo "@@MXRT result FAIL ${SUITE:?}:$1${2:+ ($2)}"; fail=1; }
check() {
	name=$1
	shift
	if [ $# -eq 1 ]; then
		if eval "$1"; then ok "$name"; else bad "$name" "$1"; fi
	elif "$@"; then ok "$name"; else bad "$name"; fi
}

# stood_still STALL HEADROOM_US [SERVICE_US]: whether the emulated machine stood still long enough to
# overflow a FIFO that holds HEADROOM_US, by the figures STALL of mxrt-stall-meter
# (tests/vm/stall_meter.cpp) run meanwhile: one stall that long, or stalls of one CPU adding up to
# that within the meter's window. Two allowances, each a measured figure rather than a tolerance:
# the meter's threads wake once a millisecond, so a stall began up to 1 ms before the first late
# wake-up the meter counts from; and the driver itself needs SERVICE_US (0 if not given) from its
# interrupt to its first FIFO pop when nothing stands still, so a stall that much shorter than the
# headroom already overflows. The tests that see samples lost at the chip call it a skip only
# then, and only when every loss was flagged; a loss without such a stall fails.
stood_still() {
	_s=$(echo "$1" | sed -n 's/.*stall_max_us=\([0-9]*\).*/\1/p')
	_w=$(echo "$1" | sed -n 's/.*stall_window_us=\([0-9]*\).*/\1/p')
	_need=$(($2 - 1000 - ${3:-0}))
	[ "${_s:-0}" -ge "$_need" ] || [ "${_w:-0}" -ge "$_need" ]
}

# debug_kernel: the guest runs the debug kernel flavour (scripts/build-debug-kernel.sh: lockdep,
# KASAN, kmemleak, ...), several times slower than a production kernel under the same emulation.
# timing_check NAME 'CONDITION': a check of real-time figures (samples kept up with, deadlines
# met). On a production kernel it is a check like any other; on the debug kernel a failure is a
# SKIP that says so, since its speed says nothing about the code's (a pass is still a pass).
# timing_miss NAME DETAIL: such a figure found not met (what timing_check does on a failure).
debug_kernel() { [ -e /sys/kernel/debug/kmemleak ]; }
timing_miss() {
	if debug_kernel; then
		skipped "$1" "not met on the debug kernel, several times slower under KASAN and lockdep; real-time figures are judged on the production kernels: $2"
	else
		bad "$1" "$2"
	fi
}
timing_check() {
	if eval "$2"; then ok "$1"; else timing_miss "$1" "$2"; fi
}
