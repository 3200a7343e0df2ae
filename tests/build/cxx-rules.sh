#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Negative build tests of the C++ kernel rules (kernel/Kbuild.cxx):
# each case is a one-file C++ module built through the real Kbuild rule against a kernel tree, and
# must FAIL with the expected message; a control case must build. Prints PASS/FAIL per case and
# "cxx-rules(<flavour>): N passed, N failed".
# On a kernel with KASAN (the debug kernel) it also checks that KASAN and UBSAN instrument C++.
# usage: tests/build/cxx-rules.sh [FLAVOUR]     (default x86_64-rt-6.12)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
flavour=${1:-x86_64-rt-6.12}
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
kdir=$CACHE/kernels/$flavour/kdir
[ -e "$kdir/Makefile" ] || { echo "no kernel tree $kdir: run scripts/setup.sh" >&2; exit 2; }
work=$ROOT/build/cxx-rules/$flavour
passed=0 failed=0 skipped=0

# case NAME EXPECT(ok|fail) PATTERN  < C++ source
case_() {
	local name=$1 expect=$2 pattern=$3 dir=$work/$1
	rm -rf "$dir"; mkdir -p "$dir/kernel" "$dir/scripts"
	ln -s "$ROOT/include" "$dir/include"
	ln -s "$ROOT/kernel/lib" "$dir/kernel/lib"
	ln -s "$ROOT/kernel/Kbuild.cxx" "$dir/kernel/Kbuild.cxx"
	ln -s "$ROOT/scripts/check-cxx-object.sh" "$dir/scripts/check-cxx-object.sh"
	{ echo '// SPDX-License-Identifier: GPL-2.0'; echo 'extern "C" int mxrt_probe(void);'; cat; } >"$dir/kernel/probe.cpp"
	cat >"$dir/kernel/glue.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
int mxrt_probe(void);
static int __init probe_init(void) { return mxrt_probe(); }
module_init(probe_init);
MODULE_LICENSE("GPL");
C
	printf 'include $(src)/Kbuild.cxx\nobj-m += mxrt_probe.o\nmxrt_probe-y := glue.o probe.o\n' >"$dir/kernel/Kbuild"
	printf 'obj-m += kernel/\n' >"$dir/Kbuild"
	local out st
	out=$(make -C "$kdir" M="$dir" modules 2>&1); st=$?
	if [ "$expect" = ok ]; then
		if [ $st -eq 0 ] && ! grep -qi warning <<<"$out"; then passed=$((passed + 1)); echo "PASS: $name builds"
		else failed=$((failed + 1)); echo "FAIL: $name should build:"; tail -n 15 <<<"$out"; fi
	else
		if [ $st -ne 0 ] && grep -qE "$pattern" <<<"$out"; then passed=$((passed + 1)); echo "PASS: $name refused ($(grep -oE "$pattern" <<<"$out" | head -n1))"
		else failed=$((failed + 1)); echo "FAIL: $name should fail with /$pattern/ (exit $st):"; tail -n 15 <<<"$out"; fi
	fi
}

case_ control ok '' <<'CPP'
// SPDX-License-Identifier: GPL-2.0
#include <lib/kstd/atomic.hpp>
static kstd::Atomic<int> counter;
extern "C" int mxrt_probe(void) { return counter.FetchAdd(1, kstd::MemoryOrder::kRelaxed) * 0; }
CPP

case_ global-constructor fail 'has global constructors' <<'CPP'
struct Noisy { int v; Noisy() : v(mxrt_probe()) {} };
Noisy noisy; // dynamic initialisation: .init_array
extern "C" int mxrt_probe(void) { return noisy.v * 0; }
CPP

case_ implicit-new fail 'references the C\+\+ runtime.*_Znwm' <<'CPP'
struct T { int v; };
T *kept; // stored, so the allocation cannot be elided
extern "C" int mxrt_probe(void) { kept = new T(); return 0; }
CPP

case_ exceptions fail 'exception handling disabled, use .-fexceptions.' <<'CPP'
extern "C" int mxrt_probe(void) { throw 1; return 0; }
CPP

case_ rtti fail '.dynamic_cast. not permitted with .-fno-rtti.' <<'CPP'
struct B { virtual ~B() {} };
struct D : B {};
int is_d(B *b);
int is_d(B *b) { return dynamic_cast<D *>(b) != nullptr; }
extern "C" int mxrt_probe(void) { return 0; }
CPP

case_ kernel-header fail 'linux/types.h: No such file or directory' <<'CPP'
// SPDX-License-Identifier: GPL-2.0
#include <linux/types.h>
extern "C" int mxrt_probe(void) { return 0; }
CPP

case_ floating-point fail 'SSE register return with SSE disabled|SSE disabled|general-regs-only.*floating' <<'CPP'
double scale(double x);
double scale(double x) { return x * 1.5; }
extern "C" int mxrt_probe(void) { return (int)scale(2.0) * 0; }
CPP

# GCC < 14 drops the function alignment of cold functions: ftrace's patch sites must be aligned
# (kernels since 6.2 say how: CONFIG_FUNCTION_ALIGNMENT; older ones align nothing)
if grep -q '^CONFIG_FUNCTION_ALIGNMENT=[0-9]*[1-9]' "$kdir/.config"; then
	case_ cold-function fail 'functions not aligned to CONFIG_FUNCTION_ALIGNMENT' <<'CPP'
__attribute__((noinline, cold)) int rarely(int x);
__attribute__((noinline, cold)) int rarely(int x) { return x * 3 + 1; }
int dummy_before(int x);
int dummy_before(int x) { return x + 2; }
extern "C" int mxrt_probe(void) { return rarely(0) * 0 + dummy_before(0) * 0; }
CPP
else
	echo "SKIP: cold-function (this kernel has no CONFIG_FUNCTION_ALIGNMENT)"
	skipped=$((skipped + 1))
fi

# A debug kernel's KASAN and UBSAN reach the C++ objects, not only the C glue: Kbuild adds their
# flags per C object, so kernel/Kbuild.cxx must add them itself
if grep -q '^CONFIG_KASAN=y' "$kdir/.config"; then
	case_ sanitizers ok '' <<'CPP'
__attribute__((noinline)) int load(const int *p);
__attribute__((noinline)) int load(const int *p) { return *p; }
__attribute__((noinline)) int shift_by(int x, int n);
__attribute__((noinline)) int shift_by(int x, int n) { return x << n; }
extern "C" int mxrt_probe(void) { int v = 0; return load(&v) * shift_by(1, 3); }
CPP
	obj=$work/sanitizers/kernel/probe.o
	want=__asan_load4
	grep -q '^CONFIG_UBSAN_SHIFT=y' "$kdir/.config" && want="$want __ubsan_handle_shift_out_of_bounds"
	missing=
	for s in $want; do nm -u "$obj" 2>/dev/null | grep -q "$s" || missing="$missing $s"; done
	if [ -z "$missing" ]; then passed=$((passed + 1)); echo "PASS: sanitizers reach C++ ($want)"
	else failed=$((failed + 1)); echo "FAIL: sanitizers reach C++: probe.o does not call$missing"; fi
fi

echo "cxx-rules($flavour): $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
