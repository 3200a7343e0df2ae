#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. `make bench`: builds the modules and runs every benchmark in both VMs
# (bench/guest/*.sh in the guest), then prints the "bench: ..." lines per kernel, then the
# heart-rate/SpO2 estimator's host benchmark (bench/vitals/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make --no-print-directory -s -f tests/unit/unit.mk guest-tools # the readers the guest scripts run
rc=0
for flavour in x86_64-rt-6.12 arm64-6.12; do
	make --no-print-directory -j"$(nproc)" modules FLAVOUR="$flavour" >/dev/null
	log=build/vm/$flavour/bench.log
	mkdir -p "$(dirname "$log")"
	tests/vm/run.sh --guest-dir bench/guest --no-guest-bins --filter '[0-3]*' "$flavour" >"$log" 2>&1 || rc=1
	# the latency tracer's overhead (40-*) and the heart-rate/SpO2 estimator's share of the IRQ
	# thread (45-*) in a guest whose clock counts instructions (see the scripts); about 300 s of
	# guest time, most of it idle between runs (skipped at once under icount)
	MXRT_BENCHTOOLS=1 MXRT_ICOUNT=0 tests/vm/run.sh --guest-dir bench/guest --no-guest-bins \
		--test-timeout 900 --timeout 1200 --filter '4[0-9]-*' "$flavour" >>"$log" 2>&1 || rc=1
	# mxrt-contention against klockstat: what each sees on the pipeline under contention, and what
	# each costs a lock-heavy workload, in a guest whose clock counts instructions
	MXRT_BENCHTOOLS=1 MXRT_ICOUNT=0 tests/vm/run.sh --guest-dir bench/guest --no-guest-bins \
		--test-timeout 900 --timeout 1200 --filter '55-*' "$flavour" >>"$log" 2>&1 || rc=1
	# mxrtd's consumers against poll/read/io_uring and cyclictest, and the daemon under perf: real
	# time (no icount: wake-up latency is what is measured), with cyclictest and perf in the guest
	MXRT_BENCHTOOLS=1 tests/vm/run.sh --guest-dir bench/guest --no-guest-bins \
		--test-timeout 600 --timeout 900 --filter '50-*' "$flavour" >>"$log" 2>&1 || rc=1
	echo "== $flavour"
	# with the harness's verdict on each script: a script that failed after printing its figures
	# (a check after the measurement, a sub-measurement missing) shows FAIL beside them, so no
	# figure of a failed run reads as a result
	grep -E '^(bench: |# |FAIL: |SKIP: )' "$log" || { echo "no benchmark output; see $log"; rc=1; }
done
# the estimator's instructions per record and its accuracy: the same code on the build host
echo "== host (bench/vitals/run.sh)"
bench/vitals/run.sh || rc=1
[ $rc = 0 ] || echo "make bench: a benchmark failed (FAIL lines above; logs in build/vm/*/bench.log): its figures are not results"
exit $rc
