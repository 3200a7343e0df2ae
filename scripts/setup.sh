#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (Debian 12). Idempotent setup for building, testing and benchmarking.
#
# Installs the host packages we need and unpacks Debian's kernel packages (headers for the builds,
# images + modules for the VM tests) into a cache directory with `apt-get download` + `dpkg -x`.
# Nothing is installed into the host's /boot or /lib/modules.
#
#   scripts/setup.sh            host packages + every kernel in the cache
#   scripts/setup.sh --print    print the cache layout (after setup)
#
# Cache layout ($MXRT_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/mxrt):
#   kernels/<flavour>/kdir      -> headers tree usable as KDIR for out-of-tree builds
#   kernels/<flavour>/vmlinuz   -> kernel image for QEMU (flavours that boot in the VM tests)
#   kernels/<flavour>/modules   -> /lib/modules/<release> of that image
#   kernels/<flavour>/release      the kernel release string (uname -r)
#   busybox/<arch>/busybox          static busybox for the guest initramfs
#   sensors/<arch>/root             lm-sensors, libsensors and libc6, unpacked (the guests' `sensors`)
#   evtest/<arch>/root              evtest and libc6, unpacked (the guests' `evtest`)
#   benchtools/<arch>/root          rt-tests' hackbench and cyclictest, libbpf-tools' runqlat, and their
#                                   libraries
#   perf/<arch>/root                Debian's perf (linux-perf) and the libraries it loads
#   liburing/arm64/root             liburing-dev for arm64 (mxrtd's static aarch64 build links its
#                                   liburing.a; the host's liburing-dev serves x86_64)
#   bpflibs/arm64/root              libbpf, libelf, zlib and libzstd (-dev) for arm64: the static aarch64
#                                   mxrt-contention links their .a (the host's packages serve x86_64)
#   deb/linux-source-6.12_*.deb     the 6.12 kernel source, for the mainline IIO MAX30102 driver that
#                                   tests/vm/build-mainline-iio.sh builds (one file is extracted)
# Flavours: x86_64-rt-6.12 (PREEMPT_RT, default), arm64-6.12, x86_64-rt-6.1 and arm64-6.1 (Debian
# 12's own kernels, PREEMPT_RT on x86_64; these four boot in the VM tests) and arm64-rt-6.12
# (headers only: a build check).
set -euo pipefail

# absolute: the cache's paths go into its symlinks and a Makefile (a relative MXRT_CACHE made links
# that pointed nowhere, in kernel trees marked done)
CACHE=$(realpath -ms -- "${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}")
HOST_PKGS=(
	build-essential gcc-12 g++-12 clang lld llvm make bc bison flex kmod cpio xz-utils zstd git
	# clang's sanitizer and libFuzzer runtimes (the clang unit variant, sim_fuzz): only Recommended
	# by clang's own packages, which --no-install-recommends leaves out
	libclang-rt-14-dev
	# compiles of a clean checkout hit the cache (tests/unit/unit.mk)
	ccache
	libelf-dev libssl-dev dwarves
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
	# 32-bit programs: the UAPI layout check and the compat-ioctl test binaries (i386, armhf)
	gcc-i686-linux-gnu libc6-dev-i386-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	qemu-system-x86 qemu-system-arm busybox-static
	googletest libgtest-dev libbenchmark-dev libcli11-dev
	device-tree-compiler dt-schema
	gnuplot-nox valgrind # mxrt-vitals-eval --plot, bench/vitals (callgrind)
	liburing-dev libtomlplusplus-dev # mxrtd (liburing linked statically; toml++ is header-only)
	# mxrt-contention: BPF programs (clang/llvm above), their skeleton and loader (libbpf, static)
	libbpf-dev bpftool zlib1g-dev libzstd-dev
	dkms dh-dkms debhelper # the DKMS build test and the Debian packages (make deb)
	# used by the tests themselves; each also comes with a package above, but not by design
	python3 file # tests/user/*/cli.sh (standard library only); tests/build/install.sh
)

log() { printf 'setup: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null; then SUDO=sudo; else
			log "must run as root (or with sudo) to install packages"; exit 1
		fi
	else
		SUDO=
	fi
}

install_host_packages() {
	local missing=()
	for p in "${HOST_PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	local need_update=0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture (for the arm64 kernel and busybox packages)"
		$SUDO dpkg --add-architecture arm64
		need_update=1
	fi
	# Debian's 6.12 kernels and linux-source-6.12 are only in bookworm-security, which a system made
	# by debootstrap does not list
	local suites; suites=$(apt-get indextargets --no-release-info --format '$(RELEASE)')
	if ! grep -qx bookworm-security <<<"$suites"; then
		log "adding bookworm-security (Debian's 6.12 kernels) to apt's sources"
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian-security' 'Suites: bookworm-security' \
			'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			$SUDO tee /etc/apt/sources.list.d/mxrt-bookworm-security.sources >/dev/null
		need_update=1
	fi
	if [ "${#missing[@]}" -gt 0 ] || [ "$need_update" = 1 ] || [ ! -e "$CACHE/.apt-updated" ]; then
		apt_update
	fi
	if [ "${#missing[@]}" -gt 0 ]; then
		log "installing: ${missing[*]}"
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# apt_update [WHY]: apt-get update, at most once per run (1 when it already ran). install_host_packages
# runs it when packages are missing or the lists were never updated; a kernel lookup or download
# that fails runs it too, since lists skipped as up to date ($CACHE/.apt-updated) may be stale: the
# security archive drops a kernel's packages when the next comes
APT_UPDATED=0
apt_update() {
	[ "$APT_UPDATED" = 0 ] || return 1
	APT_UPDATED=1
	log "apt-get update${1:+ ($1)}"
	$SUDO apt-get update -qq && mkdir -p "$CACHE" && touch "$CACHE/.apt-updated"
}

# resolve_meta META -> the versioned package a meta-package depends on
resolve_meta() { # "" when apt does not know META (under pipefail its exit 100 ended setup silently)
	{ apt-cache depends "$1" 2>/dev/null || true; } | awk '/^ *Depends: linux-/{print $2; exit}'
}

# apt_download ARG...: apt-get download ARG... into the current directory, through a directory of
# its own whose .debs move in once apt-get has fetched and checked them all. apt-get writes
# straight to the final name: a download cut short (Ctrl-C, a lost connection) left a truncated
# .deb that every later run took as downloaded. What an interrupted run left behind is removed
# first (setup.sh holds the cache's lock)
apt_download() {
	local tmp st=0
	rm -rf .download.*
	tmp=$(mktemp -d .download.XXXXXX) && chmod 755 "$tmp" || return 1
	( cd "$tmp" && apt-get download -qq "$@" >/dev/null ) || st=$?
	[ "$st" != 0 ] || mv -f "$tmp"/*.deb . || st=$?
	rm -rf "$tmp"
	return "$st"
}

# download_to DIR PKG... (skips what is already there), all in one apt-get call: one start-up of
# apt's cache, the files fetched back to back. download PKG...: into $CACHE/deb
download_to() {
	mkdir -p "$1"
	( cd "$1" && shift
	  missing=()
	  for p in "$@"; do
		ls "${p%%:*}"_*.deb >/dev/null 2>&1 || missing+=("$p")
	  done
	  [ ${#missing[@]} -gt 0 ] || exit 0
	  log "downloading ${missing[*]}"
	  apt_download "${missing[@]}" ||
		{ apt_update "the package lists may be stale" && apt_download "${missing[@]}"; } )
}
download() { download_to "$CACHE/deb" "$@"; }

# unpack DIR PKG ROOT: dpkg -x PKG's .deb in DIR into ROOT. A .deb that does not unpack (one an
# older setup.sh left truncated when its download was cut short) is removed and fetched again, once
unpack() {
	local deb
	deb=$(ls "$1/${2%%:*}"_*.deb | head -n1)
	dpkg -x "$deb" "$3" && return 0
	log "$deb does not unpack (a download cut short?): fetching it again"
	rm -f "$deb"
	download_to "$1" "$2"
	dpkg -x "$(ls "$1/${2%%:*}"_*.deb | head -n1)" "$3"
}

extract() { # extract ROOT PKG...
	local root=$1; shift
	mkdir -p "$root"
	for p in "$@"; do
		unpack "$CACHE/deb" "$p" "$root"
	done
}

# add_image DIR ARCH: the kernel image and modules of DIR's release into DIR/root, for the VM tests
add_image() {
	local dir=$1 arch=$2 release pkg
	release=$(cat "$dir/release")
	pkg=linux-image-$release-unsigned
	[ "$arch" = amd64 ] || pkg=$pkg:$arch
	download "$pkg"
	extract "$dir/root" "$pkg"
	ln_image "$dir"
	log "$(basename "$dir"): added the $release image"
}

ln_image() { # ln_image DIR: the vmlinuz and modules links the VM tests boot
	ln -sfn "$(ls "$1"/root/boot/vmlinuz-* | head -n1)" "$1/vmlinuz"
	ln -sfn "$(ls -d "$1"/root/lib/modules/* | head -n1)" "$1/modules"
}

# setup_kernel FLAVOUR HEADERS_META ARCH WITH_IMAGE
setup_kernel() {
	local flavour=$1 meta=$2 arch=$3 image=$4
	local dir="$CACHE/kernels/$flavour"
	if [ -e "$dir/.done" ]; then
		# a cache made when this flavour was headers-only: add the image of the same release
		if [ "$image" = yes ] && [ ! -e "$dir/vmlinuz" ]; then add_image "$dir" "$arch"; fi
		return 0
	fi
	local hdr; hdr=$(resolve_meta "$meta")
	[ -n "$hdr" ] || ! apt_update "the package lists may be stale" || hdr=$(resolve_meta "$meta")
	[ -n "$hdr" ] || { log "cannot resolve $meta (after apt-get update: is bookworm-security in apt's sources?)"; exit 1; }
	local release=${hdr#linux-headers-}; release=${release%%:*}
	local deps; deps=$(apt-cache depends "$hdr" | awk '/^ *Depends: <?linux-(headers|kbuild|compiler)-/{gsub(/[<>]/, "", $2); print $2}' | sort -u)
	local pkgs=("$hdr") kbuild=
	for d in $deps; do
		d=${d%%:*}
		case "$d" in
		linux-kbuild-*) kbuild=$d; pkgs+=("$d") ;;            # host-arch build tools
		linux-compiler-*) ;;                                   # metadata only
		*) if [ "$arch" = amd64 ]; then pkgs+=("$d"); else pkgs+=("$d:$arch"); fi ;;
		esac
	done
	# the common headers of an arm64 package are arch: all
	if [ "$image" = yes ]; then
		if [ "$arch" = amd64 ]; then pkgs+=("linux-image-$release-unsigned")
		else pkgs+=("linux-image-$release-unsigned:$arch"); fi
	fi
	# arm64: the common headers are Architecture: all, not :arm64
	local fixed=()
	for p in "${pkgs[@]}"; do
		case "$p" in *-common:arm64|*-common-rt:arm64) p=${p%:arm64} ;; esac
		fixed+=("$p")
	done
	download "${fixed[@]}"
	rm -rf "$dir"; mkdir -p "$dir"
	extract "$dir/root" "${fixed[@]}"
	local kdir="$dir/root/usr/src/$hdr"; kdir=${kdir%%:*}
	# the headers' Makefile includes the common tree by absolute path; point it into the cache
	sed -i "s|/usr/src/|$dir/root/usr/src/|g" "$kdir/Makefile"
	# scripts/ and tools/ are relative symlinks into the kbuild package: keep them in the cache
	local kb="$dir/root/usr/lib/${kbuild}"
	for l in scripts tools; do
		if [ -L "$kdir/$l" ]; then ln -sfn "$kb/$l" "$kdir/$l"; fi
	done
	ln -sfn "$kdir" "$dir/kdir"
	echo "$release" > "$dir/release"
	if [ "$image" = yes ]; then ln_image "$dir"; fi
	touch "$dir/.done"
	log "$flavour: $release ready in $dir"
}

setup_busybox() {
	local arch=$1 dir="$CACHE/busybox/$1"
	[ -x "$dir/busybox" ] && return 0
	mkdir -p "$dir"
	# copied under another name first: a copy cut short would be an executable busybox
	if [ "$arch" = x86_64 ]; then
		cp /bin/busybox "$dir/busybox.tmp"
	else
		download "busybox-static:arm64"
		local t; t=$(mktemp -d); extract "$t" busybox-static
		cp "$t/bin/busybox" "$dir/busybox.tmp"; rm -rf "$t"
	fi
	mv -f "$dir/busybox.tmp" "$dir/busybox"
}

# setup_guest_pkgs NAME ARCH PACKAGE...: Debian packages unpacked into $CACHE/NAME/ARCH/root for the
# guests (Debian's own binaries, so a guest runs what a user would). ARCH-specific packages get
# ":arm64" added for arm64 (name the architecture-independent ones with a trailing '!').
setup_guest_pkgs() {
	local name=$1 arch=$2 dir="$CACHE/$1/$2" p
	shift 2
	[ -e "$dir/.done" ] && return 0
	local pkgs=() suffix=
	[ "$arch" != arm64 ] || suffix=:arm64
	for p in "$@"; do
		case "$p" in
		*!) pkgs+=("${p%!}") ;;
		*) pkgs+=("$p$suffix") ;;
		esac
	done
	# libc6 is in the cache per architecture: download by the full name
	download_to "$CACHE/deb/$arch" "${pkgs[@]}"
	rm -rf "$dir"; mkdir -p "$dir/root"
	for p in "${pkgs[@]}"; do
		unpack "$CACHE/deb/$arch" "$p" "$dir/root"
	done
	touch "$dir/.done"
}

# setup_linux_source: Debian's linux-source-6.12 of the same version as the 6.12 kernels in the
# cache (the mainline driver is built from it for those kernels); the newest if that version has
# left the archive.
setup_linux_source() {
	ls "$CACHE"/deb/linux-source-6.12_*.deb >/dev/null 2>&1 && return 0
	local hdr ver
	hdr=$(ls "$CACHE"/deb/linux-headers-6.12.*-rt-amd64_*.deb 2>/dev/null | head -n1 || true)
	ver=$([ -z "$hdr" ] || dpkg-deb -f "$hdr" Version)
	mkdir -p "$CACHE/deb"
	log "downloading linux-source-6.12${ver:+ $ver} (about 150 MB)"
	( cd "$CACHE/deb" &&
	  { [ -n "$ver" ] && apt_download "linux-source-6.12=$ver" 2>/dev/null; } ||
	  { log "linux-source-6.12 ${ver:-?} is not in the archive: using the newest";
	    apt_download linux-source-6.12; } )
}

# lock_cache: one setup.sh at a time on a cache. Two at once (two checkouts, or run-all.sh and demo.sh
# started together) each removed and unpacked the same kernel tree under the other, and edited its
# Makefile twice; the second waits instead
lock_cache() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.setup.lock"
	flock -n 9 && return 0
	log "waiting for another setup.sh on $CACHE to finish"
	flock 9
}

# check_paths: make and Kbuild split paths at spaces: with one in the checkout's or the cache's path
# nothing built, and make blamed a missing kernel tree ("run scripts/setup.sh")
# The first character of $1 that make, Kbuild's recipes (paths reach the shell unquoted) or the
# headers' Makefile rewrite (sed, in setup_kernel) cannot carry, or nothing.
odd_char() {
	local s=$1 c
	while [ -n "$s" ]; do
		c=${s:0:1}
		s=${s:1}
		case "$c" in [[:space:]\|\&\;\<\>\(\)\$\`\\\"\'\*\?\[\]\#:]) printf '%s' "$c"; return ;; esac
	done
}

check_paths() {
	local checkout c; checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	case "$checkout" in *[[:space:]]*)
		log "the checkout '$checkout' has a space in its path, which make and Kbuild cannot build in: move it"
		exit 1 ;;
	esac
	case "$CACHE" in *[[:space:]]*)
		log "the cache '$CACHE' has a space in its path, which make and Kbuild cannot build with: set MXRT_CACHE"
		exit 1 ;;
	esac
	c=$(odd_char "$checkout")
	if [ -n "$c" ]; then
		log "the checkout '$checkout' has a '$c' in its path, which make, Kbuild or the shell cannot build in: move it"
		exit 1
	fi
	c=$(odd_char "$CACHE")
	if [ -n "$c" ]; then
		log "the cache '$CACHE' has a '$c' in its path, which make, Kbuild or the shell cannot build with: set MXRT_CACHE"
		exit 1
	fi
}

main() {
	# anything but no argument or --print (a typo, --help) is refused before the root install runs
	case "$#:${1:-}" in
	0: | 1:--print) ;;
	1:--help | 1:-h)
		echo "usage: scripts/setup.sh [--print]"
		exit 0
		;;
	*)
		echo "usage: scripts/setup.sh [--print]" >&2
		exit 2
		;;
	esac
	if [ "${1:-}" = --print ]; then
		[ -d "$CACHE/kernels" ] || { log "no kernels in $CACHE yet: run scripts/setup.sh"; exit 1; }
		find "$CACHE/kernels" -maxdepth 2 -name '*' -newer /dev/null -printf '%p -> %l\n'; exit 0
	fi
	check_paths
	need_root
	lock_cache
	install_host_packages
	setup_kernel x86_64-rt-6.12 linux-headers-6.12-rt-amd64 amd64 yes
	setup_kernel arm64-6.12 linux-headers-6.12-arm64:arm64 arm64 yes
	# Debian 12's own kernel (6.1 LTS), PREEMPT_RT: built for and booted in the VM tests too
	setup_kernel x86_64-rt-6.1 linux-headers-rt-amd64 amd64 yes
	# Debian 12's own arm64 kernel (6.1 LTS): what Debian on a Raspberry Pi 4 runs by default
	setup_kernel arm64-6.1 linux-headers-arm64:arm64 arm64 yes
	# what a Raspberry Pi runs: Debian's PREEMPT_RT arm64 kernel (a build check; the VM boots arm64-6.12)
	setup_kernel arm64-rt-6.12 linux-headers-6.12-rt-arm64:arm64 arm64 no
	setup_busybox x86_64
	setup_busybox arm64
	setup_linux_source
	for a in amd64 arm64; do
		# lm-sensors' `sensors` (the MAX30102 hwmon test)
		setup_guest_pkgs sensors $a lm-sensors libsensors5 libsensors-config! libc6
		# evtest (the heart-rate/SpO2 input device test and the demo)
		setup_guest_pkgs evtest $a evtest libc6
		# hackbench and libbpf-tools' CO-RE runqlat (the latency tracer's overhead benchmark)
		setup_guest_pkgs benchtools $a rt-tests libbpf-tools libelf1 zlib1g libnuma1 libc6
		# Debian 12's perf (linux-perf, 6.1) and the libraries it loads (ldd /usr/bin/perf), for
		# mxrtd's benchmark (bench/guest/50-mxrtd-latency.sh: perf stat, perf sched, perf trace)
		setup_guest_pkgs perf $a linux-perf libbabeltrace1 libbz2-1.0 libc6 libcap2 libcrypt1 libdw1 libelf1 \
			libexpat1 libgcc-s1 libglib2.0-0 liblzma5 libnuma1 libopencsd1 libpcre2-8-0 libperl5.36 \
			libpython3.11 libslang2 libstdc++6 libunwind8 libuuid1 libzstd1 zlib1g
	done
	# liburing for the static aarch64 mxrtd (unpacked, not installed: no multi-arch dependencies)
	setup_guest_pkgs liburing arm64 liburing-dev liburing2
	# libbpf and what it needs for the static aarch64 mxrt-contention (unpacked, the same way)
	setup_guest_pkgs bpflibs arm64 libbpf-dev libelf-dev zlib1g-dev libzstd-dev
	log "done (cache: $CACHE)"
}
# tests/build/setup-cache.sh sources this file for its functions
[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
