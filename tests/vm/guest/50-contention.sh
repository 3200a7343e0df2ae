#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# mxrt-contention (bpf/contention.bpf.c + user/contention/) on the guest's kernel: contention made
# on purpose, attributed by name, and I2C counts equal to the simulator's and the driver's own.
#   - without CAP_BPF/CAP_SYS_ADMIN/CAP_PERFMON (mxrt-restrict) the load is refused with a message
#   - attached once for the whole test (every attach switches tracepoints on; few switches per
#     boot keep clear of the x86_64 TCG text-patching crash, docs/testing.md)
#   - with acquisition at 1000 Hz: configuration writes through sysfs and through the ioctl
#     (mxrt-max30102-ctl set), a second client of the simulator's bus (busybox i2cget through
#     i2c-dev), and the device lock held 30 ms at a time (test_hold "sleep"): waits on the device
#     lock (max30102-0.lock, named from the driver's debugfs "locks") and on the adapter's bus lock
#     (i2c-N.bus_lock), both rt_mutexes, each with the waiting tasks
#   - two waits of known length (a sysfs write while test_hold holds the device lock 600 ms, asleep
#     and busy): the device lock's max wait about that long, none as long on its inner wait_lock
#   - then 3 NAKs and 2 timeouts injected with only the driver on the bus: errors ENXIO=3 and
#     ETIMEDOUT=2 on the simulator's adapter at 0x57, and nowhere else
#   - between two quiet points (the chip runtime-suspended, nothing on the bus) the tool's
#     transfers to 0x57 equal the simulator's count of transfers (xfers), its NAKs and timeouts the
#     simulator's, and its errors on the driver's own tasks the driver's i2c_errors
#   - on PREEMPT_RT, contended spinlock_t (rtlock: an rt_mutex underneath) seen as such
#   - the JSON is complete (duration, counters) and nothing was dropped
#   - the driver's acquisition lock named (max30102-0.acq_lock), no lock of the driver by caller
#   - with -l max30102-0.lock -s 0.001 (JSON, and the live table's text at once): only that lock's
#     slow waits, in the final live report too, and --prog-stats' programs in the text
# Each check is a result of its own.
set -u
M=${MXRT_MODDIR:?}
SUITE=contention # ok, bad, check: tests/vm/test-env.sh

command -v mxrt-contention >/dev/null || { echo "FAIL: no mxrt-contention in the guest"; exit 1; }
insmod "$M/mxrt_max30102_sim.ko" || { echo "FAIL: cannot load the simulator"; exit 1; }
load_driver test_hooks=1 || { echo "FAIL: cannot load the driver"; exit 1; }
DEV=/dev/max30102-0
wait_device $DEV || { echo "FAIL: $DEV missing"; dmesg | tail -20; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
DBG=/sys/kernel/debug/mxrt_max30102/max30102-0
CLIENT=$(basename "$(readlink -f /sys/class/misc/max30102-0/device)")
SYS=/sys/bus/i2c/devices/$CLIENT
BUS=${CLIENT%%-*}
echo "client $CLIENT on i2c-$BUS, simulator $SIM"
wait_suspended() {
	i=0
	while [ "$(cat $SYS/power/runtime_status)" != suspended ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(cat $SYS/power/runtime_status)" = suspended ]
}

# the driver names its locks
cat "$DBG/locks"
check locks-file-names-the-device-lock grep -q ' max30102-0\.lock$' "$DBG/locks"
check locks-file-names-the-bus-lock grep -q " i2c-$BUS\.bus_lock\$" "$DBG/locks"
# the acquisition threads' queue for the device lock (mx_lock_at): was shown by address and caller
check locks-file-names-the-acq-lock grep -q ' max30102-0\.acq_lock$' "$DBG/locks"
# the open files' runtime-PM lock and the spinlocks of the wait queues (readers, md->lock's
# waiters, the poll thread's): on PREEMPT_RT their waits sleep and are traced like the others
locks_file_names_the_rest() {
	for l in pm_lock readers_wq lock_wq thread_wq; do
		grep -q " max30102-0\.$l\$" "$DBG/locks" || { echo "no $l"; return 1; }
	done
	[ "$(cut -d' ' -f1 "$DBG/locks" | sort -u | wc -l)" = "$(wc -l <"$DBG/locks")" ]
}
check locks-file-names-pm-lock-and-wait-queues locks_file_names_the_rest
check locks-file-is-root-only '[ "$(stat -c %a "$DBG/locks")" = 400 ]'

# without the capabilities, loading is refused and the message says why (nothing is attached)
out=$(mxrt-restrict --drop-cap bpf --drop-cap sys_admin --drop-cap perfmon -- mxrt-contention -d 1 2>&1)
rc=$?
echo "without CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON: exit $rc: $out"
check not-permitted-explained '[ $rc = 1 ] && echo "$out" | grep -q "BPF is not permitted: run as root"'

echo 118 >"$SYS/pulse_width" && echo 1000 >"$SYS/sample_rate" || bad config-1000hz
check quiet-before wait_suspended

mxrt-contention --json -s 20 --prog-stats >/tmp/con.json 2>/tmp/con.err &
CON=$!
i=0
while ! grep -q attached /tmp/con.err && kill -0 $CON 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
cat /tmp/con.err
check attached grep -q 'mxrt-contention: attached (lock waits, I2C)' /tmp/con.err

X0=$(sim_counter xfers) N0=$(sim_counter naks) T0=$(sim_counter timeouts) E0=$(stat_of i2c_errors)
echo "before: xfers=$X0 naks=$N0 timeouts=$T0 i2c_errors=$E0"

# 1. contention on purpose, while a reader keeps the chip sampling at 1000 Hz
# transfers at 400 kHz wire time: each holds the bus long enough for i2cget and the driver to meet
echo "bus_khz=400" >"$SIM/control"
mxrt-max30102-read -n 3000 $DEV >/tmp/read1.out 2>&1 &
RD=$!
sleep 0.5
(for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	i2cget -f -y "$BUS" 0x57 0xff >/dev/null 2>&1
	i2cget -f -y "$BUS" 0x57 0xfe >/dev/null 2>&1
done) &
I2C=$!
for k in 1 2 3 4 5 6; do
	echo $((6000 + k * 200)) >"$SYS/led_ir_current"
	mxrt-max30102-ctl -d $DEV set --red-current $((6000 + k * 200)) >/dev/null || echo "ioctl set $k failed"
	echo "sleep 30" >"$DBG/test_hold"
done
wait $I2C
wait $RD
echo "reader: $(cat /tmp/read1.out)"
check reader-1000hz-continuous grep -q 'violations=0' /tmp/read1.out

# waits of known length: the device lock held 600 ms (asleep, then busy on the CPU as "pi"), a
# sysfs write that needs it started once the hold is seen: it waits most of that (the debug
# kernel takes up to a few hundred ms to see the hold and start the writer) and must be counted
# as one rt_mutex wait of the device lock of about that length, not as its inner wait_lock (which
# the waiter retakes, at the same address, when it wakes or stops spinning on the owner)
known_wait() { # known_wait MODE
	echo "$1 600" >"$DBG/test_hold" &
	h=$!
	i=0
	while ! grep -q holding=1 "$DBG/test_hold" && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
	sleep 0.05
	echo 6000 >"$SYS/led_ir_current" || echo "known wait ($1): write failed"
	wait $h
}
known_wait sleep
known_wait pi

# 2. faults with only the driver on the bus
echo "bus_khz=0 nak=3 timeout=2" >"$SIM/control"
mxrt-max30102-read -n 1000 $DEV >/tmp/read2.out 2>&1
echo "reader: $(cat /tmp/read2.out)"
check quiet-after wait_suspended
X1=$(sim_counter xfers) N1=$(sim_counter naks) T1=$(sim_counter timeouts) E1=$(stat_of i2c_errors)
echo "after: xfers=$X1 naks=$N1 timeouts=$T1 i2c_errors=$E1"
check faults-all-used '[ $((N1 - N0)) = 3 ] && [ $((T1 - T0)) = 2 ]'

kill -INT $CON
wait $CON
con_rc=$?
echo "mxrt-contention exit $con_rc, $(wc -c </tmp/con.json) bytes of JSON"
cat /tmp/con.err
# a run cut short (its ring buffer or its output failing) prints its report and exits 1
check exit-0-after-sigint '[ $con_rc = 0 ]'
J=$(cat /tmp/con.json)
check json-complete 'echo "$J" | grep -q "\"programs\":\[.*\]}\$"'

# the lock table: name, kind, count of each lock
lock_field() { # lock_field NAME FIELD
	echo "$J" | sed 's/{"lock":/\n&/g' | grep "\"name\":\"$1\"" | head -1 | sed -n "s/^[^[]*\"$2\":\([0-9]*\).*/\1/p"
}
lock_kind() { echo "$J" | sed 's/{"lock":/\n&/g' | grep "\"name\":\"$1\"" | head -1 | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p'; }
echo "$J" | sed 's/{"lock":/\n&/g' | sed -n 's/^{"lock":"\(0x[0-9a-f]*\)","name":"\([^"]*\)","name_source":"\([^"]*\)","kind":"\([^"]*\)","count":\([0-9]*\),"total_ns":\([0-9]*\),"max_ns":\([0-9]*\).*/lock \2 (\3) \4: \5 waits, total \6 ns, max \7 ns/p' | head -15
DL=max30102-0.lock BL=i2c-$BUS.bus_lock
DLN=$(lock_field "$DL" count) BLN=$(lock_field "$BL" count)
echo "device lock: ${DLN:-none} waits ($(lock_kind "$DL")), bus lock: ${BLN:-none} waits ($(lock_kind "$BL"))"
check device-lock-waits-by-name '[ "${DLN:-0}" -gt 0 ]'
check device-lock-is-an-rt-mutex '[ "$(lock_kind "$DL")" = rt_mutex ]'
check bus-lock-waits-by-name '[ "${BLN:-0}" -gt 0 ]'
check bus-lock-is-an-rt-mutex '[ "$(lock_kind "$BL")" = rt_mutex ]'
# the known waits (up to 600 ms each): the device lock's longest wait is about that long; its inner
# wait_lock (a row of its own when contended) is held for microseconds, so no long wait lands there
DLMAX=$(lock_field "$DL" max_ns) DLIMAX=$(lock_field "$DL (inner spinlock)" max_ns)
echo "device lock: max wait ${DLMAX:-none} ns; its inner spinlock: max ${DLIMAX:-none} ns"
check device-lock-known-wait-measured '[ "${DLMAX:-0}" -ge 150000000 ] && [ "${DLMAX:-0}" -le 2000000000 ]'
check device-lock-inner-spinlock-short '[ "${DLIMAX:-0}" -lt 100000000 ]'
# PREEMPT_RT: spinlock_t sleeps on an rt_mutex (rtlock); a few are always contended in this run
if uname -v | grep -q PREEMPT_RT; then
	rtlocks=$(echo "$J" | sed 's/{"lock":/\n&/g' | grep -c '"kind":"spinlock_t (rtlock)"')
	echo "contended sleeping spinlocks (spinlock_t as rtlock): $rtlocks"
	check rt-sleeping-spinlocks-seen '[ "$rtlocks" -gt 0 ]'
fi
# the waiters: the acquisition's IRQ thread (irq/N-max30102) or the writers wait for the device lock
waiters() { echo "$J" | sed 's/{"lock":/\n&/g' | grep "\"name\":\"$1\"" | head -1 | grep -o '"comm":"[^"]*"' | sort -u | tr '\n' ' '; }
echo "device lock waiters: $(waiters "$DL")"
echo "bus lock waiters: $(waiters "$BL")"
check device-lock-waiters-have-stacks 'echo "$J" | sed "s/{\"lock\":/\n&/g" | grep "\"name\":\"$DL\"" | grep -q "\"frames\":\[\"[a-z_]"'
# every lock of the driver's is named: none by address and its caller in the driver's lock path
check driver-locks-named '! echo "$J" | grep -q "\"name\":\"0x[0-9a-f]* (mx_lock_at+"'

# I2C: the simulator's adapter at 0x57
i2c_obj() { echo "$J" | sed 's/{"adapter":/\n&/g' | grep "^{\"adapter\":$1,.*\"addr\":\"$2\"" | head -1; }
O=$(i2c_obj "$BUS" 0x57)
i2c_field() { echo "$O" | sed -n "s/^[^[]*\"$1\":\([0-9]*\).*/\1/p"; }
XF=$(i2c_field xfers) ER=$(i2c_field errors)
BW=$(echo "$O" | sed -n 's/.*\],"bus_waits":\([0-9]*\).*/\1/p')
ENXIO=$(echo "$O" | sed -n 's/.*"errno":{[^}]*"ENXIO":\([0-9]*\).*/\1/p')
ETIMEDOUT=$(echo "$O" | sed -n 's/.*"errno":{[^}]*"ETIMEDOUT":\([0-9]*\).*/\1/p')
echo "tool: i2c-$BUS 0x57 xfers=$XF errors=$ER ENXIO=$ENXIO ETIMEDOUT=$ETIMEDOUT bus_waits=$BW"
echo "simulator: xfers=$((X1 - X0)) naks=$((N1 - N0)) timeouts=$((T1 - T0)); driver: i2c_errors=$((E1 - E0))"
check i2c-transfers-equal-the-simulators '[ "${XF:-x}" = $((X1 - X0)) ]'
check i2c-naks-on-the-right-address '[ "${ENXIO:-0}" = $((N1 - N0)) ]'
check i2c-timeouts-on-the-right-address '[ "${ETIMEDOUT:-0}" = $((T1 - T0)) ]'
# the driver's i2c_errors: the errors of the driver's own tasks (not i2cget's)
drv_errors() {
	echo "$O" | grep -o '{"tid":[^}]*}' | grep -v '"comm":"i2cget"' | sed -n 's/.*"errors":\([0-9]*\).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
echo "errors of the driver's tasks: $(drv_errors)"
check i2c-errors-equal-the-drivers '[ "$(drv_errors)" = $((E1 - E0)) ]'
check i2c-bus-waits-linked-to-tasks '[ "${BW:-0}" -gt 0 ]'
check i2cget-seen-as-a-client 'echo "$O" | grep -q "\"comm\":\"i2cget\""'
# an entry's own count is the "errors" before its "errno" map (its tasks' come before "smbus")
other_errors() { echo "$J" | sed 's/{"adapter":/\n&/g' | grep '^{"adapter":' | grep -v "^{\"adapter\":$BUS,.*\"addr\":\"0x57\"" | grep -v '"errors":0,"errno":' ; }
check no-errors-elsewhere '[ -z "$(other_errors)" ]'
check nothing-dropped 'echo "$J" | grep -q "\"lock_map_full\":0,\"i2c_map_full\":0,\"ring_full\":0,\"nested_too_deep\":0,\"task_map_full\":0"'
echo "counters: $(echo "$J" | sed -n 's/.*"counters":\({[^}]*}\).*/\1/p')"
echo "programs: $(echo "$J" | sed -n 's/.*"programs":\(\[.*\]\)}$/\1/p')"

# 3. one lock by name (-l), every wait of 1 us or more a slow wait, the same load for two runs at
# once: JSON, and the live table's text (--live, into a file). The slow waits obey -l (all were
# kept and printed, whatever their lock: the bus lock's too); the live refreshes clear the screen,
# so the final report (after the last clear) must have them; --prog-stats shows the programs in
# the text too (it did in the JSON only).
echo "bus_khz=400" >"$SIM/control"
rm -f /tmp/con3.err /tmp/con4.err
mxrt-contention --json -l "$DL" -s 0.001 >/tmp/con3.json 2>/tmp/con3.err &
C3=$!
mxrt-contention --live -i 0.5 -l "$DL" -s 0.001 --prog-stats >/tmp/con4.out 2>/tmp/con4.err &
C4=$!
# and a third, I2C only: a bus wait is a lock wait, which it does not trace (null, never 0)
mxrt-contention --json --no-locks >/tmp/con5.json 2>/tmp/con5.err &
C5=$!
i=0
while ! { grep -q attached /tmp/con3.err && grep -q attached /tmp/con4.err && grep -q attached /tmp/con5.err; } && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
cat /tmp/con3.err /tmp/con4.err /tmp/con5.err
mxrt-max30102-read -n 1500 $DEV >/tmp/read3.out 2>&1 &
RD=$!
sleep 0.3
(for k in 1 2 3 4 5 6 7 8 9 10; do
	i2cget -f -y "$BUS" 0x57 0xff >/dev/null 2>&1
	i2cget -f -y "$BUS" 0x57 0xfe >/dev/null 2>&1
done) &
I2C=$!
for k in 1 2 3 4; do
	echo "sleep 30" >"$DBG/test_hold" &
	h=$!
	sleep 0.01
	echo $((6000 + k * 200)) >"$SYS/led_ir_current"
	wait $h
done
wait $I2C
wait $RD
kill -INT $C3 $C4 $C5
wait $C3
c3_rc=$?
wait $C4
c4_rc=$?
wait $C5
c5_rc=$?
check two-runs-at-once-exit-0 '[ $c3_rc = 0 ] && [ $c4_rc = 0 ]'
echo "I2C only: $(grep -o '"addr":"0x57",[^[]*' /tmp/con5.json | head -1)"
check no-locks-bus-waits-not-measured '[ $c5_rc = 0 ] && grep -q "\"addr\":\"0x57\",\"xfers\":[1-9]" /tmp/con5.json && grep -q "\"bus_waits\":null,\"bus_wait_ns\":null,\"bus_wait_max_ns\":null,\"wait_hist\":null" /tmp/con5.json && ! grep -q "\"bus_waits\":[0-9]" /tmp/con5.json'
# without debugfs the driver's lock names are not there: said at the start, not left as addresses
# nobody explains
if umount /sys/kernel/debug; then
	mxrt-contention --json -d 0.5 >/dev/null 2>/tmp/con6.err
	c6_rc=$?
	mount -t debugfs debugfs /sys/kernel/debug
	cat /tmp/con6.err
	check no-debugfs-said '[ $c6_rc = 0 ] && grep -q "^mxrt-contention: /sys/kernel/debug/mxrt_max30102: No such file or directory (is debugfs mounted?): the MAX30102 driver.s locks are shown by address" /tmp/con6.err'
else
	bad no-debugfs-said "umount /sys/kernel/debug failed"
fi
J3=$(cat /tmp/con3.json)
# the slow waits' names in the JSON (each event's "name" follows its "lock")
slow_names() { echo "$J3" | sed 's/{"ts_ns":/\n&/g' | sed -n 's/^{"ts_ns":[0-9]*,"lock":"[^"]*","name":"\([^"]*\)".*/\1/p'; }
S3=$(echo "$J3" | sed -n 's/.*"slow_waits":{"total":\([0-9]*\).*/\1/p')
echo "JSON, -l $DL -s 0.001: slow_waits.total=$S3; by name: $(slow_names | sort | uniq -c | tr '\n' ' ')"
# every event listed is the lock's, and as many as the total (the last 100 of it are kept)
check slow-waits-json-obey-the-lock-filter '[ "${S3:-0}" -gt 0 ] && [ "$(slow_names | grep -vcx "$DL")" = 0 ] && [ "$(slow_names | wc -l)" = "$((S3 < 100 ? S3 : 100))" ]'
# the text: the part after the last clear-screen is the final report
ESC=$(printf '\033')
awk -v c="$ESC[H$ESC[J" '{ i = index($0, c); if (i) { out = ""; $0 = substr($0, i + length(c)) } out = out $0 "\n" } END { printf "%s", out }' /tmp/con4.out >/tmp/con4.final
echo "live text: $(grep -c "$ESC\[H" /tmp/con4.out) refreshes; final report:"
sed -n '/^slow waits:/,$p' /tmp/con4.final | head -8
sed -n '/^PROGRAM/,/^$/p' /tmp/con4.final
check slow-waits-text-obey-the-lock-filter '[ "$(grep "^slow wait: " /tmp/con4.out | grep -vc "^slow wait: $DL (")" = 0 ]'
check slow-waits-in-the-final-live-report 'grep -q "^slow waits: [1-9]" /tmp/con4.final && grep -A1 "^slow wait: $DL (" /tmp/con4.final | grep -q "^    [a-z_]"'
check prog-stats-in-the-text 'grep -q "^PROGRAM " /tmp/con4.final && grep -q "^mxrt_contention_end  *[1-9]" /tmp/con4.final'

# -l with a driver's or a bus's name nothing has (a mistyped device number) is said at the start,
# not only after the whole -d as "no wait ... was seen"; a name that is there is not
mxrt-contention -d 0.2 -l max30102-9.lock >/dev/null 2>/tmp/con7.err
rc7=$?
mxrt-contention -d 0.2 -l i2c-99.bus_lock >/dev/null 2>/tmp/con8.err
rc8=$?
head -3 /tmp/con7.err /tmp/con8.err
check lock-name-no-device-has-said-at-start '[ $rc7 = 0 ] && grep -q "warning: no MAX30102 device has a lock named .max30102-9.lock. now" /tmp/con7.err && [ $rc8 = 0 ] && grep -q "warning: there is no I2C adapter i2c-99 now" /tmp/con8.err'
check lock-name-a-device-has-not-warned '! grep -q "warning:" /tmp/con3.err'

unload_driver
rmmod mxrt_max30102_sim
exit $fail
