# SPDX-License-Identifier: GPL-2.0
#
# Kbuild support for freestanding C++ objects (included by every Kbuild file that builds .cpp).
#
# The C++ flags are the target kernel's own C flags (KBUILD_CPPFLAGS + KBUILD_CFLAGS, plus the
# module/basename/modname flags Kbuild adds to each object), so retpolines, return thunks, IBT/CFI,
# fentry/patchable entries, stack protector, -mcmodel and arm64 branch protection always match the
# kernel being built against. Two things are removed:
#   - flags the C++ compiler rejects as C-only: found by asking the compiler itself
#     ("valid for C/ObjC but not for C++"), not from a hand-kept list that could go stale;
#   - every include path and -include: C++ never sees a kernel header.
# Then the C++ rules: no exceptions, RTTI, thread-safe statics or atexit, no standard headers.
# Every object is checked for global constructors and C++ runtime references
# (scripts/check-cxx-object.sh) and goes through objtool like a C object.

ifneq ($(LLVM),)
MXRT_CXX := $(subst clang,clang++,$(CC))
else
MXRT_CXX := $(subst gcc,g++,$(CC))
endif

# The repository root as seen from the including directory (kernel/ unless set before). Our
# headers are included by their path below kernel/ (<lib/kstd/result.hpp>, <max30102/ring.h>) and
# the user-space ABI by its installed name (<mxrt/max30102.h>, from include/uapi/).
mxrt-root ?= $(abspath $(src)/..)
mxrt-includes := -I$(mxrt-root)/kernel -I$(mxrt-root)/include/uapi
mxrt-kernel-cflags := $(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS)
# g++ words it as "command-line option 'X' is valid for C/ObjC but not for C++" or
# "'-Werror=' argument '-Werror=X' is not valid for C++".
mxrt-c-only-flags := $(shell LC_ALL=C $(MXRT_CXX) $(mxrt-kernel-cflags) -x c++ -S -o /dev/null /dev/null 2>&1 | \
	sed -n -e "s/.*command-line option '\([^']*\)' is valid for C\/ObjC but not for C++.*/\1/p" \
	       -e "s/.*argument '\([^']*\)' is not valid for C++.*/\1/p" | sort -u)

# -g1: line tables and function names only (faddr2line and stack traces work). Full C++ DWARF
# (references, templates) makes pahole <= 1.24 fail module BTF generation; the C shims keep full
# debug info, so module BTF describes every type that crosses into the kernel.
mxrt-cxx-rules := -g1 -std=gnu++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit -fno-common -nostdinc -nostdinc++ -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -DMXRT_FREESTANDING
ifneq ($(MXRT_WERROR),0)
mxrt-cxx-rules += -Werror
endif
# Kernel C never uses the compiler's __atomic builtins, so the kernel's flags do not cover them; on
# arm64 gcc would call libgcc's __aarch64_* outline helpers, which do not exist in the kernel. Inline
# LL/SC atomics run on every arm64 core (the Pi 4's Cortex-A72 has no LSE atomics anyway).
ifdef CONFIG_ARM64
mxrt-cxx-rules += $(call cc-option,-mno-outline-atomics)
endif

# A debug kernel's sanitizers: Kbuild adds KASAN's and UBSAN's flags to each C object
# (scripts/Makefile.lib), not to KBUILD_CFLAGS, so the C++ objects take them here, or a debug
# kernel would check only the C glue. KASAN's global-variable redzones are left out
# (asan-globals=0): they are registered by a constructor, which C++ objects may not have
# (scripts/check-cxx-object.sh); heap, stack and every load and store are still checked.
ifdef CONFIG_KASAN
ifndef CONFIG_KASAN_HW_TAGS
mxrt-cxx-sanitize += $(CFLAGS_KASAN) $(if $(LLVM),-mllvm -asan-globals=0,--param asan-globals=0)
endif
endif
ifdef CONFIG_UBSAN
mxrt-cxx-sanitize += $(CFLAGS_UBSAN)
endif

mxrt_cxx_flags = -Wp,-MMD,$(depfile) \
	$(filter-out $(mxrt-c-only-flags) -I% -include %.h, $(mxrt-kernel-cflags)) \
	$(modkern_cflags) $(basename_flags) $(modname_flags) \
	$(filter-out $(mxrt-c-only-flags), $(mxrt-cxx-sanitize)) \
	$(mxrt-cxx-rules) $(mxrt-includes)

quiet_cmd_cxx_o_cpp = CXX $(quiet_modtag) $@
      cmd_cxx_o_cpp = $(MXRT_CXX) $(mxrt_cxx_flags) -c -o $@ $< ; \
		$(CONFIG_SHELL) $(mxrt-root)/scripts/check-cxx-object.sh $(OBJDUMP) $(NM) $@ \
		$(or $(CONFIG_FUNCTION_ALIGNMENT),0) \
		$(cmd_objtool)

$(obj)/%.o: $(src)/%.cpp FORCE
	$(call if_changed_dep,cxx_o_cpp)

ccflags-y += $(mxrt-includes)
ifneq ($(MXRT_WERROR),0)
ccflags-y += -Werror
endif
