#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh; on the debug kernel flavour
# (scripts/build-debug-kernel.sh: lockdep, KASAN, UBSAN, kmemleak, KFENCE), skipped on a kernel
# without kmemleak. What only such a kernel can check, then kmemleak's verdict on all four:
#   1. load/unload cycles of every module, each used in between: the driver and the simulator
#      (the device read), the watchdog library with its in-kernel tests, the latency tracer
#      tracking a workload, the ring and watchdog benchmark modules, the mainline IIO driver;
#   2. failing allocations at each step of probe (failslab through /proc/self/fail-nth);
#   3. a failing I2C transfer at each step of probe (the simulator's fault_after=K nak=1);
#   4. unbind with readers blocked in read() and in poll(), and ring resizes under readers.
# Any lockdep, KASAN, UBSAN or KFENCE report on the way fails the run (tests/vm/run.sh judges the
# kernel log); a leak fails here, with kmemleak's report. That report names the allocation's
# backtrace, process and age, which says which part leaked, so the scans come once after parts 1-4:
# a scan takes 12..16 s on this guest and two are needed (below), about 100 s of CI's budget saved.
set -u
M=${MXRT_MODDIR:?}
SUITE=debug # ok, bad, check: tests/vm/test-env.sh
KML=/sys/kernel/debug/kmemleak
debug_kernel || skip "this kernel has no kmemleak: the debug flavour (x86_64-rt-6.12-debug) runs these checks"
DRV=/sys/bus/i2c/drivers/mxrt_max30102
DEV=/dev/max30102-0

# leak_check NAME: kmemleak reports no unreferenced object. Two scans: an object that is new or
# changed since the scan before is not reported yet (its checksum), and objects younger than 5 s
# are not reported at all, which the 12 s of a scan see to. The debugfs file's size is always 0:
# what it holds is known only by reading it.
leak_check() {
	echo scan >$KML
	echo scan >$KML
	if grep -q unreferenced $KML; then
		bad "$1" "kmemleak: $(grep -c unreferenced $KML) unreferenced objects"
		head -n 60 $KML
	else
		ok "$1"
	fi
	echo clear >$KML
}
sim_dir() { ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1; }
client() { basename "$(readlink -f /sys/class/misc/max30102-0/device)"; }

# No "clear" first: it greys only objects a scan has reported, and a scan (12..16 s) is not run
# before the end, so the verdict covers all since boot, the earlier suites too (22-* and 27-* in
# CI's default checks mode: the ioctl fuzz), each leak named by its backtrace and age.

# 1. load/unload cycles, the device used in between
cycles_ok=1
for i in 1 2 3; do
	insmod "$M/mxrt_max30102_sim.ko" || cycles_ok=0
	load_driver || cycles_ok=0
	mxrt-max30102-read -n 200 $DEV >/dev/null || cycles_ok=0
	cat /sys/class/hwmon/hwmon*/temp1_input >/dev/null 2>&1
	mxrt-max30102-ctl -d $DEV info >/dev/null
	unload_driver || cycles_ok=0
	rmmod mxrt_max30102_sim || cycles_ok=0
	# the watchdog library: its in-kernel tests (insmod fails if one fails), then its benchmark
	insmod "$M/mxrt_watchdog.ko" || cycles_ok=0
	insmod "$M/mxrt_watchdog_test.ko" quick=1 && rmmod mxrt_watchdog_test || cycles_ok=0
	insmod "$M/mxrt_watchdog_bench.ko" batches=3 pairs=100 delay_rounds=1 && rmmod mxrt_watchdog_bench || cycles_ok=0
	rmmod mxrt_watchdog || cycles_ok=0
	# the ring's benchmark: a producer and four SRCU readers on a ring of its own
	insmod "$M/mxrt_ring_bench.ko" batches=3 rounds=16 && rmmod mxrt_ring_bench || cycles_ok=0
	# the latency tracer tracking every thread of a workload (a SCHED_FIFO victim, a hog, an
	# io_uring SQPOLL thread made after the tracking began)
	insmod "$M/mxrt_lat.ko" || cycles_ok=0
	mxrt-lat run -- mxrt-lat-workload -c 4 -k 2 -p 50 -H 5 -o 2 -C 1 >/dev/null 2>&1 || cycles_ok=0
	rmmod mxrt_lat || cycles_ok=0
	# the mainline IIO driver on the same simulator (tests/vm/guest/25-mainline-iio.sh)
	if [ -f "$M/max30102.ko" ]; then
		insmod "$M/mxrt_max30102_sim.ko" && insmod "$M/max30102.ko" || cycles_ok=0
		# its temperature and a few scans of its buffer (the count is 25-mainline-iio's to judge)
		for d in /sys/bus/iio/devices/iio:device*; do
			[ "$(cat "$d/name" 2>/dev/null)" = max30102 ] || continue
			cat "$d/in_temp_raw" >/dev/null
			echo 1 >"$d/scan_elements/in_intensity_red_en"
			echo 1 >"$d/scan_elements/in_intensity_ir_en"
			echo 1 >"$d/buffer/enable"
			timeout 3 dd if="/dev/${d##*/}" of=/dev/null bs=8 count=40 2>/dev/null
			echo 0 >"$d/buffer/enable"
		done
		rmmod max30102 && rmmod mxrt_max30102_sim || cycles_ok=0
	fi
done
check load-unload-cycles '[ $cycles_ok = 1 ]'
check mainline-iio-module-cycled '[ -f "$M/max30102.ko" ]'

# 2. failing allocations at each step of probe. fail-nth makes the Nth fault-injection point of
# this task fail; probe runs in the task that writes "bind", here the shell itself (echo is a
# builtin) through a descriptor opened beforehand, so that the first injection points are the
# sysfs write's buffer and then probe's own allocations. GFP_KERNEL allocations are exempt unless
# ignore-gfp-wait is off; verbose=0 keeps the injections' stacks off the console.
insmod "$M/mxrt_max30102_sim.ko"
load_driver
CLIENT=$(client)
echo "$CLIENT" >$DRV/unbind
FS=/sys/kernel/debug/failslab
echo N >$FS/ignore-gfp-wait
echo 0 >$FS/verbose
enomem0=$(dmesg | grep -c 'mxrt_max30102 .*failed with error -12')
exec 4>$DRV/bind
# until probe bound 10 times in a row: n is then past its last allocation
n=1 streak=0
while [ $n -le 400 ] && [ $streak -lt 10 ]; do
	echo $n >/proc/self/fail-nth
	if echo "$CLIENT" >&4 2>/dev/null; then
		streak=$((streak + 1))
	else
		streak=0
	fi
	# disarm (opening the file may itself be where the failure lands: it is spent either way)
	{ echo 0 >/proc/self/fail-nth; } 2>/dev/null
	if [ $streak -ge 1 ] && [ $streak -lt 10 ]; then echo "$CLIENT" >$DRV/unbind; fi
	n=$((n + 1))
done
exec 4>&-
echo Y >$FS/ignore-gfp-wait
refused=$(($(dmesg | grep -c 'mxrt_max30102 .*failed with error -12') - enomem0))
echo "failslab: $((n - 1)) runs, probe refused with ENOMEM $refused times, then bound 10 times in a row"
check failslab-probe-covered '[ $streak = 10 ] && [ $refused -ge 1 ]'
check failslab-then-works 'mxrt-max30102-read -n 100 $DEV >/dev/null'
echo "$CLIENT" >$DRV/unbind

# 3. a failing I2C transfer at each step of probe
SIM=$(sim_dir)
k=0 failed=0 last=
while [ $k -le 200 ]; do
	echo "fault_after=$k nak=1" >$SIM/control
	if echo "$CLIENT" >$DRV/bind 2>/dev/null; then
		bound=1
	else
		bound=0 failed=$((failed + 1))
	fi
	armed=$(sim_counter nak "$(sim_dir)")
	echo "nak=0 fault_after=0" >$SIM/control
	[ $bound = 1 ] && echo "$CLIENT" >$DRV/unbind
	if [ "$armed" = 1 ]; then last=$k; break; fi # probe made fewer than k+1 transfers
	k=$((k + 1))
done
echo "I2C: probe makes $last transfers; a NAK at one of them made it fail $failed times"
check nak-probe-covered '[ -n "$last" ] && [ $failed -ge 1 ]'
echo "$CLIENT" >$DRV/bind
check nak-then-works 'mxrt-max30102-read -n 100 $DEV >/dev/null'

# 4. unbind under readers blocked in read() and poll(), ring resizes under readers
SYS=/sys/bus/i2c/devices/$CLIENT
echo 50 >$SYS/sample_rate
pids=
i=0
for mode in "" -N ""; do # blocking read(), O_NONBLOCK + poll(), blocking read()
	i=$((i + 1))
	mxrt-max30102-read $mode -n 1000000 $DEV >/tmp/ub$i 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2016 # expanded by that shell
sh -c 'exec 3<'$DEV' && while :; do sleep 1; done' &
holder=$!
for size in 64 4096 128 2048 256; do
	echo $size >$SYS/ring_size || bad ring-resize-under-readers "size $size refused"
	sleep 0.3
done
echo "$CLIENT" >$DRV/unbind
gone=1
for p in $pids; do wait $p; [ $? -ne 0 ] || gone=0; done
# each reader went on across the resizes (no violation, no overrun: the new rings continue the
# old ones) until the unbind ended it, its summary printed: ENODEV from read(), or for the poll
# reader, whichever it was in, POLLERR|POLLHUP (0x18) from poll()
readers_kept() {
	for f in /tmp/ub1 /tmp/ub2 /tmp/ub3; do
		tail -n 3 "$f"
		grep -qE 'read: No such device|poll: no data \(revents 0x18\)' "$f" &&
			grep -q ' reader_overruns=0 .*violations=0' "$f" || return 1
	done
}
check ring-resize-under-readers readers_kept
check unbind-ends-blocked-readers '[ $gone = 1 ]'
kill $holder
wait $holder 2>/dev/null
echo "$CLIENT" >$DRV/bind
check rebind-after-blocked-readers 'mxrt-max30102-read -n 100 $DEV >/dev/null'
unload_driver
rmmod mxrt_max30102_sim
leak_check no-leak-after-cycles-failed-probes-and-unbinds

# 5. the documented lock order (kernel/max30102/driver_glue.c, "Locking") against what lockdep
# recorded while the modules were loaded and each path ran (lockdep forgets a module's classes
# when it is unloaded): our lock classes are known to it by name, the device lock was seen taken
# before the I2C adapter's bus lock and the chip model's lock after it, and no edge goes against
# the order or joins locks documented as never held together. /proc/lockdep lists each class and
# the classes taken while it was held.
insmod "$M/mxrt_max30102_sim.ko"
load_driver
sleep 2.5 # runtime-suspended: the next open resumes it (pm_lock, then the device lock)
mxrt-max30102-read -n 200 $DEV >/dev/null
mxrt-max30102-ctl -d $DEV stats >/dev/null
mxrt-max30102-ctl -d $DEV temp >/dev/null
edges() {
	awk '/^[0-9a-f]+ .*: / { n = split($0, f, ": "); cur = f[n]; next }
	     /^ -> \[/ { n = $0; sub(/^ -> \[[0-9a-f]+\] */, "", n); print cur " -> " n }' /proc/lockdep
}
edges >/tmp/lockdep.edges
grep mxrt /tmp/lockdep.edges | sort -u
classes_known() {
	for c in mxrt_max30102:dev_lock mxrt_max30102:file_lock mxrt_max30102:pm_lock mxrt_max30102_sim:chip_lock; do
		grep -q ": $c\$" /proc/lockdep || { echo "lockdep does not know $c"; return 1; }
	done
}
# lockdep turns itself off after its first report (or any other taint that makes it unreliable)
check lockdep-still-on 'grep -qE "debug_locks: +1" /proc/lockdep_stats'
check lockdep-knows-our-classes classes_known
# The adapter's bus lock: an rt_mutex on PREEMPT_RT, whose class rt_mutex_init() names after the
# function that initialises it (i2c_register_adapter); "bus_lock" where a kernel names it so.
BUS='(i2c_register_adapter|&adap->bus_lock|bus_lock)'
check lockdep-dev-lock-before-bus-lock 'grep -qE "^mxrt_max30102:dev_lock -> $BUS\$" /tmp/lockdep.edges'
check lockdep-bus-lock-before-chip-lock 'grep -qE "^$BUS -> mxrt_max30102_sim:chip_lock\$" /tmp/lockdep.edges'
against_order() {
	grep -E "^mxrt_max30102:dev_lock -> mxrt_max30102:(pm_lock|file_lock)|^mxrt_max30102:file_lock -> mxrt_max30102:(dev_lock|pm_lock)|^mxrt_max30102_sim:chip_lock -> mxrt" /tmp/lockdep.edges
}
check lockdep-no-edge-against-the-order '! against_order'
unload_driver
rmmod mxrt_max30102_sim

exit $fail
