#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). What scripts/setup.sh leaves in its cache when a run
# is cut short or meets another, without the network or the real cache: its functions run in a
# scratch cache.
#   - a second setup.sh on the same cache waits for the first;
# Ends with "setup-cache: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
p=0 f=0
res() { echo "$1: setup-cache:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then p=$((p + 1)); else f=$((f + 1)); fi; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# sourced without its guard, setup.sh would set up the real thing: apt, and 550 MB of downloads
if ! grep -q '^\[ "${BASH_SOURCE\[0\]}" != "$0" \] || main "$@"$' scripts/setup.sh; then
	res FAIL sourceable "scripts/setup.sh runs main when sourced: nothing else is checked"
	echo "setup-cache: $p passed, $f failed"
	exit 1
fi

# setup FUNCTION ARGS...: run one of setup.sh's functions in a shell of its own, on the scratch cache
# (for at most $tmo seconds)
setup() {
	MXRT_CACHE=$t/cache timeout "${tmo:-60}" bash -c 'source "$1"; SUDO=; shift; "$@"' setup \
		"$ROOT/scripts/setup.sh" "$@"
}

# one setup.sh at a time on a cache: the second waits
mkdir -p "$t/cache"
flock "$t/cache/.setup.lock" sleep 3 &
holder=$!
sleep 0.5
tmo=1 setup lock_cache >"$t/out" 2>&1
st=$?
wait "$holder"
if [ "$st" = 124 ] && grep -q "waiting for another setup.sh on $t/cache" "$t/out"; then
	res PASS second-run-waits
else res FAIL second-run-waits "exit $st: $(head -n 3 "$t/out" | tr '\n' ' ')"; fi
if setup lock_cache >"$t/out" 2>&1; then res PASS lock-free-after-the-first
else res FAIL lock-free-after-the-first "$(head -n 3 "$t/out" | tr '\n' ' ')"; fi

echo "setup-cache: $p passed, $f failed"
[ "$f" -eq 0 ]
