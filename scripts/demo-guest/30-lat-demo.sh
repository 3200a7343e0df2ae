#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. The per-PID latency tracer: a control
# loop (SCHED_FIFO 50, 50 ms period) that a higher-priority hog keeps off its CPU on every 4th
# cycle, run under mxrt-lat with a 10 ms wake-up SLO; then the table, a histogram and the
# worst-case trace that names the hog, and the MAX30102 driver's IRQ thread.
set -u
M=${MXRT_MODDIR:?}
SUITE=demo # each claim below is a check (test-env.sh): one that does not hold fails the demo
say() { printf '\n### %s\n' "$*"; }
# row_over FILE PID METRIC COLUMN: a row of mxrt-lat's table for PID and METRIC with COLUMN > 0
row_over() { awk -v p="$2" -v m="$3" -v c="$4" '$1 == p && $5 == m && $c > 0 {f = 1} END {exit !f}' "$1"; }

say "load the tracer: it attaches to the scheduler's tracepoints (no kernel patch)"
insmod "$M/mxrt_lat.ko" || exit 1
dmesg | grep 'mxrt_lat' | sed 's/^\[[^]]*\] //' | tail -n 1

say "mxrt-lat run -s wakeup=10000000 -- mxrt-lat-workload -c 12 (every 4th cycle hogged for ~20 ms)"
mxrt-lat run -s wakeup=10000000 -- mxrt-lat-workload -c 12 -k 4 -p 50 -H 30 -o 10 -C 1 >/tmp/run.out
rc=$?
grep -v '^cycle' /tmp/run.out
victim=$(awk '$3 == "mxrt-victim" {print $1; exit}' /sys/kernel/debug/mxrt_lat/tasks)
# the victim's wake-up row: SLO violations counted (the hog ran on every 4th of 12 cycles)
check run-counts-slo-violations '[ $rc = 0 ] && [ -n "$victim" ] && row_over /tmp/run.out "$victim" wakeup 13'

say "its wake-up latency histogram"
mxrt-lat hist "$victim" | awk '/^pid / {on = / wakeup:/} on'

say "the worst wake-up, and who kept it waiting"
mxrt-lat traces "$victim" | sed -n '/wakeup worst/,/response worst/p' | grep -v 'response worst' | tee /tmp/worst.out
check worst-wakeup-names-the-hog 'grep -q mxrt-hog /tmp/worst.out'

say "the MAX30102 driver's threaded IRQ handler, 400 samples at 100 Hz"
insmod "$M/mxrt_max30102_sim.ko" && load_driver || exit 1
wait_device /dev/max30102-0 || { echo "/dev/max30102-0 missing"; exit 1; }
client=$(basename "$(readlink -f /sys/class/misc/max30102-0/device)")
irqt=$(grep -l "^irq/.*-$client" /proc/[0-9]*/comm | head -1 | cut -d/ -f3)
mxrt-lat track "$irqt"
mxrt-max30102-read -n 400 /dev/max30102-0 >/dev/null
mxrt-lat show "$irqt" | tee /tmp/irq.out
check irq-thread-run-time-measured '[ -n "$irqt" ] && row_over /tmp/irq.out "$irqt" irqthread 6'
mxrt-lat status | grep -E 'tracking|memory|events'
rmmod mxrt_max30102 mxrt_max30102_sim mxrt_watchdog
rmmod mxrt_lat
dmesg | grep 'final report' | sed 's/^\[[^]]*\] //' | tail -n 2
exit $fail
