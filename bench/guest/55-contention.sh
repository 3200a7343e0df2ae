#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh (MXRT_BENCHTOOLS=1: Debian's klockstat from
# libbpf-tools and hackbench from rt-tests in the guest). Two things, on the same kernel in the same
# run:
#
# 1. What each tool sees on the MAX30102 pipeline under contention (the driver at 1000 Hz,
#    configuration writes through sysfs and the ioctl, i2cget on the same bus, the device lock held
#    30 ms at a time): mxrt-contention and klockstat attached together over the same workload, each
#    one's view printed. klockstat hooks the mutex and rwsem functions (fentry); the device lock and
#    the adapter's bus lock are rt_mutexes, and on PREEMPT_RT spinlock_t is an rt_mutex too
#    (rtlock), which only the lock:contention_* tracepoints report.
#
# 2. What each costs a lock-heavy workload: hackbench with pipes and threads (every message takes a
#    pipe's mutex and wait-queue spinlock: many acquisitions, some of them contended), in three
#    setups: nothing attached, mxrt-contention attached (locks and I2C, stacks on: its defaults),
#    klockstat attached. Interleaved in rounds (each round: RUNS runs of each setup, each tool
#    attached once per round: few tracepoint switches per boot, see docs/testing.md), the guest's
#    clock counting instructions (bench/run.sh boots it with MXRT_ICOUNT=0), so the times are
#    instruction counts. slowdown = median(setup) / median(base) - 1; the goal compares ours with
#    klockstat's. Cost per traced event: our programs' own run time per run (kernel.bpf_stats,
#    --prog-stats), and the slowdown divided by the events we traced.
set -u
M=${MXRT_MODDIR:?}
ROUNDS=${MXRT_BENCH_ROUNDS:-3}
RUNS=${MXRT_BENCH_RUNS:-3}
HB="hackbench -p -T -g ${MXRT_BENCH_GROUPS:-2} -l ${MXRT_BENCH_LOOPS:-100}"
KL=/usr/sbin/klockstat
command -v hackbench >/dev/null && [ -x $KL ] || { echo "# hackbench or klockstat missing (scripts/setup.sh, MXRT_BENCHTOOLS=1)"; exit 1; }
command -v mxrt-contention >/dev/null || { echo "# no mxrt-contention in the guest"; exit 1; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
secs() { sed -n 's/^Time: *//p' "$1"; }
# attach_ours / attach_klock: start the tool and wait until it is attached
attach_ours() { # attach_ours OUT [ARGS]
	out=$1
	shift
	: >"$out.err"
	mxrt-contention --json "$@" >"$out" 2>"$out.err" &
	tool=$!
	i=0
	while ! grep -q attached "$out.err" && kill -0 $tool 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q attached "$out.err" || { echo "# mxrt-contention did not attach:"; cat "$out.err"; exit 1; }
}
attach_klock() { # attach_klock OUT
	$KL -s 4 -n 20 >"$1" 2>&1 &
	tool=$!
	sleep 2 # it prints nothing until the end: attached once loaded (checked after)
	kill -0 $tool 2>/dev/null || { echo "# klockstat did not start:"; cat "$1"; exit 1; }
}
detach() { kill -INT $tool; wait $tool; }

# ---- 1. the pipeline under contention, seen by both -----------------------------------------------
insmod "$M/mxrt_max30102_sim.ko" || exit 1
grep -q '^mxrt_watchdog ' /proc/modules || insmod "$M/mxrt_watchdog.ko" || exit 1
insmod "$M/mxrt_max30102.ko" test_hooks=1 || exit 1
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
DBG=/sys/kernel/debug/mxrt_max30102/max30102-0
CLIENT=$(basename "$(readlink -f /sys/class/misc/max30102-0/device)")
SYS=/sys/bus/i2c/devices/$CLIENT
BUS=${CLIENT%%-*}
echo 118 >"$SYS/pulse_width" && echo 1000 >"$SYS/sample_rate"
echo "bus_khz=400" >"$SIM/control"
attach_ours /tmp/seen.json -s 0
ours=$tool
attach_klock /tmp/seen.kl
klock=$tool
mxrt-max30102-read -n 3000 $DEV >/tmp/read.out 2>&1 &
rd=$!
(for k in $(seq 15); do i2cget -f -y "$BUS" 0x57 0xff >/dev/null 2>&1; i2cget -f -y "$BUS" 0x57 0xfe >/dev/null 2>&1; done) &
i2c=$!
for k in $(seq 6); do
	echo $((6000 + k * 200)) >"$SYS/led_ir_current"
	mxrt-max30102-ctl -d $DEV set --red-current $((6000 + k * 200)) >/dev/null
	echo "sleep 30" >"$DBG/test_hold"
done
wait $i2c
wait $rd
tool=$klock detach
tool=$ours detach
echo "# pipeline workload: $(cat /tmp/read.out)"
echo "# mxrt-contention's view (lock, kind, waits, total ns), the 12 longest:"
sed 's/{"lock":/\n&/g' /tmp/seen.json | sed -n 's/^{"lock":"0x[0-9a-f]*","name":"\([^"]*\)","name_source":"[^"]*","kind":"\([^"]*\)","count":\([0-9]*\),"total_ns":\([0-9]*\).*/#   \1 | \2 | \3 | \4/p' | head -12
kinds() { sed 's/{"lock":/\n&/g' /tmp/seen.json | grep -c "\"kind\":\"$1"; }
echo "# mxrt-contention: $(kinds rt_mutex) rt_mutex locks, $(kinds 'spinlock_t (rtlock)') spinlock_t (rtlock) locks, $(kinds mutex) mutexes, $(kinds spinlock) raw spinlocks contended"
echo "# klockstat's view (its top callers by max wait):"
grep -E '^ *[A-Za-z_].*\+0x|Caller' /tmp/seen.kl | head -16 | sed 's/^/#   /'
rl=$(kinds 'spinlock_t (rtlock)')
# klockstat's longest wait: the device lock was held 30 ms at a time, so whoever sees it sees waits
# of that order (klockstat's table: Caller, Avg Wait, Count, Max Wait, Total Wait)
kl_max=$(awk '/Avg Wait/ { wait = 1 } /Avg Hold/ { wait = 0 } wait && NF >= 8 && $1 ~ /\+0x/ {
	v = $5; u = $6; ns = v * (u == "s" ? 1e9 : u == "ms" ? 1e6 : u == "us" ? 1e3 : 1)
	if (ns > m) { m = ns; who = $1 }
} END { printf "%.0f %s\n", m, who }' /tmp/seen.kl)
dl_max=$(sed 's/{"lock":/\n&/g' /tmp/seen.json | grep '"name":"max30102-0.lock"' | sed -n 's/^[^[]*"max_ns":\([0-9]*\).*/\1/p')
bl_n=$(sed 's/{"lock":/\n&/g' /tmp/seen.json | grep "\"name\":\"i2c-$BUS.bus_lock\"" | sed -n 's/^[^[]*"count":\([0-9]*\).*/\1/p')
kl_bus=$(grep -cE 'i2c_adapter_lock_bus|i2c_transfer\+|__i2c_transfer' /tmp/seen.kl)
kl_rl=$(grep -cE 'rt_spin_lock|rtlock_' /tmp/seen.kl)
echo "# device lock max30102-0.lock (rt_mutex, held 30 ms at a time): mxrt-contention's longest wait ${dl_max:-0} ns; klockstat's longest wait of any lock: ${kl_max% *} ns (${kl_max#* })"
echo "# bus lock i2c-$BUS.bus_lock (rt_mutex): mxrt-contention ${bl_n:-0} waits; klockstat lines with the I2C core's bus locking: $kl_bus"
echo "# sleeping spinlocks (spinlock_t as rtlock): mxrt-contention $rl contended locks; klockstat lines with rt_spin_lock/rtlock: $kl_rl"
rmmod mxrt_max30102
rmmod mxrt_max30102_sim

# ---- 2. the cost on a lock-heavy workload ------------------------------------------------------------
$HB >/dev/null # warm-up
base="" mine="" theirs="" events="" progns="" progcnt=""
for r in $(seq "$ROUNDS"); do
	for k in $(seq "$RUNS"); do
		sleep 1
		$HB >/tmp/hb.out || exit 1
		base="$base $(secs /tmp/hb.out)"
	done
	attach_ours /tmp/cost.json --prog-stats -s 0
	sleep 1
	for k in $(seq "$RUNS"); do
		$HB >/tmp/hb.out || exit 1
		mine="$mine $(secs /tmp/hb.out)"
	done
	detach
	# events and program time over the round's runs (plus the idle second: small)
	events="$events $(sed -n 's/.*"lock_events":\([0-9]*\),"i2c_events":\([0-9]*\).*/\1 \2/p' /tmp/cost.json | awk '{print $1 + $2}')"
	progns="$progns $(grep -o '"run_time_ns":[0-9]*' /tmp/cost.json | cut -d: -f2 | awk '{s += $1} END {print s + 0}')"
	progcnt="$progcnt $(grep -o '"run_cnt":[0-9]*' /tmp/cost.json | cut -d: -f2 | awk '{s += $1} END {print s + 0}')"
	attach_klock /tmp/cost.kl
	for k in $(seq "$RUNS"); do
		$HB >/tmp/hb.out || exit 1
		theirs="$theirs $(secs /tmp/hb.out)"
	done
	detach
	grep -q 'Caller' /tmp/cost.kl || { echo "# klockstat printed no table:"; head -5 /tmp/cost.kl; exit 1; }
done
echo "# hackbench ($HB) seconds (instruction counts), $ROUNDS rounds x $RUNS runs:"
echo "#   base:$base"
echo "#   mxrt-contention:$mine"
echo "#   klockstat:$theirs"
echo "# mxrt-contention per round: traced events:$events; program runs:$progcnt; program ns:$progns"
mb=$(echo "$base" | median) mm=$(echo "$mine" | median) mk=$(echo "$theirs" | median)
ev=$(echo "$events" | tr ' ' '\n' | grep . | awk '{s += $1} END {print s / NR}')
pns=$(echo "$progns" | tr ' ' '\n' | grep . | awk '{s += $1} END {print s}')
pcnt=$(echo "$progcnt" | tr ' ' '\n' | grep . | awk '{s += $1} END {print s}')
awk -v b="$mb" -v m="$mm" -v k="$mk" -v ev="$ev" -v runs="$RUNS" -v pns="$pns" -v pcnt="$pcnt" 'BEGIN {
	sm = m / b - 1; sk = k / b - 1
	printf "# median seconds: base %.3f, mxrt-contention %.3f (slowdown %.1f%%), klockstat %.3f (slowdown %.1f%%)\n", b, m, 100 * sm, k, 100 * sk
	printf "# mxrt-contention traced %.0f events per run (tracepoint hits: lock begin/end, I2C)\n", ev / runs
	# the slowdown per event only means something when the slowdown stands out of the noise
	if (ev > 0 && sm > 0.02)
		printf "# slowdown per traced event: %.0f ns (the programs, their trampolines and cache effects)\n", (m - b) * 1e9 * runs / ev
	else
		printf "# slowdown per traced event: not measurable (slowdown %.1f%% within the runs'"'"' noise)\n", 100 * sm
	printf "bench: contention cost per traced event = %.0f ns (time in the programs per run, kernel.bpf_stats)\n", pcnt ? pns / pcnt : 0
	# below 1% the runs cannot tell klockstat from nothing: no ratio to judge (it was counted as 1%)
	if (sk < 0.01) { printf "# klockstat slowdown below the 1%% noise floor: no ratio (not measured)\n"; exit 1 }
	if (sm < 0) { printf "# mxrt-contention slowdown negative (within the runs'"'"' noise): counted as 0\n"; sm = 0 }
	printf "bench: contention probes vs klockstat = %.2f ratio (goal <= 1.0)\n", sm / sk
}'
