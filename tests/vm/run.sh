#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Boots one of Debian's kernels (from the scripts/setup.sh cache) in QEMU
# with a busybox initramfs holding the freshly built modules and the guest tests, runs the tests,
# and judges the results and the guest kernel log. Nothing is ever loaded into the host's kernel.
#
# usage: tests/vm/run.sh [options] FLAVOUR   FLAVOUR: x86_64-rt-6.12 | arm64-6.12 | x86_64-rt-6.1 | arm64-6.1
#                                            | x86_64-rt-6.12-debug (scripts/build-debug-kernel.sh)
#   --timeout S        kill the guest after S seconds (default 900; 1800 for the debug kernel)
#   --test-timeout S   kill one guest test after S seconds (default 300; 900 for the debug kernel);
#                      the other tests still run
#   --filter GLOB      only the guest tests whose name matches GLOB (e.g. '10-*', 'watchdog_*'); a
#                      comma-separated list matches any of its globs ('22-*,27-*,60-*')
#   --keep             keep the unpacked initramfs tree (build/vm/FLAVOUR/initramfs/) to inspect
#   --guest-dir DIR    guest test scripts (default tests/vm/guest); every DIR/*.sh is a test
#   --no-guest-bins    do not run build/guest/<arch>/bin/*_test (static Google Test binaries)
#   --judge LOG        boot nothing: judge an existing console log (to check the judge itself)
#   --classify LOG     boot nothing: say whether a crashed guest's log is the known text-patching
#                      crash that is retried ("text-poke") or anything else ("other")
#   MXRT_KVM=1         try KVM (falls back to TCG if the guest cannot start); default TCG
#   MXRT_ICOUNT=N      TCG with -icount shift=N on one host thread: guest time counts instructions
#   MXRT_CACHE=DIR     the setup.sh cache (default ${XDG_CACHE_HOME:-~/.cache}/mxrt)
#   MXRT_BENCH_MXRTD_ARGS="..."  more mxrtd options for bench/guest/50-mxrtd-latency.sh (e.g.
#                      "--policy fifo --priority 80"); letters, digits, spaces, - , = and . only
#
# The initramfs (build/vm/FLAVOUR/initramfs.cpio.gz) holds busybox, every *.ko under build/FLAVOUR/
# (flat, in /lib/modules/<release>/extra = $MXRT_MODDIR, with a modules.dep), the Debian modules named
# in tests/vm/kernel-modules.txt, build/guest/<arch>/bin/* (in /opt/mxrt/bin = $MXRT_BIN, on PATH),
# the guest tests (in /opt/mxrt/tests) and tests/vm/init, which runs them (see there for the markers).
# Guest tests: exit 0 = pass, 77 = skip, anything else = fail; their output is shown.
# The run fails if a test fails, the guest hangs or crashes, no test ran, a module needs a symbol the
# kernel lacks, or the guest kernel log has an Oops, BUG, WARNING, sleeping-in-atomic, lockdep,
# KASAN, UBSAN or similar report. The console is kept in build/vm/FLAVOUR/console.log.
# Ends with exactly one line:  vm(<flavour>): N passed, N failed, N skipped
set -euo pipefail
CACHE=$(realpath -ms -- "${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}") # relative: to where run.sh started
SHARED_ENV=
[ -z "${MXRT_SHARED:-}" ] || SHARED_ENV=$(realpath -ms -- "$MXRT_SHARED") # likewise
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMDIR=$ROOT/tests/vm
PATH=$PATH:/usr/sbin:/sbin # depmod

die() { echo "run.sh: $*" >&2; exit 2; }
[[ "${MXRT_BENCH_MXRTD_ARGS:-}" =~ ^[-A-Za-z0-9\ ,=.]*$ ]] ||
	die "MXRT_BENCH_MXRTD_ARGS: letters, digits, spaces, '-', ',', '=' and '.' only, not '$MXRT_BENCH_MXRTD_ARGS'"
trap 'echo "run.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
usage() { sed -n '7,21p' "$0" | sed 's/^# \{0,1\}//'; }

timeout_s= test_timeout= filter='*' keep=0 guest_dir=tests/vm/guest guest_bins=1 judge= classify=
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	--test-timeout) test_timeout=${2:?--test-timeout needs seconds}; shift 2 ;;
	--filter) filter=${2:?--filter needs a glob}; shift 2 ;;
	--keep) keep=1; shift ;;
	--guest-dir) guest_dir=${2:?--guest-dir needs a directory}; shift 2 ;;
	--no-guest-bins) guest_bins=0; shift ;;
	--judge) judge=${2:?--judge needs a console log}; shift 2 ;;
	--classify) classify=${2:?--classify needs a console log}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
flavour=$1
# the debug kernel is several times slower (KASAN, lockdep, kmemleak): longer default timeouts
case "$flavour" in
*-debug) timeout_s=${timeout_s:-1800} test_timeout=${test_timeout:-900} ;;
*) timeout_s=${timeout_s:-900} test_timeout=${test_timeout:-300} ;;
esac
for n in "$timeout_s" "$test_timeout"; do
	case "$n" in ''|*[!0-9]*|0) die "timeouts are whole seconds > 0, not '$n'" ;; esac
done
case "$flavour" in
x86_64-*) arch=x86_64 bbarch=x86_64 qemu=qemu-system-x86_64 console=ttyS0 machine=(-cpu max) ;;
arm64-*) arch=aarch64 bbarch=arm64 qemu=qemu-system-aarch64 console=ttyAMA0
	machine=(-M virt -cpu cortex-a72) ;;
*) die "unknown flavour '$flavour' (x86_64-rt-6.12, arm64-6.12, x86_64-rt-6.1, arm64-6.1 or x86_64-rt-6.12-debug)" ;;
esac
kdir=$CACHE/kernels/$flavour
out=$ROOT/build/vm/$flavour
log=$out/console.log

# ---------------------------------------------------------------------------------------------------
# The initramfs

# debian_modules: copy the modules named in kernel-modules.txt with their dependencies into the tree
# and list them, dependencies first, in /opt/mxrt/kernel-modules.load for init
debian_modules() {
	local list=$VMDIR/kernel-modules.txt entries moddir dep
	[ -f "$list" ] || return 0
	mapfile -t entries < <(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$list" |
		grep -v '^$' || true)
	[ ${#entries[@]} -gt 0 ] || return 0
	moddir=$kdir/modules
	[ -d "$moddir" ] || die "$moddir is missing: run scripts/setup.sh first"
	command -v depmod >/dev/null || die "depmod (kmod) is missing: run scripts/setup.sh first"
	# Debian's packages do not ship modules.dep (their postinst makes it): make it once, outside
	# the cache
	dep=$moddir/modules.dep
	if [ ! -s "$dep" ]; then
		dep=$out/debian-modules.dep
		if [ ! -s "$dep" ] || [ "$(head -n1 "$dep")" != "# $release" ]; then
			echo "vm($flavour): indexing Debian's $release modules (once, about 15 s)"
			local base; base=$(readlink -f "$moddir"); base=${base%/lib/modules/*}
			depmod -n -b "$base" "$release" >"$dep.all"
			{ echo "# $release"; sed '/^#/,$d' "$dep.all"; } >"$dep"
			rm -f "$dep.all"
		fi
	fi
	local -A path_of=() deps_of=() seen=()
	local line mod key
	while IFS= read -r line; do
		case "$line" in '#'*|'') continue ;; esac
		mod=${line%%:*}; key=${mod##*/}; key=${key%%.ko*}; key=${key//-/_}
		path_of[$key]=$mod; deps_of[$key]=${line#*:}
	done <"$dep"
	local entry name params optional d i order rel
	for entry in "${entries[@]}"; do
		read -r name params <<<"$entry"
		optional=0
		case "$name" in '?'*) optional=1 name=${name#?} ;; esac
		key=${name//-/_}
		if [ -z "${path_of[$key]:-}" ]; then
			if grep -qE "/${name//[-_]/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null; then
				echo "vm($flavour): kernel module $name is built into $release: nothing to load"
				continue
			fi
			[ "$optional" = 1 ] || die "kernel module '$name' (tests/vm/kernel-modules.txt) is not" \
				"in $moddir (mark it optional with '?$name' if tests can do without it)"
			echo "vm($flavour): optional kernel module $name is not in $release"
			continue
		fi
		# modules.dep lists a module's dependencies so that the last one must be loaded first
		read -ra d <<<"${deps_of[$key]}"
		order=()
		for ((i = ${#d[@]} - 1; i >= 0; i--)); do order+=("${d[i]}"); done
		order+=("${path_of[$key]}")
		for mod in "${order[@]}"; do
			[ -z "${seen[$mod]:-}" ] || continue
			seen[$mod]=1
			rel=${mod%.xz}; rel=${rel%.zst}; rel=${rel%.gz}
			mkdir -p "$modroot/$(dirname "$rel")"
			case "$mod" in # busybox insmod cannot read compressed modules
			*.xz) xz -dc "$moddir/$mod" >"$modroot/$rel" ;;
			*.zst) zstd -qdc "$moddir/$mod" >"$modroot/$rel" ;;
			*.gz) gzip -dc "$moddir/$mod" >"$modroot/$rel" ;;
			*) cp "$moddir/$mod" "$modroot/$rel" ;;
			esac
			if [ "$mod" = "${path_of[$key]}" ]; then echo "$rel $params"; else echo "$rel"; fi \
				>>"$ir/opt/mxrt/kernel-modules.load"
			ndeb=$((ndeb + 1))
		done
	done
}

# guest_sensors: Debian's lm-sensors `sensors` with the libraries it needs (from scripts/setup.sh)
guest_sensors() {
	local src=$CACHE/sensors/$([ "$arch" = x86_64 ] && echo amd64 || echo arm64)/root t=$arch-linux-gnu
	if [ ! -x "$src/usr/bin/sensors" ]; then
		echo "vm($flavour): no lm-sensors in $CACHE (run scripts/setup.sh): guests have no 'sensors'"
		return 0
	fi
	mkdir -p "$ir/usr/bin" "$ir/usr/lib/$t" "$ir/lib/$t" "$ir/etc"
	cp "$src/usr/bin/sensors" "$ir/usr/bin/"
	cp -a "$src/usr/lib/$t"/libsensors.so.5* "$ir/usr/lib/$t/"
	cp -a "$src/etc/sensors3.conf" "$src/etc/sensors.d" "$ir/etc/" 2>/dev/null || true
	cp -a "$src/lib/$t"/{libc.so.6,libm.so.6,ld-linux-*} "$ir/lib/$t/"
	if [ -d "$src/lib64" ]; then cp -a "$src/lib64" "$ir/"; fi  # x86_64's loader path
	cp -a "$src"/lib/ld-linux-* "$ir/lib/" 2>/dev/null || true # aarch64's
}

# guest_evtest: Debian's evtest (reads the heart-rate/SpO2 input device; from scripts/setup.sh)
guest_evtest() {
	local src=$CACHE/evtest/$([ "$arch" = x86_64 ] && echo amd64 || echo arm64)/root t=$arch-linux-gnu
	if [ ! -x "$src/usr/bin/evtest" ]; then
		echo "vm($flavour): no evtest in $CACHE (run scripts/setup.sh): guests have no 'evtest'"
		return 0
	fi
	mkdir -p "$ir/usr/bin" "$ir/lib/$t"
	cp "$src/usr/bin/evtest" "$ir/usr/bin/"
	cp -a "$src/lib/$t"/libc.so.6 "$src/lib/$t"/ld-linux-* "$ir/lib/$t/"
	if [ -d "$src/lib64" ]; then cp -a "$src/lib64" "$ir/"; fi  # x86_64's loader path
	cp -a "$src"/lib/ld-linux-* "$ir/lib/" 2>/dev/null || true # aarch64's
}

# guest_benchtools: hackbench and cyclictest (rt-tests), runqlat and klockstat (libbpf-tools) and Debian's perf
# (linux-perf) with their libraries, for the benchmarks only (bench/run.sh sets MXRT_BENCHTOOLS=1;
# from scripts/setup.sh's cache)
guest_benchtools() {
	local deb=$([ "$arch" = x86_64 ] && echo amd64 || echo arm64) t=$arch-linux-gnu d src
	[ "${MXRT_BENCHTOOLS:-0}" = 1 ] || return 0
	src=$CACHE/benchtools/$deb/root
	if [ ! -x "$src/usr/sbin/runqlat" ] || [ ! -x "$src/usr/bin/hackbench" ]; then
		echo "vm($flavour): no hackbench/runqlat in $CACHE (run scripts/setup.sh)"
		return 0
	fi
	mkdir -p "$ir/usr/bin" "$ir/usr/sbin"
	cp "$src/usr/bin/hackbench" "$src/usr/bin/cyclictest" "$ir/usr/bin/"
	cp "$src/usr/sbin/runqlat" "$src/usr/sbin/klockstat" "$ir/usr/sbin/"
	for src in "$CACHE/benchtools/$deb/root" "$CACHE/perf/$deb/root"; do
		[ -d "$src" ] || continue
		for d in lib/$t usr/lib/$t; do # the libraries themselves, not gconv and friends
			[ -d "$src/$d" ] || continue
			mkdir -p "$ir/$d"
			find "$src/$d" -maxdepth 1 -name '*.so*' -exec cp -a {} "$ir/$d/" \;
		done
		if [ -d "$src/lib64" ]; then cp -a "$src/lib64" "$ir/"; fi
		cp -a "$src"/lib/ld-linux-* "$ir/lib/" 2>/dev/null || true
	done
	if [ -x "$CACHE/perf/$deb/root/usr/bin/perf" ]; then
		cp "$CACHE/perf/$deb/root/usr/bin/perf" "$ir/usr/bin/"
	else
		echo "vm($flavour): no perf in $CACHE (run scripts/setup.sh): the benchmark runs without it"
	fi
}

build_initramfs() {
	local busybox=$CACHE/busybox/$bbarch/busybox f
	for f in "$kdir/vmlinuz" "$kdir/release" "$busybox"; do
		[ -e "$f" ] || die "$f is missing: run scripts/setup.sh first (it fills the cache $CACHE)"
	done
	command -v cpio >/dev/null || die "cpio is missing: run scripts/setup.sh first"
	[ -d "$guest_dir" ] || die "no guest test directory $guest_dir"
	ir=$out/initramfs
	modroot=$ir/lib/modules/$release
	rm -rf "$ir"
	mkdir -p "$ir"/{bin,dev,proc,sys,tmp,opt/mxrt/bin,opt/mxrt/tests} "$modroot/extra"

	# busybox, with its applet links when it runs on this host (init adds them anyway)
	cp "$busybox" "$ir/bin/busybox"
	local applets a
	if applets=$("$ir/bin/busybox" --list 2>/dev/null); then
		for a in $applets; do [ "$a" = busybox ] || ln -s busybox "$ir/bin/$a"; done
	fi

	# insmod: a single attempt (busybox's runs a failing module init twice; see tests/vm/insmod.c),
	# as mxrt-insmod: test-env.sh makes "insmod" in guest tests call it
	local cc=gcc ins=$out/mxrt-insmod
	[ "$arch" = x86_64 ] || cc=$arch-linux-gnu-gcc
	if { [ ! -x "$ins" ] || [ "$VMDIR/insmod.c" -nt "$ins" ]; } && command -v "$cc" >/dev/null; then
		"$cc" -static -Os -s -Wall -Wextra -Werror -o "$ins" "$VMDIR/insmod.c" ||
			die "cannot build tests/vm/insmod.c with $cc"
	fi
	if [ -x "$ins" ]; then
		cp "$ins" "$ir/opt/mxrt/bin/mxrt-insmod"
	else
		echo "vm($flavour): $cc is missing (run scripts/setup.sh): using busybox's insmod"
	fi
	cp "$VMDIR/test-env.sh" "$ir/opt/mxrt/test-env.sh"
	guest_sensors
	guest_evtest
	guest_benchtools

	# our modules: every *.ko under build/FLAVOUR, flat
	local ko name
	: >"$ir/opt/mxrt/modules.list"
	if [ -d "build/$flavour" ]; then
		while IFS= read -r -d '' ko; do
			name=${ko##*/}
			[ ! -e "$modroot/extra/$name" ] || die "two modules named $name under build/$flavour"
			cp "$ko" "$modroot/extra/"
			echo "$name" >>"$ir/opt/mxrt/modules.list"
			nmod=$((nmod + 1))
		done < <(find "build/$flavour" -name '*.ko' -type f -print0 | sort -z)
	fi
	debian_modules

	# modules.dep for the guest (so modprobe works). A module that needs a symbol the kernel does
	# not export, or with another CRC, could never load: depmod says so here, which fails the run.
	if command -v depmod >/dev/null; then
		cp "$kdir"/modules/modules.builtin* "$modroot/" 2>/dev/null || : >"$modroot/modules.builtin"
		[ -f "$modroot/modules.builtin.modinfo" ] || : >"$modroot/modules.builtin.modinfo"
		(cd "$modroot" && find . -name '*.ko' | sed 's|^\./||' | LC_ALL=C sort >modules.order)
		local symcheck=()
		[ ! -f "$kdir/kdir/Module.symvers" ] || symcheck=(-e -E "$kdir/kdir/Module.symvers")
		mapfile -t depmod_problems < <(depmod -b "$ir" "${symcheck[@]}" "$release" 2>&1 |
			sed -e "s|$modroot/||g" -e 's/^depmod: //' || true)
		for f in "${depmod_problems[@]}"; do echo "vm($flavour): depmod: $f"; done
	fi

	# guest programs (all of them; the *_test ones that match --filter run as tests) and scripts
	local b t
	filtered() { # filtered NAME: NAME matches one of --filter's comma-separated globs
		local g globs
		IFS=, read -ra globs <<<"$filter"
		for g in "${globs[@]}"; do
			# shellcheck disable=SC2254 # the filter is a glob
			case "$1" in $g) return 0 ;; esac
		done
		return 1
	}
	if [ -d "build/guest/$arch/bin" ]; then
		for b in build/guest/"$arch"/bin/*; do
			if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
			name=${b##*/}
			case "$name" in
			*_test) [ "$guest_bins" = 1 ] || continue
				if filtered "$name"; then nbins=$((nbins + 1)); else continue; fi ;;
			esac
			cp "$b" "$ir/opt/mxrt/bin/"
		done
	fi
	for t in "$guest_dir"/*.sh; do
		[ -f "$t" ] || continue
		if filtered "${t##*/}"; then cp "$t" "$ir/opt/mxrt/tests/"; ntests=$((ntests + 1)); fi
	done
	# the real PPG recordings, for the Google Tests that score them (the estimator and the
	# simulator's replay, on the guest's architecture): read where the host's unit tests read them
	# (../shared/data beside the checkout, or $MXRT_SHARED/data), copied into the guest at test
	# time, never into the repository. Absent, those tests are skips that say so.
	shared=
	if [ "$nbins" -gt 0 ]; then
		local d
		for d in "$ROOT/../shared" "$SHARED_ENV"; do
			if [ -n "$d" ] && [ -d "$d/data/ppg-oxiwear" ]; then
				mkdir -p "$ir/opt/mxrt/shared/data"
				cp -r "$d/data/ppg-oxiwear" "$ir/opt/mxrt/shared/data/"
				shared=", the real recordings"
				break
			fi
		done
	fi

	cat >"$ir/opt/mxrt/config" <<-EOF
	MXRT_RELEASE=$release
	MXRT_FLAVOUR=$flavour
	MXRT_ARCH=$arch
	MXRT_TEST_TIMEOUT=$test_timeout
	MXRT_BENCH_MXRTD_ARGS="${MXRT_BENCH_MXRTD_ARGS:-}"
	EOF
	echo "$release" >"$ir/opt/mxrt/expected-release"
	echo "$flavour" >"$ir/opt/mxrt/flavour"
	cp "$VMDIR/init" "$ir/init"
	chmod 755 "$ir/init"
	(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
		>"$out/initramfs.cpio.gz"
	[ "$keep" = 1 ] || rm -rf "$ir"
}

# ---------------------------------------------------------------------------------------------------
# The guest

qpid=
# boot_once: one guest run under timeout; sets qrc, writes $log
boot_once() {
	# warnings (loglevel 4) and worse reach the console; oops=panic + panic=-1 + -no-reboot end the
	# guest at the first Oops instead of letting it limp on
	local append="console=$console loglevel=5 printk.time=1 printk.devkmsg=on panic=-1 oops=panic"
	timeout -k 5 "$timeout_s" "$qemu" "${machine[@]}" -accel "$accel" "${icount_args[@]}" -smp 2 -m 1024 -nographic \
		-no-reboot -nic none -kernel "$kdir/vmlinuz" -initrd "$out/initramfs.cpio.gz" "${dtb_args[@]}" \
		-append "$append" </dev/null >"$log.raw" 2>&1 9>&- &
	qpid=$!
	qrc=0
	wait "$qpid" 2>/dev/null || qrc=$? # (no "Aborted" job notice: the verdict reports it)
	qpid=
	# drop the CRs and the firmware's terminal escapes; put back the marker lines a kernel message
	# cut in two
	sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' "$log.raw" | rejoin_markers >"$log"
	rm -f "$log.raw"
}

# rejoin_markers <LOG >LOG: the guest's lines and the kernel's console messages share one serial
# line, and a kernel message can come in the middle of a line the guest is writing: "@@MXRT result
# P[  144.12] sim: replay upload rejected ...\nASS 22-max30102-sim.sh:..." (seen in CI: the result
# was read as a FAIL of a test named "144.12]"). The kernel's message always ends its line, so a
# marker cut by one (the part before the timestamp starts "@@MXRT ", or is the start of it) goes on
# with the next line that is not itself a kernel message; so does a "bench: " line, which
# bench/run.sh reads. Kernel lines stay whole, on lines of their own. Other output is left as it
# is: a test may print a kernel line after some text of its own.
rejoin_markers() {
	awk '
	function starts(s, m) { return index(s, m) == 1 || index(m, s) == 1 }
	function marker_start(s) { return s != "" && (starts(s, "@@MXRT ") || starts(s, "bench: ")) }
	{
		if (match($0, /\[ *[0-9]+\.[0-9]+\] /) && RSTART > 1 &&
		    (carry != "" || marker_start(substr($0, 1, RSTART - 1)))) {
			carry = carry substr($0, 1, RSTART - 1)
			print substr($0, RSTART)
			next
		}
		if (carry != "" && $0 !~ /^\[ *[0-9]+\.[0-9]+\] /) { print carry $0; carry = ""; next }
		print
	}
	END { if (carry != "") print carry }'
}

# make_dtb: arm64 boots with QEMU's own device tree plus dts/mxrt-max30102-qemu-virt.dtso (the
# MAX30102 simulator node), so the driver's device-tree path is what the tests exercise, and
# tests/vm/dt/bad-properties.dtso (nodes the driver must refuse, beside the real one)
dtb_args=()
make_dtb() {
	local ovl=$ROOT/dts/mxrt-max30102-qemu-virt.dtso bad=$ROOT/tests/vm/dt/bad-properties.dtso
	[ "$arch" = aarch64 ] && [ -f "$ovl" ] || return 0
	command -v fdtoverlay >/dev/null || die "fdtoverlay is missing: run scripts/setup.sh first"
	"$qemu" "${machine[@]}" -machine dumpdtb="$out/virt.dtb" -smp 2 -m 1024 -nographic \
		</dev/null >"$out/dumpdtb.log" 2>&1 || die "qemu could not dump its DTB: $(cat "$out/dumpdtb.log")"
	dtc -@ -q -I dts -O dtb -o "$out/max30102-sim.dtbo" "$ovl" || die "dtc failed on $ovl"
	dtc -@ -q -I dts -O dtb -o "$out/bad-properties.dtbo" "$bad" || die "dtc failed on $bad"
	fdtoverlay -i "$out/virt.dtb" -o "$out/virt-max30102.dtb" "$out/max30102-sim.dtbo" \
		"$out/bad-properties.dtbo" || die "fdtoverlay could not apply $ovl and $bad"
	dtb_args=(-dtb "$out/virt-max30102.dtb")
}

# text_poke_crash LOG: whether the guest died of the known TCG text-patching race, and nothing
# else. Under TCG, switching tracepoints (static keys) on and off can leave the kernel executing
# the int3 that text_poke_bp() puts at a site while it patches it, after the patching code stopped
# expecting it: "Oops: int3" with the faulting instruction an int3 (the Code: line shows cc right
# before the <> mark of the instruction pointer), or with the int3 already replaced by the first
# byte of what text_poke_bp() writes there (a jump or call, e9/eb/e8, or a NOP, 0f 1f / 66 90: the
# patch completed after the CPU took the int3; nothing else takes an int3 away again). We have seen
# it in enqueue_hrtimer, __schedule, __text_poke and get_page_from_freelist after 40-60 tracepoint
# on/off cycles with none of our modules loaded. Any other crash, and any report at all besides
# this one Oops, is a real failure.
text_poke_crash() {
	local k
	[ "$arch" = x86_64 ] || return 1
	grep -q '^@@MXRT done' "$1" && return 1
	k=$(grep -oE '\[ *[0-9]+\.[0-9]+\] .*' "$1" || true)
	grep -qE 'Oops: int3' <<<"$k" || return 1
	grep -qE 'Code: .*( cc <[0-9a-f]{2}>| <cc>| e[89b] <[0-9a-f]{2}>| 0f <1f>| 66 <90>)' <<<"$k" || return 1
	# exactly one Oops and no other kind of report before it
	[ "$(grep -cE 'Oops:|BUG:|WARNING:|general protection|KASAN|UBSAN' <<<"$k")" -eq 1 ]
}

# boot_guest: boot until our init ran (see below), at most 3 times
boot_guest() {
	command -v "$qemu" >/dev/null || die "$qemu is missing: run scripts/setup.sh first"
	make_dtb
	accel=tcg icount_args=()
	# MXRT_ICOUNT=N: the guest's clock counts instructions (2^N ns each) on one host thread, idle
	# time skipped (sleep=off), so guest-measured times are instruction counts, free of the host's
	# scheduling noise (benchmarks)
	if [ -n "${MXRT_ICOUNT:-}" ]; then
		accel=tcg,thread=single icount_args=(-icount "shift=$MXRT_ICOUNT,sleep=off")
	fi
	if [ "${MXRT_KVM:-0}" = 1 ]; then
		if [ "$arch" = "$(uname -m)" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm
		else echo "vm($flavour): MXRT_KVM=1, but KVM cannot run this guest here: using TCG"; fi
	fi
	echo "vm($flavour): kernel $release, $nmod modules, $ndeb Debian modules, $ntests guest" \
		"scripts, $nbins test binaries$shared, $accel"
	trap '[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null; echo "vm($flavour): interrupted" >&2
		exit 130' INT TERM
	# A crash before the guest printed "@@MXRT boot" happened before any module or test ran. We
	# have seen Debian's x86_64 kernel take an int3 Oops in its own boot-time text patching under
	# TCG, so such a boot is retried (at most twice) and reported; a crash after that marker always
	# fails. A guest that hangs before our init is not retried: that costs a full --timeout.
	t_start=$(date +%s)
	while :; do
		boots=$((boots + 1))
		boot_once
		if grep -q '^@@MXRT boot ' "$log"; then
			# A crash after our init started always fails, with one exception: the kernel
			# tripping over its own live text patching (see text_poke_crash), retried at most
			# twice and reported as that known cause.
			if text_poke_crash "$log" && [ "$text_poke_retries" -lt 2 ]; then
				text_poke_retries=$((text_poke_retries + 1))
				cp "$log" "$out/console.text-poke-$text_poke_retries.log"
				echo "vm($flavour): the guest kernel crashed in its own live text patching (an int3" \
					"left at a patched site: Debian's x86_64 kernel under QEMU TCG, see" \
					"docs/testing.md); console in $out/console.text-poke-$text_poke_retries.log;" \
					"running the whole guest again"
				grep -E 'Oops: int3|RIP:' "$log" | head -n 2 | sed 's/^/    /'
				continue
			fi
			break
		fi
		if [ "$accel" = kvm ]; then
			cp "$log" "$out/console.kvm-failure.log"
			echo "vm($flavour): the guest did not start under KVM (console in" \
				"$out/console.kvm-failure.log):"
			grep -iE 'kvm|error' "$log" | head -n 3 | sed 's/^/    /'
			echo "vm($flavour): retrying with TCG"
			accel=tcg boots=$((boots - 1))
			continue
		fi
		if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] || [ $boots -ge 3 ]; then break; fi
		cp "$log" "$out/console.boot-failure-$boots.log"
		echo "vm($flavour): the guest kernel failed before our init ran (boot $boots, qemu exit" \
			"$qrc, console in $out/console.boot-failure-$boots.log):"
		grep -E 'Oops|RIP:|pc :|Kernel panic|qemu' "$log" | head -n 3 | sed 's/^/    /'
		echo "vm($flavour): retrying the boot"
	done
	t_end=$(date +%s)
	trap - INT TERM
}

# ---------------------------------------------------------------------------------------------------
# The verdict

# The kernel's reports. Judged: the dmesg dump and every timestamped kernel line on the console (a
# guest that crashed has no dump), wherever it starts in a console line; not test output or markers.
bad='Oops|BUG:|kernel BUG at|WARNING:|sleeping function called from invalid context'
bad+='|scheduling while atomic|possible circular locking|possible recursive locking'
# lockdep's reports (on the debug kernel; its banner "RCU lockdep checking is enabled" is not one)
bad+='|lockdep is turned off|suspicious RCU usage|inconsistent lock state|bad unlock balance'
bad+='|held lock freed|lock held when returning'
bad+='|KASAN|UBSAN|KFENCE|Call [Tt]race:|[Kk]ernel panic|general protection fault'
bad+='|Unable to handle kernel|Internal error:|refcount_t:|list_add corruption|list_del corruption'
bad+='|stack-protector|soft lockup|hard LOCKUP|detected stalls? on CPU|blocked for more than'
bad+='|suspected memory leak|ODEBUG:|INFO: trying to register non-static key'
kernel_lines() { # kernel_lines LOG
	sed -n '/^@@MXRT dmesg-begin$/,/^@@MXRT dmesg-end$/{/^@@MXRT /d;p;}' "$1"
	grep -oE '\[ *[0-9]+\.[0-9]+\] .*' "$1" || true
}

judge() {
	local counts=$out/.counts p i
	# each test's output (verbatim, so callers can grep it), then its verdict
	awk -v countsfile="$counts" '
	function verdict(v, name, rest) {
		if (name == "") { v = "FAIL"; name = "(unnamed)" }
		if (v == "PASS") pass++
		else if (v == "SKIP") skip++
		else { v = "FAIL"; fail++ }
		printf "%s: %s%s\n", v, name, rest
	}
	/^@@MXRT begin / { cur = $3; order[++n] = cur; print "--- " cur; next }
	/^@@MXRT result / {
		rest = $0; sub(/^@@MXRT result [^ ]* *[^ ]*/, "", rest)
		verdict($3, $4, rest); got[$4] = 1
		if ($4 == cur) cur = ""
		next
	}
	/^@@MXRT / { cur = ""; next }
	cur != "" { print }
	END {
		for (i = 1; i <= n; i++)
			if (!(order[i] in got))
				verdict("FAIL", order[i], " (no result: the guest stopped during this test)")
		printf "%d %d %d\n", pass, fail, skip > countsfile
	}' "$log"
	read -r passed failed skipped <"$counts"
	rm -f "$counts"

	local problems=() kbad=()
	for p in "${depmod_problems[@]}"; do problems+=("depmod: $p"); done
	mapfile -t kbad < <(kernel_lines "$log" | grep -E "$bad" | awk '!seen[$0]++' || true)
	for ((i = 0; i < ${#kbad[@]} && i < 40; i++)); do problems+=("kernel: ${kbad[i]}"); done
	[ ${#kbad[@]} -le 40 ] || problems+=("kernel: ... and $((${#kbad[@]} - 40)) more such lines in $log")
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		problems+=("guest timed out after $timeout_s s (--timeout)")
	elif ! grep -q '^@@MXRT done' "$log"; then
		problems+=("guest stopped before the end of the tests (qemu exit $qrc)")
	fi
	[ $((passed + failed + skipped)) -gt 0 ] || problems+=("no test ran")
	if [ ${#problems[@]} -gt 0 ]; then
		for p in "${problems[@]}"; do echo "FAIL: $p"; done
		echo "--- last 60 console lines ($log):"
		tail -n 60 "$log"
		echo "---"
		failed=$((failed + ${#problems[@]}))
	fi
}

# ---------------------------------------------------------------------------------------------------
nmod=0 ndeb=0 ntests=0 nbins=0 shared= boots=0 qrc=0 t_start=0 t_end=0 accel=none depmod_problems=()
text_poke_retries=0
if [ -n "$classify" ]; then
	[ -f "$classify" ] || die "no console log $classify"
	if text_poke_crash "$classify"; then echo text-poke; else echo other; fi
	exit 0
elif [ -n "$judge" ]; then
	[ -f "$judge" ] || die "no console log $judge"
	out=$(mktemp -d)
	log=$out/console.log
	rejoin_markers <"$judge" >"$log"
	judge
	rm -rf "$out"
else
	[ -e "$kdir/release" ] || die "$kdir/release is missing: run scripts/setup.sh first (it fills" \
		"the cache $CACHE)"
	release=$(cat "$kdir/release")
	case "$release" in ''|*[!A-Za-z0-9._+-]*) die "odd release '$release' in $kdir/release" ;; esac
	mkdir -p "$out"
	# one run per flavour at a time: runs share build/vm/FLAVOUR (and two TCG guests on 2 cores
	# would make each other's timings meaningless)
	exec 9>"$out/.lock"
	if ! flock -n 9; then
		echo "vm($flavour): waiting for another run on this flavour to finish"
		flock 9
	fi
	# a check that can never fail is a broken test: refuse the scripts before booting anything
	"$VMDIR/lint-checks.sh" "$guest_dir"/*.sh || die "fix the check lines above (tests/vm/test-env.sh says how)"
	build_initramfs
	boot_guest
	judge
	booted=$(sed -n 's/^@@MXRT boot .* uptime=\([0-9.]*\).*/\1/p' "$log" | head -n1)
	echo "vm($flavour): the guest kernel reached init after ${booted:-?} s; $((t_end - t_start)) s" \
		"wall ($boots boot(s), $accel); console in ${log#"$ROOT"/}"
fi
echo "vm($flavour): $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
