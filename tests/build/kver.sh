#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). The build names the modules a too-old kernel cannot
# get (kernel/Kbuild.kver): Kbuild is run against the cached 6.1 headers pretending an older
# version (MXRT_KVER), into a throw-away build tree. Every module needs 6.1, so 6.0 and 5.15 must
# name each module with its minimum and stop with "no module of the suite builds"; the real 6.1
# must name none. Ends with "kver: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
kdir=$CACHE/kernels/x86_64-rt-6.1/kdir
p=0 f=0
res() { echo "$1: kver:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then p=$((p + 1)); else f=$((f + 1)); fi; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
modules="mxrt_watchdog mxrt_watchdog_demo mxrt_max30102_sim mxrt_max30102 mxrt_lat"

# kbuild VERSION: the module build with MXRT_KVER=VERSION (empty: the kernel's own), output in $t/out
kbuild() {
	make --no-print-directory modules FLAVOUR=x86_64-rt-6.1 KDIR="$kdir" BUILD="$t/build" \
		${1:+MXRT_KVER=$1} >"$t/out" 2>&1
}
for v in 6.0 5.15; do
	if kbuild "$v"; then res FAIL "refuses-$v" "the build succeeded"; continue; fi
	line=$(grep "mxrt: Linux $v is too old for these modules, which are not built:" "$t/out" | grep '/kernel/Kbuild' | head -n1)
	missing=
	for m in $modules; do grep -q " $m (needs 6.1)" <<<"$line" || missing+=" $m"; done
	if [ -n "$line" ] && [ -z "$missing" ] &&
		grep -q "mxrt: no module of the suite builds for Linux $v: the oldest kernel supported is 6.1" "$t/out" &&
		[ -z "$(find "$t/build" -name '*.ko')" ]; then
		res PASS "refuses-$v" "names the 5 modules, builds none"
	else res FAIL "refuses-$v" "missing:$missing; $(grep 'mxrt:' "$t/out" | head -n 3 | tr '\n' ' ')"; fi
done
# the kernel's own version (6.1): no complaint, every module
if kbuild "" && ! grep -q 'too old' "$t/out" && [ "$(find "$t/build/x86_64-rt-6.1/kernel" -name '*.ko' | wc -l)" -eq 5 ]; then
	res PASS builds-on-6.1 "5 modules, no complaint"
else res FAIL builds-on-6.1 "$(grep -E 'mxrt:|rror' "$t/out" | head -n 3 | tr '\n' ' ')"; fi
echo "kver: $p passed, $f failed"
[ "$f" -eq 0 ]
