#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. mxrt-contention's own checks, without loading anything: bad command lines
# are refused with a message (exit 2) before the tool looks at the kernel. Every case here must be
# refused: a valid command line would go on to load BPF programs, which the build host never does
# (they run in the VM guests: tests/vm/guest/50-contention.sh). The messages for a kernel without
# BTF or a tracepoint, and for BPF not permitted, are unit-tested (tests/user/contention/) and the
# latter is also seen in the guests.
# Ends with "tools: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
bin=build/host/bin/mxrt-contention
make --no-print-directory -s -f tests/unit/unit.mk "$bin" || { echo "tools: 0 passed, 1 failed, 0 skipped"; exit 1; }
suite=contention-cli
. tests/user/lib.bash

expect help 0 'mxrt-contention: lock waits and I2C transfers' --help
expect help-names-the-filters 0 '--tgid' --help
expect pid-and-tgid 2 'excludes' -p 5 -t 6
expect bad-pid 2 'pid' -p 12x
expect zero-pid 2 'pid' -p 0
expect hex-pid 2 "'0x10' is not a pid \\(decimal, 1..4194304\\)" -p 0x10
expect signed-tgid 2 "'\\+5' is not a pid" -t +5
expect top-hex 2 "--top: '0x10' is not a whole decimal number" --top 0x10
expect pid-above-pid-max 2 "'4194305' is not a pid" -p 4194305
expect bad-lock-address 2 "'0xzz' is not a lock address" -l 0xzz
expect empty-lock-address 2 "'0x' is not a lock address" -l 0x
expect zero-lock-address 2 "'0x0' is not a lock address" -l 0x0
# hex digits only (strtoull took a sign, blanks and a second 0x: -l 0x-1 traced 0xffffffffffffffff)
expect negative-lock-address 2 "'0x-1' is not a lock address" -l 0x-1
expect blank-lock-address 2 "'0x 5' is not a lock address" -l '0x 5'
expect double-0x-lock-address 2 "'0x0x10' is not a lock address" -l 0x0x10
expect upper-case-0x-is-an-address 2 "'0Xzz' is not a lock address" -l 0Xzz
expect overflowing-lock-address 2 "'0x1ffffffffffffffff' is not a lock address" -l 0x1ffffffffffffffff
# an empty name filtered nothing, silently
expect empty-lock 2 'empty name' -l ''
# at most 16 hex digits, as docs/contention.md says (20 with leading zeros were taken)
expect long-lock-address 2 "'0x00000000000000000001' is not a lock address" -l 0x00000000000000000001
# a lock picked and none traced: it went on to the kernel checks
expect lock-without-locks 2 '--lock picks a lock, and --no-locks traces none' -l max30102-0.lock --no-locks
expect nothing-to-trace 2 'nothing to trace' --no-locks --no-i2c
expect unknown-option 2 'not expected|extra' --frobnicate
expect negative-duration 2 'duration' -d -1
expect zero-duration 2 'duration' -d 0
expect bad-interval 2 "--interval: '0' is not a number in \\[0\\.05" -i 0
expect negative-min-wait 2 'min-wait' -m -5
expect negative-slow 2 'slow' -s -1
expect top-zero 2 'top' --top 0
# NaN and infinity are refused, and so is a time whose ns do not fit (-m 1e17 us became 0 ns)
expect nan-min-wait 2 "min-wait: 'nan' is not a number" -m nan
expect huge-min-wait 2 "min-wait: '1e17' is not a number in \[0, 1e\+15\] us" -m 1e17
expect inf-duration 2 "duration: 'inf' is not a number" -d inf
expect huge-duration 2 "duration: '1e10' is not a number in \(0, 1e\+09\] s" -d 1e10
expect unknown-option-named 2 "^mxrt-contention: The following argument was not expected: --bogus" --bogus
expect nan-interval 2 "interval: 'nan' is not a number" -i nan
expect hex-interval 2 "interval: '0x1p0' is not a number" -i 0x1p0
# a refresh faster than 0.05 s is refused, as in mxrt-top (1e-300 s redrew the table every ms)
expect tiny-interval 2 "interval: '1e-300' is not a number in \[0.05, 1e\+09\] s" -i 1e-300
expect small-interval 2 "interval: '0.01' is not a number in \[0.05, 1e\+09\] s" -i 0.01
expect nan-slow 2 "slow: 'nan' is not a number" -s nan
expect huge-slow 2 "slow: '1e13' is not a number in \[0, 1e\+12\] ms" -s 1e13
expect stray-argument 2 'not expected|extra' 42
# options that would do nothing are refused, not ignored (--json --live ran without a live table)
expect json-and-live 2 '--json and --live: one JSON object at the end or a live table, choose one' --json --live
expect json-and-interval 2 "--interval sets the live table's refresh, and --json has no table" --json -i 2
expect json-and-rows 2 "--rows sets the table's length, and --json has no table" --json --rows 5
# stdout is a pipe here (not a terminal): no live table to refresh
# the lock programs' options with --no-locks, and --top without stacks, would do nothing
for o in '-m 100' '-s 5' '--no-stacks' '--top 7' '--rows 5'; do
	# shellcheck disable=SC2086 # the option and its value
	expect "no-locks-and-${o%% *}" 2 "^mxrt-contention: ${o%% *}.* acts on lock waits, and --no-locks traces none" --no-locks $o
done
expect top-without-stacks 2 "--top sets the stacks kept per lock, and --no-stacks collects none" --no-stacks --top 7
expect json-top-without-stacks 2 "--top sets the stacks kept per lock, and --no-stacks collects none" --json --top 7 --no-stacks
expect interval-without-live-table 2 "--interval sets the live table's refresh, and stdout is not a terminal: add --live" -i 2

# a -p or -t of nothing traced nothing and reported "no contention" (exit 0)
nopid=4194000
while [ -e /proc/$nopid ]; do nopid=$((nopid - 1)); done
expect pid-of-no-thread 2 "^mxrt-contention: -p $nopid: no such thread$" -p $nopid
expect tgid-of-no-process 2 "^mxrt-contention: -t $nopid: no such process$" -t $nopid
# -t of a thread that is not its process's main thread: the programs compare it with the tgid,
# which it never is. A process of two threads (python3: setup.sh installs it)
python3 -c 'import threading, time; threading.Thread(target=time.sleep, args=(30,), daemon=True).start(); time.sleep(30)' &
py=$!
tid=
for _ in $(seq 50); do
	for t in /proc/$py/task/[0-9]*; do [ "${t##*/}" = $py ] || tid=${t##*/}; done
	[ -z "$tid" ] || break
	sleep 0.1
done
expect tgid-of-a-thread 2 "^mxrt-contention: -t $tid: a thread of process $py; -t takes a process, -p a thread$" -t "${tid:-0}"
kill $py 2>/dev/null
wait $py 2>/dev/null

full-stdout help-stdout-full --help
echo "tools: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
