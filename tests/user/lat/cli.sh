#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. mxrt-lat's own checks, without a kernel: bad commands and arguments are
# refused with a usage message (exit 2) before anything reaches the tracer; a missing tracer is
# explained (exit 1); against a stand-in directory (-d) it writes exactly one command per control
# write and turns the tracer's stats/hist/traces files into its table, bars and trace blocks.
# The real tracer is exercised in the VM guests (tests/vm/guest/30-lat.sh).
# Ends with "tools: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
bin=build/host/bin/mxrt-lat
make --no-print-directory -s -f tests/unit/unit.mk "$bin" || { echo "tools: 0 passed, 1 failed, 0 skipped"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
suite=lat-cli
skipped=0
. tests/user/lib.bash

d=$t/mxrt_lat
mkdir "$d"
: >"$d/control"
expect no-command 2 'usage: mxrt-lat' -d "$d"
# the tracer's directory: missing, there without the tracer's files, or an empty name
expect dir-missing 1 "$t/nosuch not found: load mxrt_lat.ko" -d "$t/nosuch" show
expect dir-not-the-tracers 1 "$t has no control file: not the tracer's directory \(the default is /sys/kernel/debug/mxrt_lat\)" -d "$t" show
expect dir-empty 2 "-d: an empty directory name" -d "" show
# a directory the user may not look into (debugfs is mode 0700): not "load mxrt_lat.ko"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$bin" -d "$d" show 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$out" = "mxrt-lat: $d: Permission denied (debugfs is root's: run mxrt-lat as root)" ]; then
		res PASS dir-not-permitted
	else res FAIL dir-not-permitted "exit $rc: $out"; fi
else
	echo "SKIP: $suite:dir-not-permitted (needs root and setpriv, to run as another user)"
	skipped=$((skipped + 1))
fi
expect help 0 'Subcommands:' --help
expect track-pids-and-group 2 'PIDs or -g TGID, not both' -d "$d" track 5 -g 6
expect unknown-command 2 'unknown command' -d "$d" frobnicate
expect track-needs-pid 2 'which pid' -d "$d" track
expect track-bad-pid 2 "'12x' is not a pid" -d "$d" track 5 12x
# a pid is 1..2147483647 (the module's range), checked for every argument before the first is written
expect track-pid-over-int 2 "'2147483648' is not a pid \(1\.\.2147483647\)" -d "$d" track 5 2147483648
expect track-pid-huge 2 "'99999999999999999999' is not a pid" -d "$d" track 99999999999999999999
expect untrack-pid-over-int 2 "'2147483648' is not a pid" -d "$d" untrack 2147483648
expect slo-pid-over-int 2 "'4294967297' is not a pid" -d "$d" slo wakeup 100 4294967297
# an empty pid (an unset $PID) is no pid, not "all tasks": reset "" reset everyone's statistics
expect reset-empty-pid 2 "'' is not a pid" -d "$d" reset ""
expect slo-empty-pid 2 "'' is not a pid" -d "$d" slo wakeup 100 ""
expect track-empty-group 2 "'' is not a pid" -d "$d" track -g ""
if [ -s "$d/control" ]; then res FAIL empty-pids-write-nothing "$(cat "$d/control")"; else res PASS empty-pids-write-nothing; fi
expect run-slo-over-u64 2 'METRIC=NS' -d "$d" run -s wakeup=18446744073709551616 -- true
expect slo-bad-metric 2 "unknown metric 'latency'" -d "$d" slo latency 100
expect slo-bad-bound 2 'positive number of ns' -d "$d" slo wakeup 10ms
expect slo-zero-bound 2 'positive number of ns' -d "$d" slo wakeup 0
expect capture-bad 2 'metrics with an SLO., all or off' -d "$d" capture maybe
expect show-too-many 2 'too many arguments' -d "$d" show 1 2
# an option the command does not have is named, not taken for "too many arguments"
expect global-option-after-command 2 "show: unknown option '-d' \(the global option -d goes before" show -d "$d"
# run's command after -- forgotten: its option was taken for run's, and only -d was hinted at
expect run-command-without-dashes 2 "run: unknown option '-l' \(the command goes after --: mxrt-lat run" -d "$d" run -s wakeup=5 ls -l /dev/null
# a pid twice: the second 'pid N' failed (already tracked) and all-or-none untracked N again
expect track-pid-twice 2 'track: pid 1 given twice' -d "$d" track 1 1
expect run-no-command 2 'no command after --' -d "$d" run --
expect run-bad-slo 2 'METRIC=NS' -d "$d" run -s wakeup -- true
expect run-help-says-global-slo 0 "global .* kept after the run" -d "$d" run --help
if [ -s "$d/control" ]; then res FAIL nothing-written-on-bad-input "$(cat "$d/control")"
else res PASS nothing-written-on-bad-input; fi
expect missing-tracer 1 'load mxrt_lat.ko' -d "$t/none" status

# one command per write: the stand-in control file holds the last one
: >"$d/control"
"$bin" -d "$d" slo wakeup 250000 7
if [ "$(cat "$d/control")" = "slo wakeup 250000 7" ]; then res PASS writes-one-command
else res FAIL writes-one-command "$(cat "$d/control")"; fi
: >"$d/control"
"$bin" -d "$d" track -g 42
if [ "$(cat "$d/control")" = "tgid 42" ]; then res PASS track-group-command
else res FAIL track-group-command "$(cat "$d/control")"; fi
# the largest pid and the largest bound the module takes (docs/lat.md: 1..2^31-1, 1..2^64-1)
: >"$d/control"
"$bin" -d "$d" track 2147483647
if [ "$(cat "$d/control")" = "pid 2147483647" ]; then res PASS track-largest-pid
else res FAIL track-largest-pid "$(cat "$d/control")"; fi
: >"$d/control"
"$bin" -d "$d" slo wakeup 18446744073709551615
if [ "$(cat "$d/control")" = "slo wakeup 18446744073709551615" ]; then res PASS slo-largest-bound
else res FAIL slo-largest-bound "$(cat "$d/control")"; fi
expect slo-bound-over-u64 2 'positive number of ns' -d "$d" slo wakeup 18446744073709551616

# track PID...: all or none. A pid the tracer refuses untracks, newest first, the ones the same
# command tracked before it (the shim logs every command and refuses "pid 7" with ESRCH)
if ${CC:-cc} -shared -fPIC -o "$t/control_shim.so" tests/user/lat/control_shim.c -ldl; then
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='pid 7' LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track 5 6 7 8 2>&1)
	got=$?
	log=$(tr '\n' , <"$t/commands")
	if [ "$got" = 1 ] && [ "$log" = "pid 5,pid 6,refused pid 7,untrack 6,untrack 5," ] &&
		grep -q "'pid 7': no such process; untracked again what this command tracked: 6 5" <<<"$out"; then
		res PASS track-refused-pid-undoes-the-others
	else res FAIL track-refused-pid-undoes-the-others "exit $got, commands $log: $(head -c 300 <<<"$out")"; fi
	rm -f "$t/commands"
	# a pid that is a tracked group's tgid is not undone: "untrack 5" would forget the group
	printf 'groups: 9 5\n' >"$d/status"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='pid 7' LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track 5 6 7 2>&1)
	got=$?
	log=$(tr '\n' , <"$t/commands")
	rm -f "$d/status"
	if [ "$got" = 1 ] && [ "$log" = "pid 5,pid 6,refused pid 7,untrack 6," ] &&
		grep -q "untracked again what this command tracked: 6 5 (left tracked: untrack 5 would forget its whole tracked group)" <<<"$out"; then
		res PASS track-undo-keeps-a-tracked-group
	else res FAIL track-undo-keeps-a-tracked-group "exit $got, commands $log: $(head -c 300 <<<"$out")"; fi
	rm -f "$t/commands"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='pid 5' LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track 5 6 2>&1)
	got=$?
	log=$(tr '\n' , <"$t/commands")
	if [ "$got" = 1 ] && [ "$log" = "refused pid 5," ] && grep -q "^mxrt-lat: 'pid 5': no such process$" <<<"$out"; then
		res PASS track-first-pid-refused
	else res FAIL track-first-pid-refused "exit $got, commands $log: $(head -c 300 <<<"$out")"; fi
	# ENOSPC for a group: the 16-group limit is named when it is the cause (status lists as many
	# groups as max_groups), the task slots otherwise; EINVAL for a thread's id names its process
	enospc=$(python3 -c 'import errno; print(errno.ENOSPC)')
	einval=$(python3 -c 'import errno; print(errno.EINVAL)')
	printf 'groups: %s\nmax_groups: 16\n' "$(seq -s ' ' 101 116)" >"$d/status"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='tgid 5' MXRT_LAT_ERRNO=$enospc LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track -g 5 2>&1)
	got=$?
	if [ "$got" = 1 ] && grep -q "^mxrt-lat: 'tgid 5': the tracer tracks 16 groups at most, and all are in use" <<<"$out"; then
		res PASS track-group-limit-named
	else res FAIL track-group-limit-named "exit $got: $(head -c 300 <<<"$out")"; fi
	printf 'groups: 101 102\nmax_groups: 16\n' >"$d/status"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='tgid 5' MXRT_LAT_ERRNO=$enospc LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track -g 5 2>&1)
	got=$?
	rm -f "$d/status" "$t/commands"
	if [ "$got" = 1 ] && grep -q "^mxrt-lat: 'tgid 5': no free task slot (max_tasks" <<<"$out"; then
		res PASS track-group-no-slot-named
	else res FAIL track-group-no-slot-named "exit $got: $(head -c 300 <<<"$out")"; fi
	# a thread of a process of our own (python's second thread), refused as the module does
	python3 -c 'import os, sys, threading, time
t = threading.Thread(target=time.sleep, args=(30,), daemon=True); t.start()
open(sys.argv[1] + ".new", "w").write("%d %d\n" % (os.getpid(), t.native_id))
os.rename(sys.argv[1] + ".new", sys.argv[1]); time.sleep(30)' "$t/thread" &
	for _ in $(seq 50); do [ -e "$t/thread" ] && break; sleep 0.1; done
	thread_ids=$(cat "$t/thread" 2>/dev/null)
	read -r tg tid <<<"$thread_ids"
	if [ -n "${tid:-}" ] && [ -d "/proc/$tid" ]; then
		out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE="tgid $tid" MXRT_LAT_ERRNO=$einval LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" track -g "$tid" 2>&1)
		got=$?
		if [ "$got" = 1 ] && grep -q "^mxrt-lat: 'tgid $tid': $tid is a thread of process $tg, not a process ('mxrt-lat track -g $tg' tracks the process, 'mxrt-lat track $tid' this thread)$" <<<"$out"; then
			res PASS track-group-of-a-thread-named
		else res FAIL track-group-of-a-thread-named "exit $got: $(head -c 300 <<<"$out")"; fi
	else res FAIL track-group-of-a-thread-named "no thread to ask for ($thread_ids)"; fi
	kill "$tg" 2>/dev/null
	rm -f "$t/commands"
	# run -s: the command tracked first, the global SLOs after; a refused tracking sets none (they
	# were written first, and stayed), a refused SLO untracks the command, which never runs
	rm -f "$t/commands" "$t/ran"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='tgid *' LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" run \
		-s wakeup=1000 -- touch "$t/ran" 2>&1)
	got=$?
	log=$(tr '\n' , <"$t/commands")
	if [ "$got" = 1 ] && [[ "$log" =~ ^refused\ tgid\ [0-9]+,$ ]] && [ ! -e "$t/ran" ]; then
		res PASS run-refused-tracking-sets-no-slo
	else res FAIL run-refused-tracking-sets-no-slo "exit $got, commands $log: $(head -c 300 <<<"$out")"; fi
	rm -f "$t/commands"
	out=$(MXRT_LAT_LOG=$t/commands MXRT_LAT_REFUSE='slo wakeup 1000' LD_PRELOAD=$t/control_shim.so "$bin" -d "$d" \
		run -s wakeup=1000 -- touch "$t/ran" 2>&1)
	got=$?
	log=$(tr '\n' , <"$t/commands")
	if [ "$got" = 1 ] && [[ "$log" =~ ^tgid\ ([0-9]+),refused\ slo\ wakeup\ 1000,untrack\ ([0-9]+),$ ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ ! -e "$t/ran" ]; then
		res PASS run-refused-slo-untracks-and-runs-nothing
	else res FAIL run-refused-slo-untracks-and-runs-nothing "exit $got, commands $log: $(head -c 300 <<<"$out")"; fi
	rm -f "$t/commands"
else res FAIL track-refused-pid-undoes-the-others "the control shim does not build"; fi

cat >"$d/tasks" <<'T'
# pid tgid comm state irq_thread tracked_ms
100 100 ctl tracking 0 5
T
cat >"$d/stats" <<'T'
# pid tgid comm metric count min_ns max_ns avg_ns p50_ns p99_ns slo_ns violations
100 100 ctl wakeup 3 1500 25000 9000 4095 32767 10000 1
101 100 other wakeup 0 - 0 - - - - 0
T
expect show-table 0 ' 100 +100 ctl +tracking +wakeup +3 +1\.5 +9\.0 +4\.1 +32\.8 +25\.0 +10\.0 +1$' -d "$d" show 100
# run: threads of tracked groups that found no slot while the command ran (the status counter
# grew, here by the command itself: 2 -> 5) are said after the table, not left unsaid
printf 'not_tracked_table_full: 2\n' >"$d/status"
out=$("$bin" -d "$d" run -- sh -c "printf 'not_tracked_table_full: 5\\n' >'$d/status'" 2>&1)
got=$?
if [ "$got" = 0 ] && grep -q "^mxrt-lat: 3 new thread(s) of tracked groups .* were not tracked during the run" <<<"$out"; then
	res PASS run-says-threads-not-tracked-for-lack-of-slots
else res FAIL run-says-threads-not-tracked-for-lack-of-slots "exit $got: $(head -c 300 <<<"$out")"; fi
out=$("$bin" -d "$d" run -- true 2>&1)
if ! grep -q "not tracked during the run\|evicted during the run" <<<"$out"; then res PASS run-quiet-when-every-thread-fit
else res FAIL run-quiet-when-every-thread-fit "$(head -c 300 <<<"$out")"; fi
# finished tasks the report pass evicted during the run (to keep slots free for new threads) are
# not in the table: said, with where their final reports are
printf 'evicted_finished: 1\n' >"$d/status"
out=$("$bin" -d "$d" run -- sh -c "printf 'evicted_finished: 4\n' >'$d/status'" 2>&1)
got=$?
if [ "$got" = 0 ] && grep -q "^mxrt-lat: 3 finished task(s) were evicted during the run .* final reports are in the kernel log" <<<"$out"; then
	res PASS run-says-finished-tasks-evicted
else res FAIL run-says-finished-tasks-evicted "exit $got: $(head -c 300 <<<"$out")"; fi
rm -f "$d/status"
# a pid listed twice (untracked, then tracked again): each entry's rows show its own state, by
# the order both files list the entries in (the last line of tasks for every row labelled both
# "tracking")
cp "$d/tasks" "$d/tasks.1" && cp "$d/stats" "$d/stats.1"
cat >"$d/tasks" <<'T'
# pid tgid comm state irq_thread tracked_ms
203 203 sleep untracked 0 300
100 100 ctl tracking 0 5
203 203 sleep tracking 0 9
T
cat >"$d/stats" <<'T'
# pid tgid comm metric count min_ns max_ns avg_ns p50_ns p99_ns slo_ns violations
203 203 sleep wakeup 7 1000 2000 1500 1500 2000 - 0
203 203 sleep irqthread 0 - 0 - - - - 0
100 100 ctl wakeup 3 1500 25000 9000 4095 32767 10000 1
100 100 ctl irqthread 0 - 0 - - - - 0
203 203 sleep wakeup 1 5000 5000 5000 5000 5000 - 0
203 203 sleep irqthread 0 - 0 - - - - 0
T
out=$("$bin" -d "$d" show 203 2>&1)
got=$?
if [ "$got" = 0 ] && grep -qE '^ +203 +203 sleep +untracked +wakeup +7 ' <<<"$out" &&
	grep -qE '^ +203 +203 sleep +tracking +wakeup +1 ' <<<"$out" &&
	[ "$(grep -c ' untracked ' <<<"$out")" = 2 ] && [ "$(grep -c ' tracking ' <<<"$out")" = 2 ]; then
	res PASS show-state-of-each-entry-of-a-pid
else res FAIL show-state-of-each-entry-of-a-pid "exit $got: $(head -c 400 <<<"$out")"; fi
# a metric with no event: its max is "-" like the others (the module writes max_ns 0 there)
expect show-empty-metric-max 0 '^ +100 +100 ctl +tracking +irqthread +0 +- +- +- +- +- +- +0$' -d "$d" show 100
mv "$d/tasks.1" "$d/tasks" && mv "$d/stats.1" "$d/stats"
# run: Ctrl-C (SIGINT to the whole process group, here a group of its own, with SIGINT's default
# action as in a terminal) ends the command, not mxrt-lat: the table and 128 + 2 still come
group() { python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }
out=$(group "$bin" -d "$d" run -- sh -c 'kill -INT 0; sleep 5' 2>&1)
got=$?
if [ "$got" = 130 ] && grep -qE '^ *PID +TGID' <<<"$out" && grep -q 'sh was killed by signal 2' <<<"$out"; then
	res PASS run-ctrl-c-reports
else res FAIL run-ctrl-c-reports "exit $got: $(head -c 300 <<<"$out")"; fi
expect run-exit-status 0 'PID +TGID' -d "$d" run -- true
expect run-exit-status-3 3 'PID +TGID' -d "$d" run -- sh -c 'exit 3'
# the command's pid was an earlier, finished task's (pids wrap): that entry's rows are said to be
# another task's. The pid is steered with ns_last_pid (root); another process can take it first,
# so a few tries.
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/kernel/ns_last_pid ]; then
	cp "$d/tasks" "$d/tasks.r" && cp "$d/stats" "$d/stats.r"
	said=no
	for _ in 1 2 3 4 5; do
		# the shell's and mxrt-lat's forks come first: earlier entries for the next few pids
		x0=$(($(cat /proc/sys/kernel/ns_last_pid) + 500))
		for x in $((x0 + 1)) $((x0 + 2)) $((x0 + 3)) $((x0 + 4)); do
			printf '%s %s old-app exited 0 5\n' "$x" "$x" >>"$d/tasks"
			printf '%s %s old-app wakeup 1 95000000 95000000 95000000 95000000 95000000 - 0\n' "$x" "$x" >>"$d/stats"
		done
		: >"$d/control"
		echo "$x0" >/proc/sys/kernel/ns_last_pid
		out=$("$bin" -d "$d" run -- true 2>&1)
		cp "$d/tasks.r" "$d/tasks" && cp "$d/stats.r" "$d/stats"
		x=$(sed -n 's/^tgid //p' "$d/control")
		[ -n "$x" ] && [ "$x" -gt "$x0" ] && [ "$x" -le $((x0 + 4)) ] || continue
		if grep -q "^mxrt-lat: pid $x was also that of 1 earlier task entry still in the table" <<<"$out"; then said=yes
		else said="not said: $(head -c 300 <<<"$out")"; fi
		break
	done
	rm -f "$d/tasks.r" "$d/stats.r"
	case $said in
	yes) res PASS run-reused-pid-said ;;
	no) echo "SKIP: $suite:run-reused-pid-said (five tries, and another process took the pid each time)"; skipped=$((skipped + 1)) ;;
	*) res FAIL run-reused-pid-said "$said" ;;
	esac
else
	echo "SKIP: $suite:run-reused-pid-said (needs root, to choose the next pid)"; skipped=$((skipped + 1))
fi
expect show-filters 0 'no tracked or finished task with that id' -d "$d" show 555
cat >"$d/hist" <<'T'
# pid 100 ctl wakeup: lo_ns hi_ns count
1024 2048 1
8192 16384 2
T
expect hist-bars 0 '8\.2 \.\. 16\.4 +2 #{41}' -d "$d" hist 100
expect hist-header-in-us 0 'pid 100 ctl wakeup: from \.\. below \(us\), count' -d "$d" hist 100
# each block's bars are scaled to its own largest count, not to another pid's or metric's
cat >"$d/hist" <<'T'
# pid 100 ctl wakeup: lo_ns hi_ns count
1024 2048 1000
# pid 200 w wakeup: lo_ns hi_ns count
1024 2048 1
8192 16384 2
T
expect hist-bars-per-block 0 '8\.2 \.\. 16\.4 +2 #{41}' -d "$d" hist 200
expect hist-bars-per-block-all 0 '1\.0 \.\. 2\.0 +1000 #{41}' -d "$d" hist
# a pid with no block: said, as show says it (it printed nothing)
expect hist-unknown-pid 0 '^\(no tracked or finished task with that id\)$' -d "$d" hist 4242
# a tracked task with no event yet has no block, but it exists (tasks lists it): not "no task"
cp "$d/tasks" "$d/tasks.saved" 2>/dev/null
printf '# pid tgid comm state irq_thread tracked_ms\n100 100 ctl tracking 0 5\n300 300 idle tracking 0 5\n' >"$d/tasks"
expect hist-tracked-pid-without-events 0 '^\(task 300 has nothing recorded yet\)$' -d "$d" hist 300
printf '# pid 100 ctl wakeup: worst\n' >"$d/traces"
# ... nor for traces, where a task with events has no trace unless a cycle kept one (no SLO set:
# none), and without a pid ("no tracked or finished task" was said while tasks were tracked)
expect traces-tracked-pid-without-events 0 '^\(no worst-case trace kept for task 300: a trace is kept for a cycle over its SLO' -d "$d" traces 300
printf '' >"$d/traces"
expect traces-all-without-any 0 "^\(no worst-case trace kept: .*'mxrt-lat slo METRIC NS' sets one" -d "$d" traces
rm -f "$d/traces"
printf '' >"$d/hist"
expect hist-all-without-any 0 '^\(no tracked or finished task has recorded anything yet\)$' -d "$d" hist
# a tgid takes in every thread of the process, as show does (the blocks name the pid only)
printf '# pid tgid comm state irq_thread tracked_ms\n300 300 app tracking 0 5\n301 300 worker tracking 0 5\n' >"$d/tasks"
printf '# pid 301 worker wakeup: lo_ns hi_ns count\n1024 2048 3\n# pid 999 other wakeup: lo_ns hi_ns count\n1024 2048 4\n' >"$d/hist"
out=$("$bin" -d "$d" hist 300 2>&1)
if grep -q 'pid 301 worker wakeup' <<<"$out" && ! grep -q 'pid 999' <<<"$out"; then res PASS hist-of-a-tgid
else res FAIL hist-of-a-tgid "$(head -c 300 <<<"$out")"; fi
if [ -e "$d/tasks.saved" ]; then mv "$d/tasks.saved" "$d/tasks"; else rm -f "$d/tasks"; fi
# a hand-made file with a "# pid" line that names no pid: that block belongs to no pid
printf '# pid \n1024 2048 5\n# pid 100 ctl wakeup: lo_ns hi_ns count\n1024 2048 1\n' >"$d/hist"
out=$("$bin" -d "$d" hist 100 2>&1)
got=$?
if [ "$got" = 0 ] && grep -q 'pid 100 ctl wakeup' <<<"$out" && ! grep -q ' 5 #' <<<"$out"; then
	res PASS hist-pid-line-without-pid
else res FAIL hist-pid-line-without-pid "exit $got: $(head -c 300 <<<"$out")"; fi
cat >"$d/traces" <<'T'
# pid 100 ctl wakeup worst case
value_ns=25000 start_ns=10 end_ns=25010 events=2 dropped=0
+0 1 wakeup hog/7/39 -> ctl/100/49
# pid 200 other wakeup worst case
value_ns=1 start_ns=1 end_ns=2 events=0 dropped=0
T
expect traces-unknown-pid 0 '^\(no tracked or finished task with that id\)$' -d "$d" traces 4242
out=$("$bin" -d "$d" traces 100)
if grep -q 'hog/7/39' <<<"$out" && ! grep -q 'pid 200' <<<"$out"; then res PASS traces-of-one-pid
else res FAIL traces-of-one-pid "$out"; fi
# a tracer file whose read fails is an error, not an empty table (exit 0 with nothing shown)
e=$t/unreadable
mkdir -p "$e/stats" "$e/hist"
: >"$e/control"
cp "$d/tasks" "$e/tasks"
ln -s /proc/self/mem "$e/status" # read at offset 0: EIO
out=$("$bin" -d "$e" show 2>&1)
got=$?
if [ "$got" = 1 ] && grep -q "$e/stats: Is a directory" <<<"$out" && ! grep -q 'PID' <<<"$out"; then
	res PASS show-read-error
else res FAIL show-read-error "exit $got: $(head -c 300 <<<"$out")"; fi
expect hist-read-error 1 "$e/hist: Is a directory" -d "$e" hist
expect status-read-error 1 "$e/status: Input/output error" -d "$e" status
full-stdout show-stdout-full -d "$d" show
full-stdout help-stdout-full --help
echo "tools: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
