#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). DKMS (Debian's dkms, installed by scripts/setup.sh)
# builds the suite from the source tree `make dkms-source` makes (what the mxrt-max30102-dkms
# package ships), against the cached Debian headers, as it would on a user's machine:
#   - `dkms build` for Debian 12's own 6.1 PREEMPT_RT x86_64 and (cross-built) 6.1 arm64 (what
#     Debian 12 runs on a Raspberry Pi 4 by default) and Debian's 6.12 PREEMPT_RT arm64: the five
#     modules, each with that kernel's vermagic and architecture, the driver depending on the
#     watchdog library;
#   - `dkms autoinstall` for a kernel that appears later (Debian's 6.12 PREEMPT_RT x86_64; what the
#     kernel packages' postinst hook runs): the modules land in <kernel>/updates/dkms and modprobe
#     loads the library first;
#   - a kernel older than 6.1 is refused by BUILD_EXCLUSIVE_KERNEL (exit 77), not built.
# Everything happens in a throw-away DKMS tree (--dkmstree, --sourcetree, --installtree under a
# temporary directory, no depmod, no signing key): the host's /var/lib/dkms, /usr/src and
# /lib/modules are checked to be untouched. Ends with "dkms: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
PATH=$PATH:/usr/sbin:/sbin # dkms, depmod, modprobe
p=0 f=0
res() { echo "$1: dkms:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then p=$((p + 1)); else f=$((f + 1)); fi; }
finish() { echo "dkms: $p passed, $f failed"; [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; exit $?; }
command -v dkms >/dev/null || { res FAIL installed "no dkms: apt install dkms (scripts/setup.sh)"; finish; }
name=mxrt-max30102
version=$(dpkg-parsechangelog -S Version)
modules="mxrt_lat mxrt_max30102 mxrt_max30102_sim mxrt_watchdog mxrt_watchdog_demo"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p build/logs "$t/tree"
log=$PWD/build/logs/dkms-make.log
: >"$log"
host_state() { ls -d /var/lib/dkms /var/lib/dkms/* /usr/src/$name-* /lib/modules/*/updates/dkms/mxrt_* 2>/dev/null; }
before=$(host_state)

# --- the source tree -------------------------------------------------------------------------------
src=$t/root/usr/src/$name-$version
if make --no-print-directory -s dkms-source DESTDIR="$t/root" >>"$log" 2>&1; then
	want=$( (git ls-files kernel include/uapi; echo scripts/check-cxx-object.sh; echo scripts/dkms-remove-others.sh; echo LICENSE; echo dkms.conf) | LC_ALL=C sort)
	got=$(cd "$src" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
	if [ "$got" = "$want" ]; then res PASS source-tree "$(wc -l <<<"$got") files in /usr/src/$name-$version"
	else res FAIL source-tree "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -5 | tr '\n' ' ')"; fi
	if grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf" && grep -qx 'AUTOINSTALL="yes"' "$src/dkms.conf"; then
		res PASS dkms-conf "version $version, AUTOINSTALL"
	else res FAIL dkms-conf "$(grep -E '^(PACKAGE_VERSION|AUTOINSTALL)' "$src/dkms.conf" | tr '\n' ' ')"; fi
else
	res FAIL source-tree "make dkms-source failed: $(tail -n 3 "$log")"
	finish
fi

# dkms_run ARCH COMMAND ARGS...: dkms on the throw-away tree; for arm64 cross-built (ARCH and
# CROSS_COMPILE reach Kbuild through the environment; dkms strips the modules with `strip`, so the
# aarch64 one comes first on PATH). sign_file names no tool, so dkms neither signs nor makes a key.
mkdir -p "$t/bin" && ln -s "$(command -v aarch64-linux-gnu-strip)" "$t/bin/strip"
dkms_run() {
	local arch=$1; shift
	local env=(sign_file=/nonexistent)
	[ "$arch" != aarch64 ] || env+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- PATH="$t/bin:$PATH")
	${AS_ROOT:-} env "${env[@]}" dkms "$@" --dkmstree "$t/tree" --sourcetree "$t/root/usr/src" \
		--installtree "$t/sys/lib/modules" -j "${JOBS:-2}"
}
# dkms autoinstall refuses to run without root ("You must be root to use this command"), even in a
# throw-away tree: as a user it runs through sudo (which scripts/setup.sh needed too), and what it
# wrote under $t is given back to the user
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# check_modules FLAVOUR RELEASE ARCH DIR: the five modules in DIR, built for that kernel
check_modules() {
	local flavour=$1 release=$2 arch=$3 dir=$4 m ko bad= machine
	machine=$([ "$arch" = aarch64 ] && echo AArch64 || echo X86-64)
	for m in $modules; do
		ko=$(ls "$dir/$m".ko* 2>/dev/null | head -n1)
		if [ -z "$ko" ]; then bad+="$m missing; "; continue; fi
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$release" ] || bad+="$m vermagic $(modinfo -F vermagic "$ko"); "
		case "$ko" in
		*.xz) xz -dc "$ko" >"$t/m.ko" ;; *.zst) zstd -qdc "$ko" >"$t/m.ko" ;; *) cp "$ko" "$t/m.ko" ;;
		esac
		readelf -h "$t/m.ko" | grep -q "Machine: *.*$machine" || bad+="$m not $machine; "
	done
	ko=$(ls "$dir"/mxrt_max30102.ko* 2>/dev/null | head -n1)
	[ -z "$ko" ] || [ "$(modinfo -F depends "$ko")" = mxrt_watchdog ] || bad+="mxrt_max30102 depends on '$(modinfo -F depends "$ko")'; "
	if [ -z "$bad" ]; then res PASS "modules-$flavour" "5 modules, vermagic $release, $machine"
	else res FAIL "modules-$flavour" "$bad"; fi
}

# --- dkms build for each kernel --------------------------------------------------------------------
for fa in x86_64-rt-6.1:x86_64 arm64-6.1:aarch64 arm64-rt-6.12:aarch64; do
	flavour=${fa%:*} arch=${fa#*:}
	kdir=$CACHE/kernels/$flavour/kdir
	[ -e "$kdir/Makefile" ] || { res FAIL "build-$flavour" "no $kdir: run scripts/setup.sh"; continue; }
	release=$(cat "$CACHE/kernels/$flavour/release")
	if dkms_run "$arch" build "$name/$version" -k "$release/$arch" --kernelsourcedir "$kdir" >>"$log" 2>&1; then
		res PASS "build-$flavour"
		check_modules "$flavour" "$release" "$arch" "$t/tree/$name/$version/$release/$arch/module"
	else
		res FAIL "build-$flavour" "see $log: $(grep -iE 'error' "$log" | tail -n 3 | tr '\n' ' ')"
		cat "$t/tree/$name/$version/build/make.log" >>"$log" 2>/dev/null
	fi
done

# --- a kernel installed later: the autoinstall the kernel packages' postinst hook runs ---------------
flavour=x86_64-rt-6.12 arch=x86_64
kdir=$CACHE/kernels/$flavour/kdir
release=$(cat "$CACHE/kernels/$flavour/release" 2>/dev/null)
mkdir -p "$t/sys/lib/modules/$release"
if [ -e "$kdir/Makefile" ] && AS_ROOT=$SUDO dkms_run "$arch" autoinstall -k "$release/$arch" --kernelsourcedir "$kdir" --no-depmod >>"$log" 2>&1 &&
	{ [ -z "$SUDO" ] || sudo chown -R "$(id -u):$(id -g)" "$t"; } && [ -d "$t/sys/lib/modules/$release/updates/dkms" ]; then
	res PASS "autoinstall-$flavour"
	check_modules "$flavour" "$release" "$arch" "$t/sys/lib/modules/$release/updates/dkms"
	depmod -b "$t/sys" "$release" 2>>"$log"
	plan=$(modprobe -d "$t/sys" -S "$release" --show-depends mxrt_max30102 2>&1)
	if [ "$(sed -n 's|^insmod .*/updates/dkms/\([a-z0-9_]*\)\.ko.*|\1|p' <<<"$plan" | tr '\n' ' ')" = "mxrt_watchdog mxrt_max30102 " ]
	then res PASS modprobe-loads-the-watchdog-first
	else res FAIL modprobe-loads-the-watchdog-first "$plan"; fi
else
	res FAIL "autoinstall-$flavour" "see $log: $(ls -R "$t/sys" 2>&1 | head -n 5 | tr '\n' ' ')"
fi

# --- a kernel older than 6.1: refused, not built ----------------------------------------------------
kdir=$CACHE/kernels/x86_64-rt-6.1/kdir
dkms_run x86_64 build "$name/$version" -k 6.0.19-old/x86_64 --kernelsourcedir "$kdir" >"$t/old.log" 2>&1
rc=$?
cat "$t/old.log" >>"$log"
if [ "$rc" -eq 77 ] && grep -q BUILD_EXCLUSIVE "$t/old.log" && [ ! -d "$t/tree/$name/$version/6.0.19-old" ]; then
	res PASS too-old-kernel-refused "exit 77, BUILD_EXCLUSIVE_KERNEL"
else res FAIL too-old-kernel-refused "exit $rc: $(tail -n 2 "$t/old.log" | tr '\n' ' ')"; fi

# --- two installs' versions (make dkms, the package): the last one's stays ---------------------------
# Both register; their modules carry one MODULE_VERSION, so DKMS kept the first one's modules in
# place of the second's without a word. scripts/dkms-remove-others.sh (make dkms, the -dkms postinst)
# removes every other version first.
other=0.9.9
tree_opts=(--dkmstree "$t/tree" --sourcetree "$t/root/usr/src" --installtree "$t/sys/lib/modules")
versions() { ${SUDO:-} dkms status -m "$name" "${tree_opts[@]}" 2>/dev/null | sed -n "s|^$name/\([^,:]*\)[,:].*|\1|p" | sort -u | tr '\n' ' '; }
cp -r "$src" "$t/root/usr/src/$name-$other" &&
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$other\"/" "$t/root/usr/src/$name-$other/dkms.conf"
AS_ROOT=$SUDO dkms_run x86_64 add "$name/$other" >>"$log" 2>&1
both=$(versions)
out=$(${SUDO:-} scripts/dkms-remove-others.sh "$name" "$version" "${tree_opts[@]}" 2>&1)
rc=$?
left=$(versions)
[ -z "$SUDO" ] || sudo chown -R "$(id -u):$(id -g)" "$t"
if [ $rc = 0 ] && [ "$both" = "$(printf '%s\n' "$other" "$version" | sort | tr '\n' ' ')" ] && [ "$left" = "$version " ] &&
	grep -q "^$name: removing $name/$other from DKMS" <<<"$out"; then
	res PASS other-version-removed "registered: $both-> $left"
else res FAIL other-version-removed "exit $rc, registered: '$both' -> '$left': $(head -c 200 <<<"$out")"; fi
# ... also when that version's source folder is gone (a package whose prerm failed): dkms status
# then lists nothing at all, and the script saw no other version (said nothing, removed nothing)
AS_ROOT=$SUDO dkms_run x86_64 add "$name/$other" >>"$log" 2>&1
mv "$t/root/usr/src/$name-$other" "$t/gone"
out=$(${SUDO:-} scripts/dkms-remove-others.sh "$name" "$version" "${tree_opts[@]}" 2>&1)
rc=$?
[ -z "$SUDO" ] || sudo chown -R "$(id -u):$(id -g)" "$t"
if grep -q "^$name: removing $name/$other from DKMS" <<<"$out" &&
	{ { [ $rc = 0 ] && [ ! -e "$t/tree/$name/$other" ]; } ||
		{ [ $rc = 1 ] && grep -q "could not remove $name/$other" <<<"$out"; }; }; then
	res PASS other-version-without-source-not-passed-over "exit $rc: $(tail -n 1 <<<"$out" | cut -c1-80)"
else res FAIL other-version-without-source-not-passed-over "exit $rc: $(head -c 300 <<<"$out")"; fi

# --- the host ---------------------------------------------------------------------------------------
after=$(host_state)
if [ "$before" = "$after" ]; then res PASS host-untouched "/var/lib/dkms, /usr/src, /lib/modules"
else res FAIL host-untouched "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"; fi
finish
