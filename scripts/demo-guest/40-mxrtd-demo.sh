#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. mxrtd, the real-time daemon, against
# the simulator: under SCHED_DEADLINE, reading through io_uring, publishing to shared memory, a
# message queue and a FIFO; the live view (mxrt-top) for a while, with a CPU hog; a consumer of the
# shared ring; and a clean stop that leaves nothing behind.
set -u
M=${MXRT_MODDIR:?}
SUITE=demo # each claim below is a check (test-env.sh): one that does not hold fails the demo
say() { printf '\n### %s\n' "$*"; }
# words DIR: what is in DIR, on one line
words() { ls "$1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }

say "load the simulator and the driver; a finger at 72 bpm, 97 % SpO2, the die at 36.5 C"
insmod "$M/mxrt_max30102_sim.ko" || exit 1
load_driver || exit 1
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
echo "hr=72 spo2=97 finger=1 temp=36.5" >"$SIM/control"
# /dev/shm, /dev/mqueue and /run: mounted by the guest's init (tests/vm/init)

say "start mxrtd at 400 Hz: SCHED_DEADLINE 1/2/2 ms, io_uring, memory locked (its log follows)"
mxrtd --rate 400 --pulse-width 411 $DEV 2>/tmp/mxrtd.log &
DPID=$!
i=0
while ! mxrt-top --json 2>/dev/null | grep -q '"running":true' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cat /tmp/mxrtd.log
echo "its threads:"
for t in /proc/$DPID/task/*; do
	printf '  %-14s %s\n' "$(cat $t/comm)" "$(sed -n 's/^policy *: *//p' $t/sched 2>/dev/null | head -1 |
		sed 's/^0$/SCHED_OTHER/; s/^1$/SCHED_FIFO/; s/^6$/SCHED_DEADLINE/')"
done | tee /tmp/threads.out
echo "what it made: $(words /dev/shm) in /dev/shm, $(words /dev/mqueue) in /dev/mqueue, $(words /run/mxrtd) in /run/mxrtd"
check mxrtd-running-under-sched-deadline 'mxrt-top --json | grep -q "\"running\":true" && grep -q "SCHED_DEADLINE" /tmp/threads.out'

say "the live view (mxrt-top), every 2 s, with a CPU hog on every CPU"
hogs=
for c in $(seq 1 "$(nproc)"); do
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
mxrt-top -n 5 -i 2
rc=$?
check live-view-shows-the-daemon '[ $rc = 0 ]'
kill $hogs
wait $hogs 2>/dev/null

say "a consumer of the shared ring (futex_waitv on the segment's words), 2000 records"
mxrt-top --records 2000 --priority 30
rc=$?
check ring-consumer-2000-records-no-violation '[ $rc = 0 ]'

say "vitals: messages on the queue (the oldest first: updates sent while it was full are counted in mq_dropped) and lines on the FIFO"
mxrt-top --messages 3 --timeout-ms 20000
rc=$?
timeout 20 head -n 3 /run/mxrtd/max30102-0.fifo | tee /tmp/fifo.out
check vitals-on-queue-and-fifo '[ $rc = 0 ] && [ "$(grep -c "^dev=" /tmp/fifo.out)" = 3 ]'

say "for scripts: mxrt-top --json"
mxrt-top --json

say "SIGTERM: the daemon stops and removes what it made"
kill -TERM $DPID
wait $DPID
rc=$?
echo "exit status $rc; /dev/shm: [$(words /dev/shm)] /dev/mqueue: [$(words /dev/mqueue)] /run/mxrtd: [$(words /run/mxrtd)]"
tail -n 2 /tmp/mxrtd.log
check mxrtd-stops-clean-leaves-nothing '[ $rc = 0 ] && [ -z "$(words /dev/shm)$(words /dev/mqueue)$(words /run/mxrtd)" ]'
unload_driver; rmmod mxrt_max30102_sim
exit $fail
