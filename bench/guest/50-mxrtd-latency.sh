#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh (with MXRT_BENCHTOOLS=1: cyclictest and perf
# in the guest). mxrtd at 400 Hz under SCHED_DEADLINE with a CPU hog on every CPU, and:
#  1. the delay from a sample's interrupt to a consumer's wake-up, for every way to wait for samples,
#     side by side in one run over the same samples (mxrt-wake-bench: futex_waitv fan-out on mxrtd's
#     segment, poll() on the device, a blocking read(), io_uring with the driver's non-blocking path,
#     and io_uring with every read handed to an io-wq worker), all SCHED_FIFO 40, next to cyclictest
#     at SCHED_FIFO 40 on every CPU in the same guest at the same time (the floor: a timer's wake-up);
#  2. the daemon under perf stat (software events; hardware counters where the guest has them), and
#     perf sched latency and perf trace -s summaries.
# Goals, as bench: lines: futex_waitv p99 <= poll p99, and the daemon's consumers' p99 <= 1.5 x
# cyclictest's p99.
set -u
M=${MXRT_MODDIR:?}
S=${MXRT_BENCH_SECONDS:-60}
PRIO=40
insmod "$M/mxrt_max30102_sim.ko" || exit 1
load_driver || exit 1
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
# /dev/shm, /dev/mqueue and /run: mounted by the guest's init (tests/vm/init)
cpus=$(nproc)
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# MXRT_BENCH_MXRTD_ARGS (tests/vm/run.sh): more options, e.g. the acquisition thread's policy
[ -z "${MXRT_BENCH_MXRTD_ARGS:-}" ] || echo "# mxrtd with: $MXRT_BENCH_MXRTD_ARGS"
# shellcheck disable=SC2086 # the extra options are split on purpose
mxrtd --rate 400 --pulse-width 411 --consumer-priority $PRIO --fifo-dir /tmp/mxrtd ${MXRT_BENCH_MXRTD_ARGS:-} $DEV \
	2>/tmp/mxrtd.log &
DPID=$!
i=0
while ! mxrt-top --json 2>/dev/null | grep -q '"running":true' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sed 's/^/# mxrtd: /' /tmp/mxrtd.log
hogs=
for c in $(seq 1 "$cpus"); do
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done

# 1. wake-up latency, every method in one run, cyclictest beside it
have_cyclictest=0
if command -v cyclictest >/dev/null; then
	have_cyclictest=1
	cyclictest -m -q -S -p $PRIO -i 1000 -D "${S}s" -h 100000 >/tmp/cyclictest.txt 2>&1 &
	cpid=$!
fi
mxrt-wake-bench --seconds "$S" --priority $PRIO --fanout 2 $DEV >/tmp/wake.txt
[ $have_cyclictest = 0 ] || wait $cpid
sed 's/^/# /' /tmp/wake.txt
line() { grep "^method=$1 " /tmp/wake.txt; }
p99() { field p99_us "$(line "$1")"; }
echo "# wake-up delay after the sample's interrupt at 400 Hz, $cpus CPU hog(s), every consumer SCHED_FIFO $PRIO (us):"
echo "# method          n     p50      p99      max"
for m in futex_waitv poll read io_uring io_uring_iowq; do
	l=$(line $m)
	printf '# %-14s %5s %8s %8s %8s\n' $m "$(field n "$l")" "$(field p50_us "$l")" "$(field p99_us "$l")" "$(field max_us "$l")"
done
if [ $have_cyclictest = 1 ]; then
	# the histogram (1 us buckets, one column per thread) summed over the threads
	cyc=$(awk '/^[0-9]/ { for (i = 2; i <= NF; i++) { h[$1 + 0] += $i; n += $i } }
		/^# Max Latencies:/ { for (i = 4; i <= NF; i++) if ($i + 0 > mx) mx = $i + 0 }
		/^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) over += $i }
		END { t = 0; for (k = 0; k <= 100000; k++) if (k in h) { t += h[k]; if (!p50 && t >= n * 0.5) p50 = k; if (!p99 && t >= n * 0.99) p99 = k }
		      if (over > 0) p99 = (p99 ? p99 : mx); printf "n=%d p50_us=%d p99_us=%d max_us=%d overflows=%d\n", n, p50, p99, mx, over }' /tmp/cyclictest.txt)
	printf '# %-14s %5s %8s %8s %8s   (timer wake-up, the floor)\n' cyclictest "$(field n "$cyc")" "$(field p50_us "$cyc")" \
		"$(field p99_us "$cyc")" "$(field max_us "$cyc")"
	[ "$(field overflows "$cyc")" = 0 ] || echo "# cyclictest: $(field overflows "$cyc") wake-ups beyond 100 ms"
else
	echo "# no cyclictest in this guest (bench/run.sh runs this with MXRT_BENCHTOOLS=1)"
fi
stall=$(mxrt-top --json | sed -n 's/.*"dl_overruns":\([0-9]*\).*/\1/p')
echo "# mxrtd: $(mxrt-top --json | sed -n 's/.*"records":\([0-9]*\),"lost":\([0-9]*\),"fifo_overflows":\([0-9]*\).*/records=\1 lost=\2 fifo_overflows=\3/p') dl_overruns=$stall"

# 2. the daemon under perf (the hog still running)
if command -v perf >/dev/null; then
	echo "# $(perf --version 2>&1) on $(uname -r)"
	perf stat -e task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions -p $DPID -- sleep 10 \
		>/tmp/perfstat.txt 2>&1
	sed -n '/Performance counter stats/,$p' /tmp/perfstat.txt | grep -v '^ *$' | sed 's/^/# perf stat: /'
	grep -q 'Performance counter stats' /tmp/perfstat.txt || sed 's/^/# perf stat failed: /' /tmp/perfstat.txt | head -5
	if perf sched record -o /tmp/sched.data -- sleep 5 >/tmp/sched-rec.txt 2>&1; then
		perf sched latency -i /tmp/sched.data --sort max 2>/dev/null | grep -E 'Task|---|mxrtd|irq/|cyclictest' |
			head -20 | sed 's/^/# perf sched: /'
	else
		sed 's/^/# perf sched record failed: /' /tmp/sched-rec.txt | head -5
	fi
	if perf trace -s -p $DPID -- sleep 5 >/tmp/trace.txt 2>&1; then
		grep -vE '^ *$' /tmp/trace.txt | head -40 | sed 's/^/# perf trace: /'
	else
		sed 's/^/# perf trace failed: /' /tmp/trace.txt | head -5
	fi
else
	echo "# no perf in this guest (bench/run.sh runs this with MXRT_BENCHTOOLS=1)"
fi
kill $hogs
wait $hogs 2>/dev/null
kill -TERM $DPID
wait $DPID

# the goals
fw=$(p99 futex_waitv)
pl=$(p99 poll)
[ -n "$fw" ] && [ -n "$pl" ] || { echo "# no wake-up measured"; exit 1; }
# a peer with no figure (0: cyclictest made no histogram) is no ratio: the script fails, where the
# line used to divide by 1 and print microseconds as a ratio
ratio() { # ratio NAME GOAL A B: "bench: NAME = A/B ratio (goal GOAL) [A vs B us]", or fail
	awk -v n="$1" -v g="$2" -v a="$3" -v b="$4" 'BEGIN { if (!(b + 0 > 0)) { printf "# %s: the peer has no figure (%s): not measured\n", n, b; exit 1 }
		printf "bench: %s = %.2f ratio (goal %s) [%s vs %s us]\n", n, a / b, g, a, b }'
}
st=0
ratio mxrtd_futex_waitv_p99_vs_poll_p99 "<= 1" "$fw" "$pl" || st=1
if [ $have_cyclictest = 1 ]; then
	ratio mxrtd_consumer_p99_vs_cyclictest_p99 "<= 1.5" "$fw" "$(field p99_us "$cyc")" || st=1
fi
awk -v a="$(p99 io_uring)" -v b="$(p99 io_uring_iowq)" 'BEGIN { printf "# io_uring p99 with the driver'"'"'s non-blocking path vs every read in an io-wq worker: %s vs %s us\n", a, b }'
exit $st
