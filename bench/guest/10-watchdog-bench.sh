#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. Loads the watchdog benchmark module and
# prints its results ("bench: ..." goal lines and "#" detail lines).
set -u
M=${MXRT_MODDIR:?}
insmod "$M/mxrt_watchdog.ko" || exit 1
insmod "$M/mxrt_watchdog_bench.ko" || { dmesg | grep mxrt_bench; exit 1; }
rmmod mxrt_watchdog_bench mxrt_watchdog
dmesg | sed -n 's/^\[[^]]*\] mxrt_bench: //p'
