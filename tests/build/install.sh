#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). `make install` as a Raspberry Pi user runs it, staged
# into a throw-away root (DESTDIR) for Debian's 6.12 arm64 kernel, with the tools cross-built:
# exactly the modules a user needs (no test or benchmark modules) under updates/ with that
# kernel's vermagic and the device-tree alias, modprobe loading the watchdog library before the
# driver, aarch64 tools, the overlay, the blacklist; a changed header rebuilding exactly the tools'
# sources that include it; then `make uninstall` removes it all again but the configuration.
# Ends with "install: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
PATH=$PATH:/usr/sbin:/sbin # depmod, modprobe
flavour=arm64-6.12
kdir=$CACHE/kernels/$flavour/kdir
p=0 f=0
res() { # PASS|FAIL|SKIP NAME [DETAIL]
	echo "$1: install:$2${3:+ ($3)}"
	case $1 in PASS) p=$((p + 1)) ;; SKIP) sk=$((sk + 1)) ;; *) f=$((f + 1)) ;; esac
}
sk=0
[ -e "$kdir/Makefile" ] || { res FAIL headers "no $kdir: run scripts/setup.sh"; echo "install: $p passed, $f failed"; exit 1; }
release=$(cat "$kdir/include/config/kernel.release")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

if make --no-print-directory -j"${JOBS:-2}" install FLAVOUR=$flavour KDIR="$kdir" CROSS_COMPILE=aarch64-linux-gnu- \
	DESTDIR="$stage" >build/logs/install-make.log 2>&1; then res PASS make-install
else res FAIL make-install "$(tail -n 5 build/logs/install-make.log)"; fi

# the tools just built track their headers: were user/mxrtd/sched.hpp changed (make -W pretends,
# touching nothing), exactly the four sources that include it would compile again
again=$(make --no-print-directory -n -W user/mxrtd/sched.hpp tools FLAVOUR=$flavour KDIR="$kdir" \
	CROSS_COMPILE=aarch64-linux-gnu- 2>&1 | grep -oE ' -c -o [^ ]+ [^ ]+\.cpp' | sed 's|.* ||' | sort | tr '\n' ' ')
if [ "$again" = "user/mxrtd/acquire.cpp user/mxrtd/consumers.cpp user/mxrtd/main.cpp user/mxrtd/sched.cpp " ]; then
	res PASS header-rebuilds-includers "$again"
else res FAIL header-rebuilds-includers "would compile: ${again:-nothing}"; fi

# make ARCH=arm64 alone (docs/building.md) cross-builds the tools too, not just the modules: host
# tools would be installed for the arm64 target
cxx=$(make --no-print-directory -n -B ARCH=arm64 "$PWD/build/tools/arm64-6.12/mxrt-max30102-read" 2>&1 | grep -oE '[^ /]*g\+\+ ' | sort -u | tr -d ' ')
if [ "$cxx" = aarch64-linux-gnu-g++ ]; then res PASS arch-arm64-cross-builds-the-tools
else res FAIL arch-arm64-cross-builds-the-tools "compiled with: ${cxx:-nothing}"; fi

want="boot/firmware/overlays/mxrt-max30102-rpi.dtbo
etc/modprobe.d/mxrt-max30102.conf
etc/mxrtd/mxrtd.toml
etc/systemd/system/mxrtd.service
lib/modules/$release/updates/mxrt_lat.ko.xz
lib/modules/$release/updates/mxrt_max30102.ko.xz
lib/modules/$release/updates/mxrt_max30102_sim.ko.xz
lib/modules/$release/updates/mxrt_watchdog.ko.xz
lib/modules/$release/updates/mxrt_watchdog_demo.ko.xz
usr/local/bin/mxrt-contention
usr/local/bin/mxrt-lat
usr/local/bin/mxrt-max30102-ctl
usr/local/bin/mxrt-max30102-read
usr/local/bin/mxrt-top
usr/local/bin/mxrt-vitals-eval
usr/local/bin/mxrtd"
got=$(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ "$got" = "$want" ]; then res PASS files "$(wc -l <<<"$got") files"
else res FAIL files "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"; fi

ko=$stage/lib/modules/$release/updates/mxrt_max30102.ko.xz
info=$(modinfo -F vermagic "$ko" 2>&1; modinfo -F alias "$ko" 2>&1)
if grep -q "^$release " <<<"$info" && grep -q 'of:N\*T\*Cmaxim,max30102' <<<"$info"; then
	res PASS module-for-the-kernel "vermagic $release, binds maxim,max30102"
else res FAIL module-for-the-kernel "$info"; fi
# modprobe loads what the driver needs first: depmod on the staged tree (as make install runs it on
# the Pi), then modprobe's own plan
depmod -b "$stage" "$release" 2>>build/logs/install-make.log
plan=$(modprobe -d "$stage" -S "$release" --show-depends mxrt_max30102 2>&1)
if [ "$(sed -n 's|^insmod .*/updates/\([a-z0-9_]*\)\.ko\.xz.*|\1|p' <<<"$plan" | tr '\n' ' ')" = "mxrt_watchdog mxrt_max30102 " ]
then res PASS modprobe-loads-the-watchdog-first
else res FAIL modprobe-loads-the-watchdog-first "$plan"; fi
if file -L "$stage"/usr/local/bin/* | grep -v 'ARM aarch64' | grep -q .; then
	res FAIL tools-aarch64 "$(file -L "$stage"/usr/local/bin/*)"
else res PASS tools-aarch64; fi
if grep -qx 'blacklist max30102' "$stage/etc/modprobe.d/mxrt-max30102.conf"; then res PASS blacklist
else res FAIL blacklist; fi
# mxrtd's unit starts the installed daemon with the installed config, with the limits it needs
unit=$stage/etc/systemd/system/mxrtd.service
if grep -qx 'ExecStart=/usr/local/bin/mxrtd -c /etc/mxrtd/mxrtd.toml' "$unit" && grep -qx 'Type=notify' "$unit" &&
	grep -qx 'LimitMEMLOCK=infinity' "$unit" && grep -qx 'LimitRTPRIO=99' "$unit" && grep -q 'CAP_SYS_NICE' "$unit"; then
	res PASS mxrtd-unit
else res FAIL mxrtd-unit "$(grep -E '^(ExecStart|Type|Limit)' "$unit" | tr '\n' ' ')"; fi
# (systemd-analyze verify checks every key; the daemon is not installed on this host: that one
# complaint is expected)
# (without systemd-analyze, in a container say, the check is a skip: it used to say PASS)
if ! command -v systemd-analyze >/dev/null; then
	res SKIP mxrtd-unit-verify "no systemd-analyze here"
elif out=$(systemd-analyze verify "$unit" 2>&1 | grep -v 'Command /usr/local/bin/mxrtd is not executable'); [ -n "$out" ]; then
	res FAIL mxrtd-unit-verify "$out"
else res PASS mxrtd-unit-verify "systemd-analyze verify"; fi
# the example config installed is the one the daemon accepts (the aarch64 binary cannot run here:
# the host build checks it)
if make --no-print-directory -s -f tests/unit/unit.mk build/host/bin/mxrtd >/dev/null 2>&1 &&
	build/host/bin/mxrtd -c "$stage/etc/mxrtd/mxrtd.toml" --check-config >/dev/null 2>build/logs/install-config.log; then
	res PASS mxrtd-config
else res FAIL mxrtd-config "$(cat build/logs/install-config.log)"; fi
# make uninstall takes it all away again, except the configuration (the user's) and depmod's index,
# and the unit's enable link too (systemctl enable makes it; it was left dangling)
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
ln -s /etc/systemd/system/mxrtd.service "$stage/etc/systemd/system/multi-user.target.wants/mxrtd.service"
make --no-print-directory uninstall FLAVOUR=$flavour KDIR="$kdir" CROSS_COMPILE=aarch64-linux-gnu- DESTDIR="$stage" \
	>>build/logs/install-make.log 2>&1
left=$(cd "$stage" && find . \( -type f -o -type l \) ! -path "./lib/modules/$release/modules.*" | sed 's|^\./||')
if [ "$left" = etc/mxrtd/mxrtd.toml ]; then res PASS uninstall "only etc/mxrtd/mxrtd.toml is left"
else res FAIL uninstall "left: $(tr '\n' ' ' <<<"$left")"; fi
# ... but not a file a Debian package owns (the -dkms package's modprobe.d file, installed too):
# a stand-in for dpkg-query -S says the package owns it; everything else goes (it used to go too)
mkdir -p "$stage/etc/modprobe.d" "$stage/usr/local/bin"
touch "$stage/etc/modprobe.d/mxrt-max30102.conf" "$stage/usr/local/bin/mxrtd"
owner_query="$stage/owner-query"
printf '#!/bin/sh\n[ "$1" = /etc/modprobe.d/mxrt-max30102.conf ] && { echo "mxrt-max30102-dkms: $1"; exit 0; }\nexit 1\n' \
	>"$owner_query"
chmod +x "$owner_query"
out=$(make --no-print-directory uninstall FLAVOUR=$flavour KDIR="$kdir" CROSS_COMPILE=aarch64-linux-gnu- DESTDIR="$stage" \
	OWNER_QUERY="$owner_query" 2>&1)
if [ -e "$stage/etc/modprobe.d/mxrt-max30102.conf" ] && [ ! -e "$stage/usr/local/bin/mxrtd" ] &&
	grep -q '^uninstall: /etc/modprobe.d/mxrt-max30102.conf belongs to the Debian package mxrt-max30102-dkms: left' <<<"$out"; then
	res PASS uninstall-leaves-package-files "the -dkms package's modprobe.d file stays, with a note"
else res FAIL uninstall-leaves-package-files "$(tail -c 400 <<<"$out")"; fi
rm -f "$owner_query" "$stage/etc/modprobe.d/mxrt-max30102.conf"

# Debian 12's own 6.1 kernel (the one a Debian Pi boots): its headers' include/config/kernel.release
# says "6.1.192", not the 6.1.0-N-arm64 that names /lib/modules; depmod after make install failed
# there and uninstall removed nothing. The modules land under the real release and go again.
k61=$CACHE/kernels/arm64-6.1/kdir
r61=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$k61/include/generated/utsrelease.h" 2>/dev/null)
stage61=$(mktemp -d)
trap 'rm -rf "$stage" "$stage61"' EXIT
if [ -z "$r61" ]; then
	res FAIL install-6.1 "no $k61: run scripts/setup.sh"
elif make --no-print-directory -j"${JOBS:-2}" install-modules FLAVOUR=arm64-6.1 KDIR="$k61" \
	CROSS_COMPILE=aarch64-linux-gnu- DESTDIR="$stage61" >>build/logs/install-make.log 2>&1 &&
	[ -n "$(find "$stage61/lib/modules/$r61/updates" -name 'mxrt_max30102.ko*' 2>/dev/null)" ] &&
	make --no-print-directory uninstall FLAVOUR=arm64-6.1 KDIR="$k61" CROSS_COMPILE=aarch64-linux-gnu- \
		DESTDIR="$stage61" >>build/logs/install-make.log 2>&1 &&
	[ -z "$(find "$stage61/lib/modules" -name 'mxrt_*.ko*')" ]; then
	res PASS install-6.1 "modules under $r61, and uninstalled"
else res FAIL install-6.1 "$(cd "$stage61" && find . -name '*.ko*' | tr '\n' ' ')"; fi
# without BTF (Raspberry Pi OS's kernels, no setup.sh cache) make tools leaves mxrt-contention out and
# says so, rather than fail the whole build (make deb, make dkms)
# (-B: the plan of a build from scratch; with the tools built already it held nothing to compile)
plan=$(make --no-print-directory -n -B tools CONTENTION_BTF= 2>&1)
if grep -q 'note: mxrt-contention is not built: no BTF' <<<"$plan" && ! grep -q 'user/contention/main.cpp' <<<"$plan" &&
	grep -q 'user/mxrtd/main.cpp' <<<"$plan"; then
	res PASS no-btf-builds-the-rest
else res FAIL no-btf-builds-the-rest "$(head -c 300 <<<"$plan")"; fi
# with only the running kernel's BTF (no setup.sh cache: a source package rebuilt elsewhere), one
# that describes no I2C leaves the tool out too: the build failed on struct i2c_adapter
if [ -r /sys/kernel/btf/vmlinux ] &&
	! /usr/sbin/bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "STRUCT 'i2c_adapter'"; then
	plan=$(make --no-print-directory -n -B tools MXRT_CACHE=/nonexistent 2>&1)
	if grep -q "note: mxrt-contention is not built: the running kernel's BTF (/sys/kernel/btf/vmlinux) has no I2C" <<<"$plan" &&
		! grep -q 'user/contention/main.cpp' <<<"$plan"; then
		res PASS btf-without-i2c-builds-the-rest
	else res FAIL btf-without-i2c-builds-the-rest "$(head -c 300 <<<"$plan")"; fi
else
	res SKIP btf-without-i2c-builds-the-rest "this host's kernel BTF has I2C, or there is none"
fi
# a relative DESTDIR is this directory's for the modules too (Kbuild runs in KDIR: they went into
# the kernel headers' tree, where uninstall did not look)
plan=$(make --no-print-directory -n install-modules FLAVOUR=$flavour KDIR="$kdir" DESTDIR=relstage 2>&1)
if grep -q "INSTALL_MOD_PATH=$PWD/relstage " <<<"$plan"; then res PASS relative-destdir-for-modules
else res FAIL relative-destdir-for-modules "$(grep -o 'INSTALL_MOD_PATH=[^ ]*' <<<"$plan" | head -1)"; fi
# make uninstall removes mxrt-contention also where this make would not build it (no BTF now: root's
# HOME under sudo has no setup cache, or the cache is gone), when an earlier make install put it there
plan=$(make --no-print-directory -n uninstall FLAVOUR=$flavour KDIR="$kdir" DESTDIR=/stage CONTENTION_BTF= 2>&1)
if grep -q ' /usr/local/bin/mxrt-contention\b' <<<"$plan" && grep -q 'rm -f /stage\$f' <<<"$plan"; then res PASS uninstall-without-btf
else res FAIL uninstall-without-btf "$(grep '/bin/' <<<"$plan" | head -c 300)"; fi
echo "install: $p passed, $f failed, $sk skipped"
[ "$f" -eq 0 ]
