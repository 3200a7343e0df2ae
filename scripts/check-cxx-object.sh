#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host, from the Kbuild C++ rule (kernel/Kbuild.cxx) after each C++ object.
# Fails the build if a C++ object needs what the kernel does not have: global constructors
# (.init_array/.ctors are never run by the module loader) or the C++ runtime (exceptions,
# RTTI, guards for thread-safe statics, implicit operator new/delete, atexit).
# And every function must start on the kernel's function alignment (CONFIG_FUNCTION_ALIGNMENT):
# ftrace patches the bytes before each function in place and needs them aligned (arm64 BUGs in its
# text patching on a misaligned patch site at module load). GCC < 14 drops the alignment of
# functions marked cold, which the kernel's own __cold avoids by being empty; so must we.
# usage: check-cxx-object.sh OBJDUMP NM OBJECT [FUNCTION_ALIGNMENT]
objdump=$1 nm=$2 obj=$3 align=${4:-0}
fail() { echo "error: $obj: $*" >&2; rm -f "$obj"; exit 1; }
sections=$($objdump -h "$obj") || fail "objdump failed"
if echo "$sections" | grep -qE '[[:space:]]\.(init_array|ctors|preinit_array)'; then
	fail "has global constructors (.init_array/.ctors); the kernel never runs them: use constexpr or explicit init"
fi
bad=$($nm -u "$obj" | awk '{print $NF}' | grep -E '^(__cxa_|__gxx_|_Unwind_|_ZTI|_ZTV|_Znw|_Zna|_Zdl|_Zda|__dso_handle|atexit|__aarch64_)' || true)
[ -z "$bad" ] || fail "references the C++ runtime, which the kernel does not have: $(echo $bad)"
if [ "${align:-0}" -gt 1 ] 2>/dev/null; then
	# sections holding function entries: their alignment, then every function symbol's offset
	bad=$( { echo "$sections"; echo "@@"; $objdump -t "$obj"; } | awk -v a="$align" '
		function hex(h,    i, v) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(tolower(h), i, 1)) - 1; return v }
		$0 == "@@" { syms = 1; next }
		!syms && $2 ~ /^\.text/ && $NF ~ /^2\*\*/ { split($NF, p, "\\*\\*"); salign[$2] = 2 ^ p[2] }
		syms && $3 == "F" && $4 ~ /^\.text/ && $NF !~ /\.cold/ {
			off = hex($1)
			if (off % a != 0 || salign[$4] < a) printf "%s (%s+0x%x, section aligned to %d) ", $NF, $4, off, salign[$4]
		}')
	[ -z "$bad" ] || fail "functions not aligned to CONFIG_FUNCTION_ALIGNMENT=$align (ftrace patch sites; a cold attribute?): $bad"
fi
exit 0
