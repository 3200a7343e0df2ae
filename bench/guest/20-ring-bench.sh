#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. The driver's sample ring against kfifo
# (bench/kmod/ring_bench.c); prints its "bench: ..." and "#" lines.
set -u
M=${MXRT_MODDIR:?}
[ -e "$M/mxrt_ring_bench.ko" ] || { echo "# ring benchmark not built for this kernel"; exit 77; }
n0=$(dmesg | wc -l) # only this module's lines (the kernel log is the judge's: never cleared)
ok=1
insmod "$M/mxrt_ring_bench.ko" || ok=0
[ $ok = 0 ] || rmmod mxrt_ring_bench
dmesg | tail -n +$((n0 + 1)) | sed -n 's/^\[[^]]*\] mxrt_bench: //p'
[ $ok = 1 ]
