#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. Loads the watchdog benchmark module and
# prints its results ("bench: ..." goal lines and "#" detail lines).
set -u
M=${MXRT_MODDIR:?}
insmod "$M/mxrt_watchdog.ko" || exit 1
n0=$(dmesg | wc -l) # only this module's lines (another script's, earlier in the boot, are not ours)
insmod "$M/mxrt_watchdog_bench.ko" || { dmesg | tail -n +$((n0 + 1)) | grep mxrt_bench; exit 1; }
rmmod mxrt_watchdog_bench mxrt_watchdog
dmesg | tail -n +$((n0 + 1)) | sed -n 's/^\[[^]]*\] mxrt_bench: //p'
