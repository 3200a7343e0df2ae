#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host, from the Kbuild C++ rule (kernel/Kbuild.cxx) after each C++ object.
# Fails the build if a C++ object needs what the kernel does not have: global constructors
# (.init_array/.ctors are never run by the module loader) or the C++ runtime (exceptions,
# RTTI, guards for thread-safe statics, implicit operator new/delete, atexit).
# usage: check-cxx-object.sh OBJDUMP NM OBJECT
objdump=$1 nm=$2 obj=$3
fail() { echo "error: $obj: $*" >&2; rm -f "$obj"; exit 1; }
sections=$($objdump -h "$obj") || fail "objdump failed"
if echo "$sections" | grep -qE '[[:space:]]\.(init_array|ctors|preinit_array)'; then
	fail "has global constructors (.init_array/.ctors); the kernel never runs them: use constexpr or explicit init"
fi
bad=$($nm -u "$obj" | awk '{print $NF}' | grep -E '^(__cxa_|__gxx_|_Unwind_|_ZTI|_ZTV|_Znw|_Zna|_Zdl|_Zda|__dso_handle|atexit|__aarch64_)' || true)
[ -z "$bad" ] || fail "references the C++ runtime, which the kernel does not have: $(echo $bad)"
exit 0
