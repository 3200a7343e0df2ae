#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest. The guest is the kernel the harness meant to boot: its release, PREEMPT_RT
# on the x86_64 RT flavour, debugfs mounted, and our modules present.
set -u
fail=0
want=$(cat /opt/mxrt/expected-release)
flavour=$(cat /opt/mxrt/flavour)
[ "$(uname -r)" = "$want" ] || { echo "FAIL: running $(uname -r), expected $want"; fail=1; }
case "$flavour" in
*-rt-*)
	[ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] || { echo "FAIL: not a PREEMPT_RT kernel"; fail=1; }
	uname -v | grep -q PREEMPT_RT || { echo "FAIL: uname -v lacks PREEMPT_RT: $(uname -v)"; fail=1; } ;;
esac
grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || { echo "FAIL: debugfs not mounted"; fail=1; }
[ -f "$MXRT_MODDIR/mxrt_watchdog.ko" ] || { echo "FAIL: mxrt_watchdog.ko not in $MXRT_MODDIR"; fail=1; }
echo "kernel $(uname -r) $(uname -v), $(grep -c ^processor /proc/cpuinfo) CPUs"
exit $fail
