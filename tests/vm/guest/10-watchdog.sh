#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# The watchdog library in a real kernel: the in-kernel API tests (tests/kernel/watchdog/mxrt_watchdog_test.c),
# debugfs, load/unload cycles, and unloading a user module that still has an armed watchdog.
set -u
M=${MXRT_MODDIR:?}
fail=0
die() { echo "FAIL: $*"; fail=1; }
D=/sys/kernel/debug/mxrt_watchdog

insmod "$M/mxrt_watchdog.ko" || { echo "FAIL: cannot load mxrt_watchdog.ko"; exit 1; }
[ -r $D/watchdogs ] || die "debugfs $D/watchdogs missing"
grep -q '^registered: 0$' $D/stats || die "fresh library has watchdogs: $(cat $D/stats)"

# 1. the in-kernel API tests; loading fails if any failed
if insmod "$M/mxrt_watchdog_test.ko"; then
	rmmod mxrt_watchdog_test || die "rmmod mxrt_watchdog_test"
else
	die "in-kernel watchdog tests failed"
fi
dmesg | grep -E 'mxrt_watchdog_test: (ok|not ok|#|  )' | sed 's/^\[[^]]*\] //'
# each in-kernel test is reported to the harness as a result of its own
dmesg | sed -n 's/.*mxrt_watchdog_test: ok [0-9]* \([a-z_0-9-]*\)$/@@MXRT result PASS kernel:watchdog.\1/p
	s/.*mxrt_watchdog_test: not ok [0-9]* \([a-z_0-9-]*\)$/@@MXRT result FAIL kernel:watchdog.\1/p'
dmesg | grep -q 'mxrt_watchdog_test: # mxrt_watchdog_test: [0-9]* passed, 0 failed' ||
	die "in-kernel test summary missing or failures reported"
grep -q '^registered: 0$' $D/stats || die "tests left watchdogs registered: $(cat $D/stats)"

# 2. a user module unloaded with an armed watchdog: the library removes it, nothing fires later
insmod "$M/mxrt_watchdog_test.ko" leak=1 quick=1 || die "insmod leak=1"
grep -q 'leaked on purpose' $D/watchdogs || die "leaked watchdog not listed in debugfs"
cat $D/watchdogs
sleep 1 # let it expire and repeat a few times: recoveries run while the module is loaded
grep 'leaked on purpose' $D/watchdogs | grep -q expired || die "leaked watchdog did not expire"
rmmod mxrt_watchdog_test || die "rmmod with a registered watchdog"
dmesg | grep -q 'module mxrt_watchdog_test went away with 1 watchdog(s) registered; removed them' ||
	die "no clean-up message for the unloaded module"
# its exit() sleeps 300 ms with the 100 ms watchdog registered: the watchdog keeps working until
# the notifier removes it after exit() (docs/watchdog.md: what a driver's exit() relies on)
unloading=$(dmesg | sed -n 's/.*mxrt_watchdog_test: recoveries while unloading: //p' | tail -1)
echo "recoveries while the owner unloaded: ${unloading:-none}"
[ "${unloading:-0}" -ge 1 ] || die "the watchdog stopped working while its owner's exit() ran (${unloading:-no line})"
grep -q '^registered: 0$' $D/stats || die "leaked watchdog still registered: $(cat $D/stats)"
# with nothing registered there is no next deadline, whatever the timer still waits for
grep -q '^next_deadline_in_us: none$' $D/stats || die "a next deadline with nothing registered: $(cat $D/stats)"
r0=$(sed -n 's/^recoveries: //p' $D/stats)
sleep 1
r1=$(sed -n 's/^recoveries: //p' $D/stats)
[ "$r0" = "$r1" ] || die "recoveries ran after the owner was unloaded ($r0 -> $r1)"

# 3. nothing armed: no timer wake-ups beyond the one already programmed
f0=$(sed -n 's/^timer_fires: //p' $D/stats)
sleep 1
f1=$(sed -n 's/^timer_fires: //p' $D/stats)
[ $((f1 - f0)) -le 1 ] || die "timer fired $((f1 - f0)) times in 1 s with nothing armed"
cat $D/stats
rmmod mxrt_watchdog || die "rmmod mxrt_watchdog"

# 4. load/unload cycles, with the quick API tests in between
i=0
while [ $i -lt 5 ]; do
	insmod "$M/mxrt_watchdog.ko" && insmod "$M/mxrt_watchdog_test.ko" quick=1 &&
		rmmod mxrt_watchdog_test && rmmod mxrt_watchdog || { die "load/unload cycle $i"; break; }
	i=$((i + 1))
done
# 5. the example driver: bad parameters refused, and unloading it during a hung transfer is prompt
insmod "$M/mxrt_watchdog.ko" || die "insmod mxrt_watchdog for the demo"
if insmod "$M/mxrt_watchdog_demo.ko" stuck_ms=600000 2>/dev/null; then
	die "demo accepted stuck_ms=600000"; rmmod mxrt_watchdog_demo
fi
dmesg | grep -q 'stuck_ms=600000: period_ms must be 1..60000 and stuck_ms 0..60000' || die "no message for a bad stuck_ms"
for arg in timeout_ms=0x10 stuck_every=+1 period_ms=1e3; do # decimal only
	if insmod "$M/mxrt_watchdog_demo.ko" $arg 2>/dev/null; then
		die "demo accepted $arg"; rmmod mxrt_watchdog_demo
	fi
done
# ... and 010 is 10 (the kernel's uint took it as octal 8)
insmod "$M/mxrt_watchdog_demo.ko" period_ms=010 stuck_every=0 || die "insmod demo period_ms=010"
v=$(cat /sys/module/mxrt_watchdog_demo/parameters/period_ms)
rmmod mxrt_watchdog_demo
[ "$v" = 10 ] || die "demo took period_ms=010 as $v"
insmod "$M/mxrt_watchdog_demo.ko" stuck_every=1 stuck_ms=15000 || die "insmod demo stuck_ms=15000"
sleep 0.5 # the first transfer hangs for 15 s; the watchdog recovers meanwhile
t0=$(cut -d' ' -f1 /proc/uptime)
rmmod mxrt_watchdog_demo || die "rmmod demo"
t1=$(cut -d' ' -f1 /proc/uptime)
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "rmmod during a 15 s hung transfer took $took s"
awk -v t="$took" 'BEGIN { exit !(t < 2) }' || die "rmmod waited $took s for the hung transfer"
rmmod mxrt_watchdog || die "rmmod mxrt_watchdog after the demo"

[ $fail -eq 0 ] && echo "watchdog: all checks passed"
exit $fail
