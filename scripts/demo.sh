#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (Debian 12). The README's main job.
# Sets up (idempotent), builds the modules for Debian's 6.12 PREEMPT_RT kernel, boots it in QEMU and
# shows the watchdog library guarding an example driver, the MAX30102 driver reading the
# simulator, heart rate and SpO2 appearing, changing and going with the simulated finger, the
# latency tracer on a hogged control loop, and mxrtd reading the simulator under SCHED_DEADLINE
# with its live view (scripts/demo-guest/*.sh run in the guest).
set -euo pipefail
# a relative MXRT_CACHE is relative to where the demo was started, for every script below
if [ -n "${MXRT_CACHE:-}" ]; then MXRT_CACHE=$(realpath -ms -- "$MXRT_CACHE"); export MXRT_CACHE; fi
cd "$(dirname "$0")/.."
scripts/setup.sh
make --no-print-directory -j"$(nproc)" modules FLAVOUR=x86_64-rt-6.12 >/dev/null
make --no-print-directory -s -f tests/unit/unit.mk guest-tools # mxrt-max30102-read, mxrt-lat, mxrtd, mxrt-top, ... for the guest
exec tests/vm/run.sh --guest-dir scripts/demo-guest --no-guest-bins x86_64-rt-6.12
