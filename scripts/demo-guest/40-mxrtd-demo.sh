#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. mxrtd, the real-time daemon, against
# the simulator: under SCHED_DEADLINE, reading through io_uring, publishing to shared memory, a
# message queue and a FIFO; the live view (mxrt-top) for a while, with a CPU hog; a consumer of the
# shared ring; and a clean stop that leaves nothing behind.
set -u
M=${MXRT_MODDIR:?}
say() { printf '\n### %s\n' "$*"; }

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
done
echo "what it made: $(ls /dev/shm/) in /dev/shm, $(ls /dev/mqueue/) in /dev/mqueue, $(ls /run/mxrtd/) in /run/mxrtd"

say "the live view (mxrt-top), every 2 s, with a CPU hog on every CPU"
hogs=
for c in $(seq 1 "$(nproc)"); do
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
mxrt-top -n 5 -i 2
kill $hogs
wait $hogs 2>/dev/null

say "a consumer of the shared ring (futex_waitv on the segment's words), 2000 records"
mxrt-top --records 2000 --priority 30

say "vitals: one message per update on the queue, one line per update on the FIFO"
if grep -q 'no vitals interface' /tmp/mxrtd.log; then
	echo "(this driver has no vitals ioctl yet: the daemon said so above and publishes samples and temperature)"
else
	mxrt-top --messages 3 --timeout-ms 20000
	timeout 20 head -n 3 /run/mxrtd/max30102-0.fifo
fi

say "for scripts: mxrt-top --json"
mxrt-top --json

say "SIGTERM: the daemon stops and removes what it made"
kill -TERM $DPID
wait $DPID
echo "exit status $?; /dev/shm: [$(ls /dev/shm)] /dev/mqueue: [$(ls /dev/mqueue)] /run/mxrtd: [$(ls /run/mxrtd 2>/dev/null)]"
tail -n 2 /tmp/mxrtd.log
unload_driver; rmmod mxrt_max30102_sim
