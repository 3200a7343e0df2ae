#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). Checks of the VM harness itself, without booting:
#   - lint-checks.sh flags a check whose compound condition is not quoted, and nothing else;
#   - run.sh --classify calls a guest crash the known text-patching crash (which it retries) only
#     when it is one: an "Oops: int3" whose faulting instruction is an int3 (or what text_poke_bp()
#     writes over it: the patch completed meanwhile) on x86_64, alone;
#   - run.sh --judge reads a marker line a kernel message cut in two as the marker it was.
# Ends with "harness: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
p=0 f=0
res() { echo "$1: harness:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then p=$((p + 1)); else f=$((f + 1)); fi; }

if out=$(tests/vm/lint-checks.sh --self-test 2>&1); then res PASS lint-checks
else res FAIL lint-checks "$out"; fi
if out=$(tests/vm/lint-checks.sh tests/vm/guest/*.sh bench/guest/*.sh scripts/demo-guest/*.sh 2>&1); then
	res PASS guest-scripts-have-no-unquoted-checks
else res FAIL guest-scripts-have-no-unquoted-checks "$out"; fi

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
boot='@@MXRT boot 6.12.117+deb12-rt-amd64 cpus=2 uptime=2.0
@@MXRT begin 30-lat.sh'
oops() { # oops KIND RIP CODE [EXTRA]
	printf '%s\n' "$boot"
	printf '[   45.100000] Oops: %s: 0000 [#1] PREEMPT_RT SMP NOPTI\n' "$1"
	printf '[   45.100100] CPU: 1 UID: 0 PID: 312 Comm: insmod Not tainted 6.12.117+deb12-rt-amd64 #1\n'
	printf '[   45.100200] RIP: 0010:%s\n' "$2"
	printf '[   45.100300] Code: 0f 1f 44 00 00 55 48 89 e5 41 54 53 48 89 fb %s 48 8b 47 08\n' "$3"
	[ -z "${4:-}" ] || printf '%s\n' "$4"
	printf '[   45.100400] Kernel panic - not syncing: Fatal exception\n'
}
classify() { tests/vm/run.sh --classify "$1" "$2" 2>&1; }
oops int3 'enqueue_hrtimer+0x1a/0x90' 'cc <0f>' >"$t/poke.log"
oops int3 '__schedule+0x2f0/0x9a0' '<cc> 0f' >"$t/poke2.log"
oops 'divide error' 'mxrt_sim_timer_fn+0x90/0x120' '<48> f7 f1' >"$t/div.log"
oops int3 'mxrt_lat_probe_switch+0x20/0x90' '<90> 90' >"$t/int3-no-cc.log"
# the patch completed after the CPU took the int3: the jump text_poke_bp() wrote is there now
oops int3 'get_page_from_freelist+0x2ad/0x1430' 'e9 <aa>' >"$t/poke-done.log"
oops int3 'enqueue_hrtimer+0x1a/0x90' 'cc <0f>' '[   45.090000] BUG: kernel NULL pointer dereference, address: 0000000000000008' >"$t/poke-after-bug.log"
{ printf '%s\n' "$boot"; echo '@@MXRT done'; } >"$t/clean.log"
for c in "poke:x86_64-rt-6.12:text-poke" "poke2:x86_64-rt-6.12:text-poke" "poke-done:x86_64-rt-6.12:text-poke" "div:x86_64-rt-6.12:other" \
	"int3-no-cc:x86_64-rt-6.12:other" "poke-after-bug:x86_64-rt-6.12:other" "poke:arm64-6.12:other" \
	"clean:x86_64-rt-6.12:other"; do
	IFS=: read -r name flavour want <<<"$c"
	got=$(classify "$t/$name.log" "$flavour")
	if [ "$got" = "$want" ]; then res PASS "classify-$name-$flavour" "$got"
	else res FAIL "classify-$name-$flavour" "wanted $want, got $got"; fi
done

# a kernel message in the middle of a marker line (as CI saw it on x86_64-rt-6.12): the verdict is
# the marker's, the kernel line is judged as a kernel line, and nothing else changes
cut='@@MXRT boot 6.12.117+deb12-rt-amd64 cpus=2 uptime=2.0
@@MXRT begin 22-max30102-sim.sh
samples 10 -> 61
@@MXRT result P[  144.126661] mxrt-max30102-sim mxrt-max30102-sim: replay upload rejected (-22)
[  144.126700] second message
ASS max30102-sim:kernel-alive-and-sampling
output [  144.2] that is not a marker
bench: x_vs_y = 1.[  144.3] fourth message
05 ratio (goal <= 2)
@@MXRT result PASS 22-max30102-sim.sh (3 s)
@@MXRT result SKIP x:y (z)
@@[  150.000000] third message
MXRT dmesg-begin
[  144.126661] mxrt-max30102-sim mxrt-max30102-sim: replay upload rejected (-22)
@@MXRT dmesg-end
@@MXRT done'
printf '%s\n' "$cut" >"$t/cut.log"
got=$(tests/vm/run.sh --judge "$t/cut.log" x86_64-rt-6.12 2>&1 | tail -n 1)
want='vm(x86_64-rt-6.12): 2 passed, 0 failed, 1 skipped'
if [ "$got" = "$want" ]; then res PASS judge-marker-cut-by-kernel-message "$got"
else res FAIL judge-marker-cut-by-kernel-message "wanted '$want', got '$got'"; fi
got=$(tests/vm/run.sh --judge "$t/cut.log" x86_64-rt-6.12 2>&1 | grep -E '^bench: |that is not')
want='output [  144.2] that is not a marker
bench: x_vs_y = 1.05 ratio (goal <= 2)'
if [ "$got" = "$want" ]; then res PASS judge-bench-line-cut-by-kernel-message
else res FAIL judge-bench-line-cut-by-kernel-message "got '$got'"; fi
# the same log with a kernel WARNING in the cut: still found
printf '%s\n' "$cut" | sed 's#second message#WARNING: CPU: 1 PID: 7 at x.c:1 f+0x1/0x2#' >"$t/cut-warn.log"
got=$(tests/vm/run.sh --judge "$t/cut-warn.log" x86_64-rt-6.12 2>&1)
if grep -q '^FAIL: kernel: \[  144.126700\] WARNING: CPU: 1' <<<"$got" &&
	grep -q '^vm(x86_64-rt-6.12): 2 passed, 1 failed, 1 skipped$' <<<"$got"; then
	res PASS judge-kernel-warning-in-a-cut-found
else res FAIL judge-kernel-warning-in-a-cut-found "$(tail -n 3 <<<"$got")"; fi
echo "harness: $p passed, $f failed"
[ "$f" -eq 0 ]
