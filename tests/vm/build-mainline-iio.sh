#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Builds the mainline IIO driver for the MAX30102
# (drivers/iio/health/max30102.c, which Debian's kernels do not ship as a module) out of tree for
# the kernels the VM tests boot, so that tests/vm/guest/25-mainline-iio.sh can bind a driver we
# did not write to the simulator. The source comes from Debian's linux-source-6.12 package, which
# scripts/setup.sh downloads into the cache: only that one file is extracted, at build time, into
# build/ (never into the repository). The module lands in build/<flavour>/mainline-iio/max30102.ko,
# where tests/vm/run.sh picks up every *.ko of the flavour.
#
# usage: tests/vm/build-mainline-iio.sh FLAVOUR...     (x86_64-rt-6.12, arm64-6.12)
# Exits non-zero if the source is missing or a build fails or warns; the build logs are in
# build/logs/mainline-iio-<flavour>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
die() { echo "build-mainline-iio: $*" >&2; exit 1; }
[ $# -gt 0 ] || die "usage: $0 FLAVOUR..."

deb=$(ls "$CACHE"/deb/linux-source-6.12_*.deb 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$deb" ] || die "no linux-source-6.12 package in $CACHE/deb: run scripts/setup.sh"
src=build/mainline-iio/max30102.c
mkdir -p build/mainline-iio build/logs
if [ ! -s "$src" ] || [ "$deb" -nt "$src" ]; then
	# The tarball is about 150 MB of xz: tar stops after the one member, which ends the pipe
	# early (dpkg-deb and xz then die of SIGPIPE): the result is judged by the file itself.
	{ dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz | xz -dc |
		tar -xO --occurrence=1 linux-source-6.12/drivers/iio/health/max30102.c >"$src.tmp"; } \
		2>/dev/null || true
	grep -q 'MODULE_DESCRIPTION' "$src.tmp" 2>/dev/null ||
		die "drivers/iio/health/max30102.c not found in $deb"
	mv "$src.tmp" "$src"
	echo "build-mainline-iio: extracted drivers/iio/health/max30102.c from ${deb##*/}"
fi

for flavour in "$@"; do
	kdir=$CACHE/kernels/$flavour/kdir
	[ -e "$kdir/Makefile" ] || die "no kernel tree at $kdir: run scripts/setup.sh"
	out=$PWD/build/$flavour/mainline-iio
	log=build/logs/mainline-iio-$flavour.log
	mkdir -p "$out"
	cp "$src" "$out/max30102.c"
	echo 'obj-m := max30102.o' >"$out/Kbuild"
	if ! make -C "$kdir" M="$out" modules >"$log" 2>&1; then
		tail -n 20 "$log"
		die "$flavour: build failed (log: $log)"
	fi
	if grep -iE 'warning|error' "$log" | grep -v 'Skipping BTF generation'; then
		die "$flavour: the build warned (log: $log)"
	fi
	echo "build-mainline-iio: $flavour: ${out#"$PWD"/}/max30102.ko"
done
