#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# mxrtd serving two devices: the simulator's chips=2 (two chips, each on its own adapter and INT
# line) bound by the driver as max30102-0 and max30102-1. One daemon makes each device's outputs,
# a reload that changes one device's rate leaves the other streaming, the same devices in another
# order are no changed list (a review saw a false "takes a restart" warning), the FUTEX_WAIT
# fallback still serves the second device, and one device going away stops the daemon with
# nothing left behind (docs/daemon.md, "Reloading" and "Exit statuses").
set -u
M=${MXRT_MODDIR:?}
SUITE=mxrtd-two # ok, bad, check: tests/vm/test-env.sh

# the parameter's range: refused with a message, nothing loaded
insmod "$M/mxrt_max30102_sim.ko" chips=5 2>/dev/null
rc=$?
check sim-chips-range-refused '[ $rc != 0 ] && ! grep -q "^mxrt_max30102_sim " /proc/modules && dmesg | grep -q "chips=5: 1..4 chips"'

# A device tree's simulator nodes say how many chips there are (the arm64 guest has one): chips=N
# is for a system without one, so there the two-device checks are one skip that says so
if find /sys/firmware/devicetree/base -name compatible 2>/dev/null | xargs grep -l "mxrt,max30102-sim" 2>/dev/null | grep -q .; then
	skipped two-devices "this guest's device tree has one simulator node, and chips=N is for a system without one"
	exit $fail
fi
insmod "$M/mxrt_max30102_sim.ko" chips=2 || { echo "FAIL: cannot load the simulator with chips=2"; exit 1; }
load_driver || { echo "FAIL: cannot load the driver"; exit 1; }
D0=/dev/max30102-0 D1=/dev/max30102-1
wait_device $D0 && wait_device $D1 || { echo "FAIL: $D0 or $D1 missing"; ls /dev; exit 1; }
S0=/sys/class/misc/max30102-0/device S1=/sys/class/misc/max30102-1/device
# each device's simulator directory, from its client's bus number (i2c-B/B-0057)
sim_of() { c=$(basename "$(readlink -f "$1")"); echo "/sys/kernel/debug/mxrt_max30102_sim/i2c-${c%%-*}"; }
SIM0=$(sim_of $S0) SIM1=$(sim_of $S1)
echo "max30102-0 on $SIM0, max30102-1 on $SIM1; irqs: $(grep -c max30102 /proc/interrupts)"
check two-chips-two-adapters '[ -d "$SIM0" ] && [ -d "$SIM1" ] && [ "$SIM0" != "$SIM1" ] && [ "$(grep -c max30102 /proc/interrupts)" = 2 ]'
for s in "$SIM0" "$SIM1"; do echo "temp=36.5 finger=1 hr=72 spo2=97" >"$s/control"; done

MXRTD_DEVICES="max30102-0 max30102-1" # mxrtd_start waits for both (tests/vm/test-env.sh)
jd() { mxrtd_json "$@"; }
# wakeups DEV: how many wake-ups the daemon's consumer measured for DEV
wakeups() { mxrt-top --json "$1" 2>/dev/null | sed -n 's/.*"wakeup_latency":{"count":\([0-9]*\).*/\1/p'; }
nothing_left() { [ -z "$(ls /dev/shm)" ] && [ -z "$(ls /dev/mqueue)" ] && [ -z "$(ls /run/mxrtd/*.fifo 2>/dev/null)" ]; }
lines() { grep -cE "$2" "$1"; }
# hup LOG PATTERN: SIGHUP, then up to 5 s for one more line matching PATTERN
hup() {
	_n=$(lines "$1" "$2")
	kill -HUP $DPID
	_i=0
	while [ "$(lines "$1" "$2")" -le "$_n" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ "$(lines "$1" "$2")" -gt "$_n" ]
}

device() { printf '[[device]]\npath = "%s"\nsample_rate = %s\npulse_width = 411\n' "$1" "$2"; }
sched='[acquisition]
policy = "fifo"
priority = 60'
{ device $D0 100; device $D1 200; echo "$sched"; } >/tmp/two.toml
cat /tmp/two.toml

if mxrtd_start /tmp/two.log mxrtd -c /tmp/two.toml; then
	cat /tmp/two.log
	check two-devices-outputs '[ -e /dev/shm/mxrtd-max30102-0 ] && [ -e /dev/shm/mxrtd-max30102-1 ] && [ -e /dev/mqueue/mxrtd-max30102-0 ] && [ -e /dev/mqueue/mxrtd-max30102-1 ] && [ -p /run/mxrtd/max30102-0.fifo ] && [ -p /run/mxrtd/max30102-1.fifo ] && [ "$(cat $S0/sample_rate)" = 100 ] && [ "$(cat $S1/sample_rate)" = 200 ]'
	# one device's rate changed by a reload: only it is reconfigured ("applied to" names it), the
	# other streams on, nothing lost
	rec0=$(jd max30102-0 records)
	{ device $D0 100; device $D1 400; echo "$sched"; } >/tmp/two.toml
	hup /tmp/two.log "reloaded the configuration"
	sleep 1
	tail -n 2 /tmp/two.log
	check reload-one-device-only '[ "$(cat $S1/sample_rate)" = 400 ] && [ "$(jd max30102-1 configured_rate_hz)" = 400 ] && grep -q "applied to max30102-1$" /tmp/two.log && [ "$(cat $S0/sample_rate)" = 100 ] && [ "$(jd max30102-0 lost)" = 0 ] && [ "$(jd max30102-0 records)" -gt "$rec0" ]'
	# the same two devices in the other order: reloaded, with no "takes a restart"
	{ device $D1 400; device $D0 100; echo "$sched"; } >/tmp/two.toml
	hup /tmp/two.log "reloaded the configuration"
	tail -n 2 /tmp/two.log
	check reordered-devices-no-restart-warning '! grep -q "the list of devices changed" /tmp/two.log'
	# one device fewer is a changed list: said, and both keep streaming until a restart
	{ device $D0 100; echo "$sched"; } >/tmp/two.toml
	hup /tmp/two.log "the list of devices changed"
	rec1=$(jd max30102-1 records)
	sleep 0.5
	check dropped-device-said-and-kept '[ "$(jd max30102-1 records)" -gt "$rec1" ]'
	mxrtd_stop TERM
	check two-devices-stopped-nothing-left '[ "$RC" = 0 ] && nothing_left'
else
	bad two-devices-outputs "did not start"
fi

# FUTEX_WAIT (no futex_waitv, a kernel before 5.16) sleeps on the first device's events: the
# second's are still taken (within 10 ms), none lost
{ device $D0 100; device $D1 200; echo "$sched"; } >/tmp/two.toml
if mxrtd_start /tmp/futex.log mxrt-restrict --enosys futex_waitv -- mxrtd -c /tmp/two.toml; then
	w1=$(wakeups max30102-1)
	sleep 2
	cat /tmp/futex.log
	echo "max30102-1: wake-ups $w1 -> $(wakeups max30102-1), records $(jd max30102-1 records), consumer lost $(jd max30102-1 consumer_lost)"
	check futex-fallback-serves-second-device 'grep -q "FUTEX_WAIT sleeps on max30102-0.s events only: the other 1 device(s). are seen within 10 ms" /tmp/futex.log && [ "$(wakeups max30102-1)" -gt "${w1:-0}" ] && [ "$(jd max30102-1 consumer_lost)" = 0 ] && [ "$(jd max30102-0 consumer_lost)" = 0 ]'
	mxrtd_stop TERM
else
	bad futex-fallback-serves-second-device "did not start"
fi

# one of the two going away (its driver unbound) stops the daemon (exit 1) and every device's
# outputs with it (documented: a daemon per device keeps them apart)
{ device $D0 100; device $D1 200; echo "$sched"; } >/tmp/two.toml
CLIENT1=$(basename "$(readlink -f $S1)")
if mxrtd_start /tmp/gone.log mxrtd -c /tmp/two.toml; then
	echo "$CLIENT1" >/sys/bus/i2c/drivers/mxrt_max30102/unbind
	i=0
	while kill -0 $DPID 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	mxrtd_stop KILL
	cat /tmp/gone.log
	check one-device-gone-stops-all '[ $i -lt 50 ] && [ "$RC" = 1 ] && grep -q "max30102-1: the device went away (ENODEV): stopping" /tmp/gone.log && nothing_left'
	echo "$CLIENT1" >/sys/bus/i2c/drivers/mxrt_max30102/bind
	wait_device $D1
else
	bad one-device-gone-stops-all "did not start"
fi
check finally-nothing-left nothing_left
unload_driver
rmmod mxrt_max30102_sim
check sim-two-chips-unloaded '! grep -q "^mxrt_max30102_sim " /proc/modules && [ ! -e /sys/kernel/debug/mxrt_max30102_sim ]'
exit $fail
