#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. Shows the watchdog library at work.
set -u
M=${MXRT_MODDIR:?}
D=/sys/kernel/debug/mxrt_watchdog
SUITE=demo # each claim below is a check (test-env.sh): one that does not hold fails the demo
say() { printf '\n### %s\n' "$*"; }

say "kernel: $(uname -r) $(cat /sys/kernel/realtime 2>/dev/null | sed 's/1/(PREEMPT_RT)/')"
insmod "$M/mxrt_watchdog.ko" || exit 1
dmesg | grep 'mxrt_watchdog: ready' | sed 's/^\[[^]]*\] //'

say "a driver with a bad timeout is refused with a clear message, not a crash"
if insmod "$M/mxrt_watchdog_demo.ko" timeout_ms=0 2>&1; then taken=1; else taken=0; fi
check bad-timeout-refused-with-a-message '[ $taken = 0 ] && dmesg | grep -q "timeout 0 ms"'

say "example driver: a transfer every 20 ms guarded by a 100 ms watchdog; every 25th hangs for 350 ms"
insmod "$M/mxrt_watchdog_demo.ko" || exit 1
i=0
while [ $i -lt 3 ]; do
	sleep 1
	say "$D/watchdogs after $((i + 1)) s"
	cat $D/watchdogs
	i=$((i + 1))
done
rmmod mxrt_watchdog_demo
say "what the recovery function logged (it runs in the SCHED_FIFO mxrt_wd thread)"
dmesg | grep 'mxrt_watchdog_demo:' | sed 's/^\[[^]]*\] //' | tail -n 12

say "$D/stats: nothing armed now, so the timer stays idle"
cat $D/stats
rmmod mxrt_watchdog
check hung-transfers-recovered 'dmesg | grep -q "resetting the bus"'
exit $fail
