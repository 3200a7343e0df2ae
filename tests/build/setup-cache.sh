#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). What scripts/setup.sh leaves in its cache when a run
# is cut short or meets another, without the network or the real cache: its functions run in a
# scratch cache, with a fake apt-get on PATH that serves a small .deb built here.
#   - a second setup.sh on the same cache waits for the first;
#   - a download cut short leaves no .deb that a later run takes as downloaded, and a truncated
#     .deb already in the cache (left by an older setup.sh) is fetched again;
#   - a relative MXRT_CACHE makes links that point into the cache, and a cache path with a space,
#     a '|' or a '&' in it is refused before anything is done.
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

# a fake apt-get: "download PKG..." copies PKG's .deb from $t/debs into the current directory;
# with FAKE_CUT=1 it writes the first 500 bytes and dies of SIGINT, as a Ctrl-C leaves it
mkdir -p "$t/bin" "$t/debs" "$t/pkg/DEBIAN" "$t/pkg/usr/share/mxrt-fake"
cat >"$t/bin/apt-get" <<'EOF'
#!/usr/bin/env bash
case "$1" in update) exit 0 ;; download) shift ;; *) exit 100 ;; esac
for a in "$@"; do
	case "$a" in -*) continue ;; esac
	src=$(ls "$FAKE_DEBS/${a%%:*}"_*.deb) || exit 100
	if [ "${FAKE_CUT:-0}" = 1 ]; then head -c 500 "$src" >"${src##*/}"; kill -INT $$; fi
	cp "$src" .
done
EOF
chmod +x "$t/bin/apt-get"
printf '%s\n' 'Package: mxrt-fake' 'Version: 1.0' 'Architecture: all' 'Maintainer: mxrt <mxrt@example.org>' \
	'Description: a package for tests/build/setup-cache.sh' >"$t/pkg/DEBIAN/control"
head -c 16384 /dev/urandom >"$t/pkg/usr/share/mxrt-fake/data"
dpkg-deb -Zgzip --build "$t/pkg" "$t/debs/mxrt-fake_1.0_all.deb" >/dev/null

# setup FUNCTION ARGS...: run one of setup.sh's functions in a shell of its own, on the scratch cache
# (or on $cache; for at most $tmo seconds)
setup() {
	PATH=$t/bin:$PATH FAKE_DEBS=$t/debs MXRT_CACHE=${cache:-$t/cache} timeout "${tmo:-60}" bash -c 'source "$1"; SUDO=; shift; "$@"' setup \
		"$ROOT/scripts/setup.sh" "$@"
}

# one setup.sh at a time on a cache: the second waits
mkdir -p "$t/cache"
# the holder says when it has the lock (a fixed sleep before the check would race a loaded host)
flock "$t/cache/.setup.lock" sh -c 'touch "$1"; sleep 3' holder "$t/held" &
holder=$!
for _ in $(seq 100); do [ -e "$t/held" ] && break; sleep 0.1; done
tmo=1 setup lock_cache >"$t/out" 2>&1
st=$?
wait "$holder"
if [ "$st" = 124 ] && grep -q "waiting for another setup.sh on $t/cache" "$t/out"; then
	res PASS second-run-waits
else res FAIL second-run-waits "exit $st: $(head -n 3 "$t/out" | tr '\n' ' ')"; fi
if setup lock_cache >"$t/out" 2>&1; then res PASS lock-free-after-the-first
else res FAIL lock-free-after-the-first "$(head -n 3 "$t/out" | tr '\n' ' ')"; fi

# unpacked: the package's file, whole
unpacked() { cmp -s "$t/pkg/usr/share/mxrt-fake/data" "$t/cache/$1/amd64/root/usr/share/mxrt-fake/data"; }

# a download cut short: the run fails, and the next one fetches the package again
FAKE_CUT=1 setup setup_guest_pkgs cut amd64 mxrt-fake >"$t/out" 2>&1
st=$?
left=$(cd "$t/cache/deb/amd64" && find . -name '*.deb')
if [ "$st" != 0 ] && [ -z "$left" ]; then res PASS cut-download-leaves-no-deb
else res FAIL cut-download-leaves-no-deb "exit $st, left: $left"; fi
# what a setup.sh interrupted itself leaves in its download directory goes too
mkdir -p "$t/cache/deb/amd64/.download.old"
head -c 500 "$t/debs/mxrt-fake_1.0_all.deb" >"$t/cache/deb/amd64/.download.old/mxrt-fake_1.0_all.deb"
if setup setup_guest_pkgs cut amd64 mxrt-fake >"$t/out" 2>&1 && unpacked cut &&
	[ ! -e "$t/cache/deb/amd64/.download.old" ]; then
	res PASS next-run-fetches-again
else res FAIL next-run-fetches-again "$(grep -v '^setup: downloading' "$t/out" | head -n 3 | tr '\n' ' ')"; fi

# a truncated .deb an older setup.sh left in the cache: fetched again when it does not unpack
rm -rf "$t/cache/deb/amd64"; mkdir -p "$t/cache/deb/amd64"
head -c 500 "$t/debs/mxrt-fake_1.0_all.deb" >"$t/cache/deb/amd64/mxrt-fake_1.0_all.deb"
if setup setup_guest_pkgs old amd64 mxrt-fake >"$t/out" 2>&1 && unpacked old &&
	grep -q 'mxrt-fake_1.0_all.deb does not unpack (a download cut short?): fetching it again' "$t/out"; then
	res PASS truncated-deb-in-cache-fetched-again
else res FAIL truncated-deb-in-cache-fetched-again "$(head -n 3 "$t/out" | tr '\n' ' ')"; fi

# a relative MXRT_CACHE: the kernel's links (ln_image) point into the cache from wherever they are read
mkdir -p "$t/work/rel/kernels/k/root/boot" "$t/work/rel/kernels/k/root/lib/modules/1.0"
echo kernel >"$t/work/rel/kernels/k/root/boot/vmlinuz-1.0"
(cd "$t/work" && MXRT_CACHE=rel bash -c 'source "$1"; ln_image "$CACHE/kernels/k"' setup "$ROOT/scripts/setup.sh") \
	>"$t/out" 2>&1
if [ "$(cat "$t/work/rel/kernels/k/vmlinuz" 2>/dev/null)" = kernel ] && [ -d "$t/work/rel/kernels/k/modules" ]; then
	res PASS relative-cache-links-resolve
else res FAIL relative-cache-links-resolve "vmlinuz -> $(readlink "$t/work/rel/kernels/k/vmlinuz") $(head -n 2 "$t/out")"; fi

# a space in the cache's path: refused, saying why
cache="$t/a b" setup check_paths >"$t/out" 2>&1
st=$?
if [ "$st" = 1 ] && grep -q "the cache '$t/a b' has a space in its path" "$t/out" && [ ! -e "$t/a b" ]; then
	res PASS cache-path-with-space-refused
else res FAIL cache-path-with-space-refused "exit $st: $(head -n 2 "$t/out" | tr '\n' ' ')"; fi

# ... and so is a '|' or '&' (the headers' Makefile rewrite broke on them; Kbuild's recipes too)
for odd in 'pipe|' 'ampersand&'; do
	c=${odd: -1} name=${odd%?}
	cache="$t/a${c}b" setup check_paths >"$t/out" 2>&1
	st=$?
	if [ "$st" = 1 ] && grep -qF "the cache '$t/a${c}b' has a '$c' in its path" "$t/out" && [ ! -e "$t/a${c}b" ]; then
		res PASS "cache-path-with-$name-refused"
	else res FAIL "cache-path-with-$name-refused" "exit $st: $(head -n 2 "$t/out" | tr '\n' ' ')"; fi
done

# --print without a cache: says so and fails (it printed find's error and exited 0)
MXRT_CACHE=$t/none scripts/setup.sh --print >"$t/out" 2>&1
st=$?
if [ "$st" = 1 ] && grep -q "no kernels in $t/none yet: run scripts/setup.sh" "$t/out"; then
	res PASS print-without-cache-fails
else res FAIL print-without-cache-fails "exit $st: $(head -n 2 "$t/out" | tr '\n' ' ')"; fi

# an unknown argument (a typo of --print, anything else) is refused before the root install runs
MXRT_CACHE=$t/none scripts/setup.sh --prnt >"$t/out" 2>&1
st=$?
if [ "$st" = 2 ] && grep -q "usage: scripts/setup.sh \[--print\]" "$t/out" && [ ! -e "$t/none" ]; then
	res PASS unknown-argument-refused
else res FAIL unknown-argument-refused "exit $st: $(head -n 2 "$t/out" | tr '\n' ' ')"; fi

echo "setup-cache: $p passed, $f failed"
[ "$f" -eq 0 ]
