#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (Debian 12). Builds the debug kernel flavour the VM suite also runs on:
# Debian's linux-source-6.12 (the same 6.12.y as the guests' kernels, downloaded by scripts/setup.sh)
# configured as `make tinyconfig` plus tests/vm/debug-kernel/common.config and <arch>.config: what
# the guests need and the checkers (lockdep, KASAN, UBSAN, kmemleak, KFENCE, list and object debug).
#
# usage: scripts/build-debug-kernel.sh [FLAVOUR]      (x86_64-rt-6.12-debug, the default)
#
# The result is cached like the Debian kernels, in $MXRT_CACHE/kernels/FLAVOUR/ (kdir = the build
# tree, usable as KDIR; vmlinuz; modules = /lib/modules/<release>; release), keyed by the source
# package, the config fragments, this script and the compiler: a second run with the same key does
# nothing. Builds are reproducible (KBUILD_BUILD_TIMESTAMP/USER/HOST fixed). It prints how long the
# build took; JOBS (default: nproc) sets the parallelism. Exits non-zero, with the reason, when the
# source is missing, Kconfig dropped a requested option, or the build failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
JOBS=${JOBS:-$(nproc)}
flavour=${1:-x86_64-rt-6.12-debug}
die() { echo "build-debug-kernel: $*" >&2; exit 1; }
log() { echo "build-debug-kernel: $*"; }

case "$flavour" in
x86_64-rt-6.12-debug) arch=x86_64 image=arch/x86/boot/bzImage cross= ;;
*) die "unknown flavour '$flavour' (x86_64-rt-6.12-debug)" ;;
esac
frags=("$ROOT/tests/vm/debug-kernel/common.config" "$ROOT/tests/vm/debug-kernel/$arch.config")

deb=$(ls "$CACHE"/deb/linux-source-6.12_*.deb 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$deb" ] || die "no linux-source-6.12 package in $CACHE/deb: run scripts/setup.sh"
key=$({
	basename "$deb"
	cat "${frags[@]}" "$0"
	"${cross}gcc" --version | head -n1
	pahole --version
} | sha256sum | cut -c1-16)
dir=$CACHE/kernels/$flavour
if [ -s "$dir/key" ] && [ "$(cat "$dir/key")" = "$key" ] && [ -e "$dir/vmlinuz" ]; then
	log "$flavour: $(cat "$dir/release") is up to date in $dir (key $key)"
	exit 0
fi

t0=$(date +%s)
# the source, once per package version
ver=${deb##*/linux-source-6.12_}; ver=${ver%%_*}
src=$CACHE/src/linux-source-$ver
if [ ! -e "$src/.extracted" ]; then
	log "extracting $(basename "$deb") into $src (once, about a minute)"
	rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz | xz -dc -T0 |
		tar -x -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.extracted"
	mv "$src.tmp" "$src"
fi
t1=$(date +%s)

rm -rf "$dir"; mkdir -p "$dir"
obj=$dir/build
export KBUILD_BUILD_TIMESTAMP="Debian linux-source $ver" KBUILD_BUILD_USER=mxrt KBUILD_BUILD_HOST=mxrt
kmake() { make -C "$src" O="$obj" ARCH="$arch" ${cross:+CROSS_COMPILE=$cross} LOCALVERSION=-mxrt-debug "$@"; }
kmake -s tinyconfig >/dev/null
KCONFIG_CONFIG=$obj/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" \
	>"$dir/merge.log" 2>&1 || { cat "$dir/merge.log"; die "merge_config failed"; }
kmake -s olddefconfig >/dev/null
# every requested option must have survived Kconfig's dependencies
missing=()
while IFS= read -r line; do
	case "$line" in '#'*|'') continue ;; esac
	name=${line%%=*} want=${line#*=}
	if [ "$want" = n ]; then
		grep -q "^$name=" "$obj/.config" && missing+=("$line (got $(grep "^$name=" "$obj/.config"))")
	else
		grep -qx "$line" "$obj/.config" ||
			missing+=("$line (got $(grep -E "^$name=|^# $name is not set" "$obj/.config" || echo nothing))")
	fi
done < <(cat "${frags[@]}")
[ ${#missing[@]} -eq 0 ] || die "Kconfig dropped requested options: $(printf '\n  %s' "${missing[@]}")"

log "$flavour: building with $JOBS jobs (log: $dir/build.log)"
if ! kmake -j"$JOBS" all >"$dir/build.log" 2>&1; then
	tail -n 30 "$dir/build.log"
	die "the build failed (log: $dir/build.log)"
fi
kmake -s INSTALL_MOD_PATH="$dir/root" modules_install >>"$dir/build.log" 2>&1 ||
	die "modules_install failed (log: $dir/build.log)"
release=$(kmake -s kernelrelease)
echo "$release" >"$dir/release"
cp "$obj/$image" "$dir/vmlinuz"
ln -sfn "$obj" "$dir/kdir"
ln -sfn "$dir/root/lib/modules/$release" "$dir/modules"
echo "$key" >"$dir/key"
t2=$(date +%s)
log "$flavour: $release built in $((t2 - t1)) s with $JOBS jobs (source extracted in $((t1 - t0)) s); in $dir"
