#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Boots one of Debian's kernels (from the scripts/setup.sh cache) in QEMU
# with a busybox initramfs holding the freshly built modules and the guest tests, runs the tests,
# and judges the results and the guest kernel log.
#
# usage: tests/vm/run.sh [options] FLAVOUR         FLAVOUR: x86_64-rt-6.12 | arm64-6.12
#   --timeout S       kill the guest after S seconds (default 900)
#   --filter GLOB     only guest tests whose name matches GLOB (e.g. '10-*')
#   --guest-dir DIR   guest test scripts (default tests/vm/guest); every DIR/*.sh is a test
#   --no-guest-bins   do not add build/guest/<arch>/bin/*_test (static Google Test binaries)
#
# Guest tests: each script runs with `sh` and MXRT_MODDIR, MXRT_BIN set; exit 0 = pass, 77 = skip,
# anything else = fail; each *_test binary runs as a Google Test program. A test's output is shown.
# The run fails if a test fails, the guest hangs or crashes, or the guest kernel log has an Oops,
# BUG, WARNING, sleeping-in-atomic, lockdep, KASAN, UBSAN or similar report.
# Ends with: vm(<flavour>): N passed, N failed, N skipped
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
timeout_s=900 filter='*' guest_dir=tests/vm/guest guest_bins=1
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--filter) filter=$2; shift 2 ;;
	--guest-dir) guest_dir=$2; shift 2 ;;
	--no-guest-bins) guest_bins=0; shift ;;
	-h|--help) sed -n '3,20p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: tests/vm/run.sh [options] x86_64-rt-6.12|arm64-6.12" >&2; exit 2; }
flavour=$1
kdir=$CACHE/kernels/$flavour
case "$flavour" in
x86_64-*) arch=x86_64 qemu=qemu-system-x86_64 console=ttyS0
	machine=(-cpu max) ;;
arm64-*) arch=aarch64 qemu=qemu-system-aarch64 console=ttyAMA0
	machine=(-M virt -cpu cortex-a72) ;;
*) echo "run.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac
bbarch=$arch; [ "$arch" = aarch64 ] && bbarch=arm64
for f in "$kdir/vmlinuz" "$kdir/release" "$CACHE/busybox/$bbarch/busybox"; do
	[ -e "$f" ] || { echo "run.sh: $f missing: run scripts/setup.sh first" >&2; exit 2; }
done
command -v "$qemu" >/dev/null || { echo "run.sh: $qemu missing: run scripts/setup.sh first" >&2; exit 2; }
[ -d "$guest_dir" ] || { echo "run.sh: no guest test directory $guest_dir" >&2; exit 2; }
release=$(cat "$kdir/release")
out=$ROOT/build/vm/$flavour
rm -rf "$out/initramfs"; mkdir -p "$out/initramfs"
ir=$out/initramfs

# --- the initramfs
mkdir -p "$ir"/{bin,dev,proc,sys,tmp,opt/mxrt/bin,opt/mxrt/tests,lib/modules/$release/extra}
cp "$CACHE/busybox/$bbarch/busybox" "$ir/bin/busybox"
nmod=0
if [ -d "build/$flavour" ]; then
	while IFS= read -r -d '' ko; do cp "$ko" "$ir/lib/modules/$release/extra/"; nmod=$((nmod + 1)); done \
		< <(find "build/$flavour" -name '*.ko' -print0)
fi
# Debian's own modules that the tests need (tests/vm/kernel-modules.txt), with their dependencies,
# decompressed (busybox insmod cannot read .ko.xz).
if [ -s tests/vm/kernel-modules.txt ]; then
	moddir=$kdir/modules
	want=$(grep -v '^#' tests/vm/kernel-modules.txt | tr -s ' \n' ' ')
	for m in $want; do
		line=$(grep -E "/${m//-/[-_]}\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" || true)
		[ -n "$line" ] || { echo "run.sh: kernel module $m not found in $moddir" >&2; exit 2; }
		for f in ${line/:/}; do
			dst=$ir/lib/modules/$release/kernel/$(basename "${f%.xz}"); dst=${dst%.zst}
			mkdir -p "$(dirname "$dst")"
			case "$f" in
			*.xz) xz -dc "$moddir/$f" >"$dst" ;;
			*.zst) zstd -qdc "$moddir/$f" >"$dst" ;;
			*) cp "$moddir/$f" "$dst" ;;
			esac
			echo "$(basename "$dst")" >>"$ir/lib/modules/$release/kernel/load-order"
		done
	done
fi
for t in "$guest_dir"/*.sh; do
	[ -e "$t" ] || continue
	case "$(basename "$t")" in $filter) cp "$t" "$ir/opt/mxrt/tests/" ;; esac
done
if [ "$guest_bins" = 1 ] && [ -d "build/guest/$arch/bin" ]; then
	for b in build/guest/"$arch"/bin/*; do
		[ -x "$b" ] || continue
		case "$(basename "$b")" in $filter|*_test) cp "$b" "$ir/opt/mxrt/bin/" ;; esac
	done
fi
echo "$release" >"$ir/opt/mxrt/expected-release"
echo "$flavour" >"$ir/opt/mxrt/flavour"
ntests=$(find "$ir/opt/mxrt/tests" -name '*.sh' | wc -l)
nbins=$(find "$ir/opt/mxrt/bin" -name '*_test' | wc -l)

cat >"$ir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/opt/mxrt/bin:/bin HOME=/tmp TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
REL=$(uname -r)
export MXRT_MODDIR=/lib/modules/$REL/extra MXRT_BIN=/opt/mxrt/bin
if [ -f /lib/modules/$REL/kernel/load-order ]; then
	for m in $(cat /lib/modules/$REL/kernel/load-order); do
		insmod /lib/modules/$REL/kernel/$m 2>/dev/null || true
	done
fi
echo "@@MXRT boot $REL $(nproc) cpus"
run() { # run NAME CMD...
	name=$1
	shift
	echo "@@MXRT begin $name"
	timeout -s KILL ${MXRT_TEST_TIMEOUT:-600} "$@" 2>&1 < /dev/null
	rc=$?
	case $rc in
	0) echo "@@MXRT result PASS $name" ;;
	77) echo "@@MXRT result SKIP $name" ;;
	*) echo "@@MXRT result FAIL $name (exit $rc)" ;;
	esac
}
for t in /opt/mxrt/tests/*.sh; do
	[ -e "$t" ] && run "$(basename "$t")" sh "$t"
done
for b in /opt/mxrt/bin/*_test; do
	[ -x "$b" ] && run "$(basename "$b")" "$b" --gtest_brief=1 --gtest_color=no
done
echo "@@MXRT dmesg-begin"
dmesg
echo "@@MXRT dmesg-end"
echo "@@MXRT done"
poweroff -f
INIT
chmod +x "$ir/init"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

# --- boot
accel=(-accel tcg)
if [ "${MXRT_KVM:-0}" = 1 ] && [ "$arch" = "$(uname -m)" ] && [ -w /dev/kvm ]; then accel=(-accel kvm); fi
log=$out/console.log
echo "vm($flavour): kernel $release, $nmod modules, $ntests guest scripts, $nbins test binaries, ${accel[1]}"
# A crash before the guest printed "@@MXRT boot" happened before any module or test ran. We have
# seen Debian's x86_64 kernel take an int3 Oops in its own boot-time text patching under TCG, so
# such a boot is retried (at most twice) and reported; a crash after that marker always fails.
boots=0
while :; do
	boots=$((boots + 1))
	start=$(date +%s)
	set +e
	timeout -k 5 "$timeout_s" "$qemu" "${machine[@]}" "${accel[@]}" -smp 2 -m 1024 -nographic -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "console=$console loglevel=5 panic=-1 oops=panic" </dev/null >"$log" 2>&1
	qrc=$?
	set -e
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	if grep -q '^@@MXRT boot ' "$log" || [ $boots -ge 3 ]; then break; fi
	cp "$log" "$out/console.boot-failure-$boots.log"
	echo "vm($flavour): the guest kernel failed before our init ran (boot $boots, console in" \
		"$out/console.boot-failure-$boots.log):"
	grep -E 'Oops|RIP:|Kernel panic' "$log" | head -n 3 | sed 's/^/    /'
	echo "vm($flavour): retrying the boot"
done
echo "vm($flavour): guest ran $(( $(date +%s) - start )) s"

# --- judge
passed=0 failed=0 skipped=0
problems=()
# show every test's output, then its verdict
# (a script may report sub-results of its own as "@@MXRT result ..." lines: they count too)
awk '/^@@MXRT begin /{on=1; name=$3; print "--- " name; next}
     /^@@MXRT result / && $4 == name {on=0; next} on' "$log"
while read -r _ _ verdict name rest; do
	case "$verdict" in
	PASS) passed=$((passed + 1)); echo "PASS: $name" ;;
	SKIP) skipped=$((skipped + 1)); echo "SKIP: $name" ;;
	*) failed=$((failed + 1)); echo "FAIL: $name $rest" ;;
	esac
done < <(grep '^@@MXRT result ' "$log" || true)
# kernel problems: in the dmesg dump, and in kernel lines on the console (a crash has no dump)
bad='Oops|BUG:|WARNING:|sleeping function called from invalid context|lockdep|possible circular locking|possible recursive locking|KASAN|UBSAN|Call Trace:|[Kk]ernel panic|general protection fault|refcount_t:|list_add corruption|list_del corruption|stack-protector|scheduling while atomic'
kernel_lines=$( { sed -n '/^@@MXRT dmesg-begin/,/^@@MXRT dmesg-end/p' "$log"; grep -E '^\[ *[0-9]+\.[0-9]+\] ' "$log"; } || true)
while IFS= read -r l; do problems+=("kernel: $l"); done < <(grep -E "$bad" <<<"$kernel_lines" | sort -u | head -n 40)
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	problems+=("guest timed out after $timeout_s s")
elif ! grep -q '^@@MXRT done' "$log"; then
	problems+=("guest stopped before the end of the tests (qemu exit $qrc)")
fi
[ $((passed + failed + skipped)) -gt 0 ] || problems+=("no test ran")
if [ ${#problems[@]} -gt 0 ]; then
	for p in "${problems[@]}"; do echo "FAIL: $p"; done
	echo "--- last 60 console lines ($log):"
	tail -n 60 "$log"
	failed=$((failed + ${#problems[@]}))
fi
echo "vm($flavour): $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
