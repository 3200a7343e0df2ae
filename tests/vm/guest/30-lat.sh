#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# The per-PID latency tracer (mxrt_lat.ko) against a workload with known behaviour
# (mxrt-lat-workload: a SCHED_FIFO 50 victim woken by a timer every 50 ms; on every 4th cycle a
# SCHED_FIFO 60 hog on the same CPU spins from 10 ms before the wake-up for 30 ms, so those
# wake-ups wait about 20 ms): wake-up latency at least that long, the exact number of SLO
# violations, a worst-case trace naming the hog, thread-group tracking of threads created later,
# a zombie refused, exec from a thread of a tracked group, untrack of a thread or of a group, the
# command-line tool, the IRQ thread of the MAX30102 driver, bad input refused (EINVAL; also a NUL
# byte in a write), a writer in another pid namespace refused (EPERM), a full
# table counted, and unloading while tracking. Each check is a result of its own (@@MXRT result ...).
set -u
M=${MXRT_MODDIR:?}
SUITE=lat # ok, bad, check: tests/vm/test-env.sh
t() { if eval "$2"; then ok "$1" "${3:-}"; else bad "$1" "${3:-}"; fi; } # t NAME 'SHELL TEST' [DETAIL]
D=/sys/kernel/debug/mxrt_lat
# stat PID METRIC FIELD: FIELD of "pid tgid comm metric count min max avg p50 p99 slo violations"
lstat() {
	awk -v p="$1" -v m="$2" -v f="$3" '$1 == p && $4 == m {
		split("pid tgid comm metric count min max avg p50 p99 slo violations", n, " ")
		for (i = 1; i <= 12; i++) if (n[i] == f) print $i }' $D/stats
}
tid_of() { sed -n "s/^$1 //p" "$2" | head -1; } # tid_of NAME FILE: a thread id the workload printed
wait_line() { i=0; while ! grep -q "^$1 " "$2" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; }
HOG_MS=30 OFFSET_MS=10 CYCLES=16 EVERY=4
SLO_NS=10000000 # 10 ms: hogged cycles wait ~20 ms, free ones far less
WL="mxrt-lat-workload -c $CYCLES -k $EVERY -p 50 -H $HOG_MS -o $OFFSET_MS -C 1"
HOGGED=$(((CYCLES + EVERY - 2) / EVERY)) # cycles 1, 5, 9, 13

insmod "$M/mxrt_lat.ko" || { echo "FAIL: cannot load mxrt_lat"; exit 1; }
check loaded-with-timer-sleep-detection grep -q "timer_sleeps: detected" $D/status

# 1. bad input is refused and changes nothing
before=$(cat $D/status)
bad_commands_refused() {
	for c in 'bogus' 'pid' 'pid 0' 'pid -5' 'pid 12x' 'pid 999999' 'tgid 999999' 'untrack 4242' \
		'slo nosuch 5' 'slo wakeup 0' 'slo wakeup abc' 'capture maybe' 'reset 1 2' 'clear now' \
		'pid 1 2 3 4 5'; do
		if echo "$c" >$D/control 2>/dev/null; then echo "accepted: $c"; return 1; fi
	done
}
check bad-commands-refused bad_commands_refused
check bad-commands-change-nothing [ "$before" = "$(cat $D/status)" ]
mxrt-lat bogus >/dev/null 2>&1; rc1=$?
mxrt-lat slo wakeup 12ms >/dev/null 2>&1; rc2=$?
mxrt-lat track 999999 >/dev/null 2>/tmp/err; rc3=$?
check cli-bad-input-exit-codes [ "$rc1-$rc2-$rc3" = "2-2-1" ]
check cli-explains-refusal grep -q "no such process" /tmp/err
# a NUL byte does not end a command: the whole write is refused, not run as the part before it
sleep 100 &
sl=$!
echo "pid $sl" >$D/control
check nul-byte-refused sh -c "echo -ne 'untrack $sl\\0 6' 2>&1 >$D/control | grep -q 'Invalid argument' && grep -q '^$sl .* tracking ' $D/tasks"
# a writer in another pid namespace is refused: its "pid 1" is not the files' (the host's) pid 1
tasks_before=$(cut -d' ' -f1-4 $D/tasks) # pid tgid comm state (tracked_ms goes on)
if unshare -p -f true 2>/dev/null; then
	check other-pid-namespace-refused sh -c "unshare -p -f sh -c 'echo pid 1 >$D/control' 2>&1 | grep -q 'Operation not permitted'"
	check other-pid-namespace-changes-nothing [ "$tasks_before" = "$(cut -d' ' -f1-4 $D/tasks)" ]
else # the debug kernel (tinyconfig based) has no namespaces
	skipped other-pid-namespace-refused "this kernel has no pid namespaces (unshare -p: $(unshare -p -f true 2>&1 | head -1))"
fi
echo "untrack $sl" >$D/control
kill $sl
wait $sl 2>/dev/null

# 2. PID tracking: wake-up latency, exact SLO violations, the worst-case trace names the hog
rm -f /tmp/go1
$WL -g /tmp/go1 >/tmp/w1 2>&1 &
wl=$!
wait_line mxrt-victim /tmp/w1
victim=$(tid_of mxrt-victim /tmp/w1)
check track-pid mxrt-lat track "$victim"
check track-pid-twice-refused sh -c "! echo pid $victim >$D/control 2>/dev/null"
mxrt-lat slo wakeup $SLO_NS && mxrt-lat slo response 25000000 && touch /tmp/go1
wait $wl
cat /tmp/w1 | tail -1
mxrt-lat show "$victim"
mxrt-lat traces "$victim" | head -40
count=$(lstat "$victim" wakeup count) max=$(lstat "$victim" wakeup max) viol=$(lstat "$victim" wakeup violations)
t wakeup-count "[ ${count:-0} -ge $CYCLES ]" "count=$count"
# The tracer's clock starts at the wake-up itself, which comes when the victim's timer interrupt
# does: under TCG that was seen 2.1 ms late (x86_64-rt-6.1 in CI: 17.86 ms). The hog therefore
# spins until 20 ms after it saw the victim woken (its summary counts the cycles where that came
# over 1 ms late: hog_extended), so every hogged wake-up waits about that long. Three quarters of
# it is the bound below: well above the 10 ms SLO the exact violation count separates hogged from
# free cycles with.
min_ns=$(((HOG_MS - OFFSET_MS) * 1000000 * 3 / 4))
t wakeup-max-at-least-the-hog "[ ${max:-0} -ge $min_ns ]" "max=$max ns, hog keeps it off >= $min_ns"
worst_free=$(sed -n 's/.*worst_free_ns=\([0-9]*\).*/\1/p' /tmp/w1)
if [ "${worst_free:-0}" -lt $((SLO_NS / 2)) ]; then
	t wakeup-violations-exact '[ "${viol:-x}" = "$HOGGED" ]' "violations=$viol, hogged cycles=$HOGGED"
else
	# The machine itself kept a free cycle waiting (a loaded host stalls the emulated one): the
	# exact count cannot be known in advance, only its bounds. Every hogged cycle violates; a free
	# one can only if user space saw it wait longer than the SLO (user space measures from the
	# timer's expiry, so it sees at least the wake-up latency the tracer measures).
	slow_free=$(awk -v slo=$SLO_NS '$1 == "cycle" && $3 == "free" && $4 > slo { n++ } END { print n + 0 }' /tmp/w1)
	t wakeup-violations-bounded '[ "${viol:-0}" -ge "$HOGGED" ] && [ "${viol:-0}" -le $((HOGGED + slow_free)) ]' \
		"violations=$viol, hogged cycles=$HOGGED, free cycles that waited over the SLO in user space=$slow_free"
	skipped wakeup-violations-exact "a free cycle waited $worst_free ns in user space: the machine stood still, so only the bounds above can be checked"
fi
t response-and-relief-measured "[ $(lstat "$victim" response count) -ge $CYCLES ] && [ $(lstat "$victim" relief count) -ge $((CYCLES - 1)) ]"
t relief-covers-the-work "[ $(lstat "$victim" relief min) -ge 200000 ]" "a cycle works 200 us before its timer sleep"
awk -v p="$victim" '$1 == "#" && $2 == "pid" {on = ($3 == p && $5 == "wakeup")} on' $D/traces >/tmp/tr1
check worst-trace-names-the-hog grep -q "mxrt-hog/" /tmp/tr1
check worst-trace-value-is-the-max grep -q "^value_ns=$max " /tmp/tr1
check exited-task-reported sh -c "grep -q '^$victim .* exited ' $D/tasks && dmesg | grep -q 'final report: pid $victim '"

# 3. thread groups: the victim and hog are created only after tracking started (-l)
rm -f /tmp/go2
$WL -l -g /tmp/go2 >/tmp/w2 2>&1 &
wl=$!
wait_line main /tmp/w2
main=$(tid_of main /tmp/w2)
check track-group mxrt-lat track -g "$main"
touch /tmp/go2
wait $wl
victim2=$(tid_of mxrt-victim /tmp/w2)
hog2=$(tid_of mxrt-hog /tmp/w2)
# Exit reports come in one batch 100 ms after the last exit (at most 1 s after the first), by
# themselves: nothing here reads tasks or stats (which would print them) before this check.
sleep 2
check exit-reports-come-by-themselves sh -c "dmesg | grep -q 'final report: pid $victim2 tgid $main .*exited' && dmesg | grep -q 'final report: pid $hog2 tgid $main .*exited'"
check group-covers-later-threads sh -c "grep -q '^$victim2 $main mxrt-victim ' $D/tasks && grep -q '^$hog2 $main mxrt-hog ' $D/tasks"
t group-later-thread-measured "[ $(lstat "$victim2" wakeup count) -ge $CYCLES ]"
check group-forgotten-after-exit sh -c "! grep -q 'groups:.* $main' $D/status"

# 3b. tasks that end their life in other ways: a zombie, exec from a thread; untrack's rule
bad_number_einval() { # out of range is bad input like any other: EINVAL, not ERANGE
	# (2^64 + 1 and + 100 too: 2^64 itself wraps to 0, refused for another reason)
	for c in 'pid 99999999999' 'tgid 2147483648' 'slo wakeup 18446744073709551616' 'slo wakeup 18446744073709551617' \
		'tgid 18446744073709551716'; do
		sh -c "echo '$c' >$D/control" 2>&1 | grep -q 'Invalid argument' || { echo "not EINVAL: $c"; return 1; }
	done
}
check out-of-range-numbers-einval bad_number_einval
rm -f /tmp/goz
mxrt-lat-workload -Z -g /tmp/goz >/tmp/wz 2>&1 &
wl=$!
wait_line zombie /tmp/wz
zombie=$(tid_of zombie /tmp/wz)
check zombie-refused sh -c "echo pid $zombie 2>&1 >$D/control | grep -q 'No such process'"
touch /tmp/goz
wait $wl
check zombie-not-tracking-after-reap sh -c "grep -q '^reaped $zombie' /tmp/wz && ! grep -q '^$zombie .* tracking ' $D/tasks"
rm -f /tmp/gox
mxrt-lat-workload -X -g /tmp/gox >/tmp/wx 2>&1 &
wl=$!
wait_line mxrt-execer /tmp/wx
main=$(tid_of main /tmp/wx)
execer=$(tid_of mxrt-execer /tmp/wx)
check exec-group-tracked mxrt-lat track -g "$main"
touch /tmp/gox
i=0; while ! grep -q "^$main $main sleep " $D/tasks && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat $D/tasks
check exec-old-pid-not-tracking sh -c "grep -q '^$execer $main mxrt-execer exec ' $D/tasks && ! grep -q '^$execer .* tracking ' $D/tasks"
check exec-thread-tracked-under-new-pid grep -q "^$main $main sleep tracking " $D/tasks
wait $wl
check exec-group-forgotten-after-exit sh -c "! grep -q 'groups:.* $main' $D/status && ! grep -q ' tracking ' $D/tasks"
rm -f /tmp/gou
mxrt-lat-workload -X -g /tmp/gou >/tmp/wu 2>&1 & # never goes: two threads to untrack
wl=$!
wait_line mxrt-execer /tmp/wu
main=$(tid_of main /tmp/wu)
execer=$(tid_of mxrt-execer /tmp/wu)
echo "pid $main" >$D/control && echo "pid $execer" >$D/control && echo "untrack $main" >$D/control
check untrack-main-thread-only sh -c "grep -q '^$main .* untracked ' $D/tasks && grep -q '^$execer .* tracking ' $D/tasks"
echo "tgid $main" >$D/control && echo "untrack $main" >$D/control
check untrack-group-all-threads sh -c "! grep -q ' tracking ' $D/tasks && ! grep -q 'groups:.* $main' $D/status"
kill $wl
wait $wl 2>/dev/null
# a thread the kernel makes in a tracked group without clone(): io_uring's SQPOLL thread
rm -f /tmp/gor
mxrt-lat-workload -U -g /tmp/gor >/tmp/wr 2>&1 &
wl=$!
wait_line main /tmp/wr
main=$(tid_of main /tmp/wr)
echo "tgid $main" >$D/control
touch /tmp/gor
wait_line sqpoll /tmp/wr
sqp=$(grep -l "^iou-sqp-$main\$" /proc/$main/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5)
echo "io_uring: $(cat /tmp/wr | tr '\n' ' ') sqpoll thread ${sqp:-none}"
check io-uring-thread-of-group-tracked sh -c "[ -n '$sqp' ] && grep -q '^$sqp $main iou-sqp-$main tracking ' $D/tasks"
kill $wl
wait $wl 2>/dev/null
echo "untrack $main" >$D/control 2>/dev/null

# 4. the tool runs a command and reports on it
mxrt-lat clear
mxrt-lat run -s wakeup=$SLO_NS -- $WL -c 8 >/tmp/run.out 2>&1
rc=$?
cat /tmp/run.out | grep -v '^cycle'
t cli-run "[ $rc = 0 ] && grep -q 'mxrt-victim .*wakeup' /tmp/run.out"

# 5. an IRQ thread (the MAX30102 driver's, against the simulator)
if insmod "$M/mxrt_max30102_sim.ko" && load_driver; then
	wait_device /dev/max30102-0 || echo "/dev/max30102-0 missing: the IRQ thread check below fails"
	client=$(basename "$(readlink -f /sys/class/misc/max30102-0/device)")
	irqt=$(grep -l "^irq/.*-$client" /proc/[0-9]*/comm 2>/dev/null | head -1 | cut -d/ -f3)
	if [ -n "$irqt" ]; then
		mxrt-lat track "$irqt"
		mxrt-max30102-read -n 400 /dev/max30102-0 >/dev/null
		mxrt-lat show "$irqt"
		t irq-thread-run-time "grep -q '^$irqt .* tracking 1 ' $D/tasks && [ $(lstat "$irqt" irqthread count) -ge 5 ] && [ $(lstat "$irqt" irqthread max) -gt 0 ]"
		mxrt-lat untrack "$irqt"
		t untrack-reports "grep -q '^$irqt .* untracked ' $D/tasks && dmesg | grep -q 'final report: pid $irqt .*untracked'"
	else
		bad irq-thread-run-time "no IRQ thread for $client"
	fi
	unload_driver && rmmod mxrt_max30102_sim
else
	bad irq-thread-run-time "cannot load the MAX30102 simulator and driver"
fi

# 6. unloading while tracking a live task: its final report, a clean log
sleep 100 &
sl=$!
mxrt-lat track $sl
check unload-while-tracking rmmod mxrt_lat
check unload-final-report sh -c "dmesg | grep -q 'final report: pid $sl .*unloaded'"
kill $sl

# 7. the table is bounded: max_tasks is checked, a full table says so
check bad-max-tasks-refused sh -c "! insmod $M/mxrt_lat.ko max_tasks=0 2>/dev/null && ! insmod $M/mxrt_lat.ko max_tasks=257 2>/dev/null"
# decimal only: 010 is 10 (the kernel's uint took it as octal 8), 0x10 and +8 are refused
max_tasks_decimal() {
	! insmod "$M/mxrt_lat.ko" max_tasks=0x10 2>/dev/null && ! insmod "$M/mxrt_lat.ko" max_tasks=+8 2>/dev/null &&
		insmod "$M/mxrt_lat.ko" max_tasks=010 || return 1
	v=$(cat /sys/module/mxrt_lat/parameters/max_tasks)
	rmmod mxrt_lat
	echo "max_tasks=010 loaded as $v"
	[ "$v" = 10 ]
}
check max-tasks-decimal-only max_tasks_decimal
insmod "$M/mxrt_lat.ko" max_tasks=2
sleep 100 & a=$!
sleep 100 & b=$!
sleep 100 & c=$!
mxrt-lat track $a $b
mxrt-lat track $c 2>/tmp/err; rc=$?
t full-table-refused "[ $rc = 1 ] && grep -q 'no free task slot' /tmp/err && grep -q 'memory_bytes: ' $D/status"
kill $a $b $c
wait $a $b $c 2>/dev/null
mxrt-lat clear
rm -f /tmp/go3
$WL -g /tmp/go3 >/tmp/w3 2>&1 & # main, victim and hog: three threads for two slots
wl=$!
wait_line mxrt-hog /tmp/w3
main=$(tid_of main /tmp/w3)
mxrt-lat track -g "$main" 2>/tmp/err; rc=$?
t group-that-does-not-fit-tracks-nothing "[ $rc = 1 ] && grep -q 'no free task slot' /tmp/err && grep -q '^tracking: 0' $D/status && ! grep -q 'groups:.* $main' $D/status"
touch /tmp/go3
wait $wl
rmmod mxrt_lat
# 8. a process that makes a thread per request, one after another, in a table of 8: the report
# pass after each exit evicts the oldest finished threads to keep a slot free, so every new thread
# is tracked, and mxrt-lat run says how many finished ones left the table (their reports: dmesg)
insmod "$M/mxrt_lat.ko" max_tasks=8
mxrt-lat run -- $WL -T 12 >/tmp/churn 2>&1
rc=$?
sleep 1.5 # the last exits' reports (100 ms after a burst)
cat /tmp/churn
wlp=$(sed -n 's/^main //p' /tmp/churn)
full=$(sed -n 's/^not_tracked_table_full: //p' $D/status)
evicted=$(sed -n 's/^evicted_finished: //p' $D/status)
reports=$(dmesg | grep -c "final report: pid [0-9]* tgid ${wlp:-none} .*exited")
# main and 12 threads in 8 slots: from the 7th thread on, each needs the slot of an evicted one
echo "thread churn: not_tracked_table_full=$full evicted_finished=$evicted final reports=$reports"
t churn-every-thread-tracked "[ $rc = 0 ] && grep -q 'threads 12 done' /tmp/churn && [ '$full' = 0 ] && [ '$evicted' = 6 ] && [ '$reports' = 13 ]"
t churn-evictions-said "grep -q 'finished task(s) were evicted during the run' /tmp/churn && ! grep -q 'not tracked during the run' /tmp/churn"
rmmod mxrt_lat
# 9. at most 16 groups (status: max_groups), the 17th refused as such, not as a full table; a
# thread's id given as a group is named as a thread of its process
insmod "$M/mxrt_lat.ko"
sleeps=
for _ in $(seq 17); do sleep 100 & sleeps="$sleeps $!"; done
for p in $sleeps; do mxrt-lat track -g "$p" 2>/tmp/err || break; done
t group-limit-named "grep -q '^max_groups: 16$' $D/status && [ \$(sed -n 's/^groups://p' $D/status | wc -w) = 16 ] && grep -q 'tracks 16 groups at most' /tmp/err" "$(cat /tmp/err)"
# shellcheck disable=SC2086 # the list of pids
kill $sleeps
# shellcheck disable=SC2086
wait $sleeps 2>/dev/null
rm -f /tmp/go4
$WL -g /tmp/go4 >/tmp/w4 2>&1 &
wl=$!
wait_line mxrt-hog /tmp/w4
main=$(tid_of main /tmp/w4)
victim=$(tid_of mxrt-victim /tmp/w4)
mxrt-lat track -g "$victim" 2>/tmp/err
t group-of-a-thread-named "grep -q \"$victim is a thread of process $main, not a process\" /tmp/err && grep -q '^tracking: 0' $D/status" "$(cat /tmp/err)"
touch /tmp/go4
wait $wl
rmmod mxrt_lat
exit $fail
