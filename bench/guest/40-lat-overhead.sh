#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. What the latency tracer costs a
# scheduler-heavy workload, against Debian's BPF runqlat doing the same run.
# hackbench (rt-tests; threads, so mxrt-lat's thread-group tracking covers every one of them) runs
# RUNS times in each of three setups, interleaved so drift hits all alike:
#   base    nothing loaded
#   mxrt    mxrt_lat.ko loaded and tracking every hackbench thread (mxrt-lat run -- hackbench)
#   runqlat libbpf-tools' runqlat (Debian's CO-RE build of BCC's runqlat) attached and histogramming
# slowdown = median(setup) / median(base) - 1; the goal compares the two slowdowns. A second
# part does the same with a two-thread pipe ping-pong, which isolates the cost per scheduling event.
# bench/run.sh boots this one with MXRT_ICOUNT=0: the guest's clock counts instructions, so
# hackbench's times are instruction counts and the host's scheduling noise (+-20 % between runs
# under plain TCG, more than either tool costs) stays out.
set -u
M=${MXRT_MODDIR:?}
RUNS=${MXRT_BENCH_RUNS:-9}
HB="hackbench -T -g ${MXRT_BENCH_GROUPS:-4} -l ${MXRT_BENCH_LOOPS:-50}"
RQ=/usr/sbin/runqlat
command -v hackbench >/dev/null && [ -x $RQ ] || { echo "# hackbench or runqlat missing (scripts/setup.sh, MXRT_BENCHTOOLS=1)"; exit 1; }
# 4 groups x 40 threads, plus the main thread: max_tasks must hold them all
load() { insmod "$M/mxrt_lat.ko" max_tasks=256 || exit 1; }
secs() { sed -n 's/^Time: *//p' "$1"; }
# with_mxrt OUT CMD...: CMD with all its threads tracked by a freshly loaded mxrt_lat
with_mxrt() {
	out=$1
	shift
	load
	mxrt-lat run -- "$@" >"$out" || exit 1
	tracked=$(grep -c " $(basename "$1" | cut -c1-15) " /sys/kernel/debug/mxrt_lat/tasks)
	rmmod mxrt_lat
}
# with_runqlat OUT CMD...: CMD while runqlat is attached (checked to have histogrammed)
with_runqlat() {
	out=$1
	shift
	$RQ 3600 1 >/tmp/rq.out 2>&1 &
	rq=$!
	sleep 3 # its stdout is a file (buffered): attached once it has loaded, checked below
	kill -0 $rq 2>/dev/null || { echo "# runqlat did not start:"; cat /tmp/rq.out; exit 1; }
	"$@" >"$out" || exit 1
	kill -INT $rq
	wait $rq
	grep -q "usecs" /tmp/rq.out || { echo "# runqlat printed no histogram:"; cat /tmp/rq.out; exit 1; }
}
# three_ways GET CMD...: RUNS interleaved runs of CMD with nothing loaded, under mxrt_lat and under
# runqlat; GET FILE picks the figure out of a run's output. Sets $bare $traced $peer (figure lists).
three_ways() {
	get=$1
	shift
	bare="" traced="" peer=""
	for r in $(seq "$RUNS"); do
		"$@" >/tmp/tw.bare || exit 1
		bare="$bare $($get /tmp/tw.bare)"
		with_mxrt /tmp/tw.mxrt "$@"
		traced="$traced $($get /tmp/tw.mxrt)"
		with_runqlat /tmp/tw.rq "$@"
		peer="$peer $($get /tmp/tw.rq)"
	done
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
$HB >/dev/null # warm-up
three_ways secs $HB
base=$bare mxrt=$traced rql=$peer
echo "# hackbench ($HB) seconds, $RUNS runs each: base:$base; mxrt_lat tracking $tracked threads:$mxrt; runqlat:$rql"
echo "# run-to-run spread of base: $(echo "$base" | tr ' ' '\n' | grep . | sort -n | sed -n '1p;$p' | tr '\n' ' ')s (hackbench's own: how often its threads switch differs from run to run)"
mb=$(echo "$base" | median) mm=$(echo "$mxrt" | median) mr=$(echo "$rql" | median)
echo "# runqlat's histogram of the last run:"
grep -E '^ +[0-9]+ -> ' /tmp/rq.out | head -12 | sed 's/^/#   /'
awk -v b="$mb" -v m="$mm" -v r="$mr" 'BEGIN {
	sm = m / b - 1; sr = r / b - 1
	printf "# median seconds: base %.3f, mxrt_lat %.3f (slowdown %.1f%%), runqlat %.3f (slowdown %.1f%%)\n", b, m, 100 * sm, r, 100 * sr
	# below 1% the runs cannot tell runqlat from nothing: count it as 1% (our ratio is then a floor)
	if (sr < 0.01) { printf "# runqlat slowdown below the 1%% noise floor: counted as 1%%\n"; sr = 0.01 }
	printf "bench: lat_tracer_slowdown_vs_runqlat = %.2f ratio (goal <= 0.33)\n", sm / sr
}'

# The same three setups on the smallest scheduling workload there is: two threads on one CPU
# handing a byte back and forth over pipes (mxrt-lat-workload -P: per round two wake-ups and two
# switches, nothing else). Few instructions besides the scheduler's own, and no run-to-run
# variation in how often threads switch, so the per-event cost of each tool shows clearly.
PP="mxrt-lat-workload -P ${MXRT_BENCH_ROUNDS:-20000} -C 1"
pp() { sed -n 's/^pingpong_ns_per_round=//p' "$1"; }
three_ways pp $PP
pbase=$bare pmxrt=$traced prql=$peer
echo "# ping-pong ns per round (2 wake-ups + 2 switches), $RUNS runs each: base:$pbase; mxrt_lat:$pmxrt; runqlat:$prql"
pb=$(echo "$pbase" | median) pm=$(echo "$pmxrt" | median) pr=$(echo "$prql" | median)
awk -v b="$pb" -v m="$pm" -v r="$pr" 'BEGIN {
	printf "# median ns per round: base %d, mxrt_lat %d (+%d), runqlat %d (+%d)\n", b, m, m - b, r, r - b
	printf "bench: lat_tracer_pingpong_cost_vs_runqlat = %.2f ratio (goal <= 0.33)\n", (m - b) / (r > b ? r - b : 1)
}'
