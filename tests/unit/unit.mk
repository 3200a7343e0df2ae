# SPDX-License-Identifier: GPL-2.0
#
# User-space unit tests of the freestanding C++ core (run from the repository root):
#   make -f tests/unit/unit.mk run     build and run every variant; ends with "unit: N passed, N failed"
#   make -f tests/unit/unit.mk guest   static test binaries for the VM guests (x86_64, aarch64)
#   make -f tests/unit/unit.mk clean
# Variants: asan (g++, ASan+UBSan), tsan (g++, TSan), clang (clang++ -Wthread-safety, ASan+UBSan).
# And fuzz: the simulator's parsers under libFuzzer (clang, ASan+UBSan), a bounded run
# (MXRT_FUZZ_RUNS inputs, default 200000: a few seconds) counted as one test.
# The core sources are the kernel's own (kernel/<subsystem>/*.cpp), built against the user-space
# platform in tests/kernel/lib/platform/; the tests mirror the source tree (tests/kernel/<subsystem>/).

B := build/unit
CORE_SRCS := $(shell find kernel -name '*.cpp' | sort)
FAKE_SRCS := $(wildcard tests/kernel/lib/platform/*.cpp)
TEST_SRCS := $(shell find tests/kernel tests/user -name '*_test.cpp' | sort)
# mxrt-vitals-eval's recording readers, simulated PPG and scoring: the estimator's tests use them too
EVAL_SRCS := user/vitals-eval/recording.cpp user/vitals-eval/ppg_sim.cpp user/vitals-eval/evaluate.cpp
VITALS_EVAL_SRCS := user/vitals-eval/main.cpp $(EVAL_SRCS) kernel/max30102/vitals.cpp
# mxrtd's library parts (configuration, shared memory, futex_waitv, messages): tests/user/mxrtd/
include user/mxrtd/sources.mk
# mxrt-contention's user-space parts (symbols, lock names, aggregation, output) and its BPF program's
# stack of open waits (bpf/contention_stack.h, header-only): tests/user/contention/
include user/contention/sources.mk
SRCS := $(CORE_SRCS) $(FAKE_SRCS) $(EVAL_SRCS) $(MXRTD_LIB) $(CONTENTION_LIB) $(TEST_SRCS)
VARIANTS := asan tsan clang
# libFuzzer targets (rules below); defined before the rules that list them, which make expands at once
FUZZERS := $(B)/fuzz/sim_fuzz

# CLI11 and toml++ (header-only, Debian's libcli11-dev and libtomlplusplus-dev) from directories that
# hold just them, so that a cross compiler does not search the host's /usr/include
HDR_LIBS := build/include/cli11/CLI build/include/tomlplusplus/toml++
# -g1: line tables, which is what a sanitizer report or a backtrace needs (file:line for every
# frame) at a fraction of -g's compile time; UNIT_DEBUG=-g for a debugger's view of variables
UNIT_DEBUG ?= -g1
COMMON := -std=gnu++20 -DMXRT_HOSTED -Ikernel -Iinclude/uapi -Iuser -isystem build/include/cli11 \
	-isystem build/include/tomlplusplus -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers $(UNIT_DEBUG) -O1 -fno-omit-frame-pointer -MMD -MP
# the unit and guest objects are most of what CI compiles: through ccache ($(CCACHE))
include scripts/ccache.mk
CXX_asan := $(CCACHE) g++-12
FLAGS_asan := -fsanitize=address,undefined -fno-sanitize-recover=all
CXX_tsan := $(CCACHE) g++-12
FLAGS_tsan := -fsanitize=thread
CXX_clang := $(CCACHE) clang++
FLAGS_clang := -Wthread-safety -fsanitize=address,undefined -fno-sanitize-recover=all
GTEST_LIBS := -lgtest -lgtest_main -pthread

objs = $(patsubst %.cpp,$(B)/$(1)/%.o,$(SRCS))

.PHONY: run build guest clean abi $(addprefix run-,$(VARIANTS))
run: build
	@tests/unit/run-variants.sh $(addprefix $(B)/,$(addsuffix /unit_test,$(VARIANTS))) $(FUZZERS)

build: $(addprefix $(B)/,$(addsuffix /unit_test,$(VARIANTS))) $(FUZZERS) $(B)/abi/max30102.ok

# --- the UAPI's layout (include/uapi/mxrt/): every size, offset and ioctl number checked at build
# time (tests/include/uapi/mxrt/max30102_abi.c, _Static_assert only) by every compiler a program
# using it may be built with: C for x86_64, i386, arm64 and armhf (Debian's cross compilers), C++,
# BPF (with <linux/types.h>, and as a vmlinux.h program sees it), and the kernel's C++ core.
ABI_SRC := tests/include/uapi/mxrt/max30102_abi.c
ABI_C := gcc-12 i686-linux-gnu-gcc aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc
ABI_FLAGS := -Iinclude/uapi -Wall -Wextra -Werror -fsyntax-only
abi: $(B)/abi/max30102.ok
$(B)/abi/max30102.ok: $(ABI_SRC) include/uapi/mxrt/max30102.h
	@mkdir -p $(dir $@)
	@set -e; for cc in $(ABI_C); do $$cc -std=c11 $(ABI_FLAGS) $<; done
	@g++-12 -x c++ -std=c++17 $(ABI_FLAGS) $<
	@g++-12 -x c++ -std=gnu++20 -DMXRT_FREESTANDING -ffreestanding -nostdinc $(ABI_FLAGS) $<
	@clang -target bpf -I/usr/include/$(shell gcc -print-multiarch) $(ABI_FLAGS) $<
	@clang -target bpf -D__VMLINUX_H__ -nostdinc $(ABI_FLAGS) $<
	@echo "abi: include/uapi/mxrt/max30102.h has one layout for x86_64, i386, arm64, armhf, C++, BPF and the kernel core"
	@touch $@

define variant
$(B)/$(1)/%.o: %.cpp | $(HDR_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CXX_$(1)) $$(COMMON) $$(FLAGS_$(1)) -c -o $$@ $$<
$(B)/$(1)/unit_test: $(call objs,$(1))
	$$(CXX_$(1)) $$(FLAGS_$(1)) -o $$@ $$^ $$(GTEST_LIBS)
-include $(patsubst %.o,%.d,$(call objs,$(1)))
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(v))))

# --- libFuzzer targets: tests/kernel/<subsystem>/**/<name>_fuzz.cpp with the core and the fake
# platform; run-variants.sh runs each from its seeds (<dir>/fuzz-seeds/) with its dictionary.
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CCACHE) clang++ $(COMMON) $(FUZZ_FLAGS) -c -o $@ $<
$(B)/fuzz/sim_fuzz: $(patsubst %.cpp,$(B)/fuzz/%.o,$(CORE_SRCS) $(FAKE_SRCS) tests/kernel/max30102/sim/sim_fuzz.cpp)
	clang++ $(FUZZ_FLAGS) -o $@ $^ -pthread
-include $(patsubst %.cpp,$(B)/fuzz/%.d,$(CORE_SRCS) $(FAKE_SRCS) tests/kernel/max30102/sim/sim_fuzz.cpp)

# --- static binaries for the VM guests. googletest is compiled from Debian's sources with the
# same compiler (there is no arm64 libgtest on an amd64 host). The guests run under TCG, so the
# 65536-watchdog test and the simulator parser fuzz (pure user-space logic) are left to the host runs,
# and so is the check of mxrtd's example configuration file (the guests hold no source tree).
GTEST_SRC := /usr/src/googletest/googletest
GUEST_FILTER := -WatchdogTest.FullTableSaysNoSpaceThenReusesRemovedSlots:SimFuzz.*:MxrtdConfig.TheExampleFileParsesAndValidates:Max30102Random.*
CXX_x86_64 := $(CCACHE) g++-12
CXX_aarch64 := $(CCACHE) aarch64-linux-gnu-g++-12
GUEST_FLAGS := -std=gnu++20 -DMXRT_HOSTED -Ikernel -Iinclude/uapi -Iuser -isystem build/include/cli11 \
	-isystem build/include/tomlplusplus -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -MMD -MP -DMXRT_GUEST_FILTER='"$(GUEST_FILTER)"'

guest: build/guest/x86_64/bin/mxrt_unit_test build/guest/aarch64/bin/mxrt_unit_test

define guest
$(B)/guest-$(1)/gtest/%.o: $(GTEST_SRC)/src/%.cc
	@mkdir -p $$(dir $$@)
	$$(CXX_$(1)) -std=gnu++17 -O2 -I$(GTEST_SRC)/include -I$(GTEST_SRC) -c -o $$@ $$<
$(B)/guest-$(1)/%.o: %.cpp | $(HDR_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CXX_$(1)) $$(GUEST_FLAGS) -c -o $$@ $$<
build/guest/$(1)/bin/mxrt_unit_test: $(patsubst %.cpp,$(B)/guest-$(1)/%.o,$(SRCS) tests/unit/guest_main.cpp) $(B)/guest-$(1)/gtest/gtest-all.o
	@mkdir -p $$(dir $$@)
	$$(CXX_$(1)) -static -pthread -o $$@ $$^
-include $(patsubst %.cpp,$(B)/guest-$(1)/%.d,$(SRCS) tests/unit/guest_main.cpp)
# GUEST_FILTER is compiled into guest_main: a change to it (here) rebuilds that one file
$(B)/guest-$(1)/tests/unit/guest_main.o: tests/unit/unit.mk
endef
$(eval $(call guest,x86_64))
$(eval $(call guest,aarch64))

clean:
	rm -rf $(B) build/guest

# --- user tools the guest tests use, static for each guest architecture
# CLI11 (Debian's libcli11-dev) is header-only: a cross compiler must not search the host's
# /usr/include, so it gets a directory holding just that library.
CLI11_DIR := build/include/cli11
$(CLI11_DIR)/CLI:
	@mkdir -p $(dir $@)
	@test -d /usr/include/CLI || { echo "CLI11 is missing: scripts/setup.sh installs libcli11-dev" >&2; exit 1; }
	ln -sfn /usr/include/CLI $@
TOML_DIR := build/include/tomlplusplus
$(TOML_DIR)/toml++:
	@mkdir -p $(dir $@)
	@test -d /usr/include/toml++ || { echo "toml++ is missing: scripts/setup.sh installs libtomlplusplus-dev" >&2; exit 1; }
	ln -sfn /usr/include/toml++ $@
TOOL_FLAGS := -std=gnu++20 -O2 -Wall -Wextra -Werror -Iinclude/uapi -isystem $(CLI11_DIR)
# tool ARCH,NAME,SOURCES,FLAGS,LIBS,PREREQUISITES: NAME for ARCH (scripts/tools.mk), its objects in
# $(B)/tools-ARCH/NAME/: static for the guests (x86_64, aarch64), dynamic for the build host (host:
# tests/user/ checks their command lines). PREREQUISITES (generated headers, cross libraries) must
# exist before the first compile.
TOOLS_BIN_x86_64 := build/guest/x86_64/bin
TOOLS_BIN_aarch64 := build/guest/aarch64/bin
TOOLS_BIN_host := build/host/bin
CXX_host := $(CCACHE) g++-12
LINK_x86_64 := -static
LINK_aarch64 := -static
LINK_host :=
include scripts/tools.mk
tool = $(call mxrt-cxx-tool,$(B)/tools-$(1)/$(2),$(TOOLS_BIN_$(1))/$(2),$$(CXX_$(1)),$$(TOOL_FLAGS) $(4),$(4) $$(LINK_$(1)),$(3),$(5),$(HDR_LIBS) $(6))
# tools NAME,SOURCES,ARCHES,FLAGS,LIBS,PREREQUISITES: NAME for each of ARCHES (x86_64, aarch64, host)
# with the same FLAGS, LIBS and PREREQUISITES; a tool whose FLAGS, LIBS or PREREQUISITES differ by
# ARCH is called once per ARCH
tools = $(foreach a,$(3),$(eval $(call tool,$(a),$(1),$(2),$(4),$(5),$(6))))
ALL := x86_64 aarch64 host
GUESTS := x86_64 aarch64
$(call tools,mxrt-max30102-read,user/max30102-read/max30102_read.cpp,$(ALL))
$(call tools,mxrt-lat,user/lat/lat_cli.cpp,$(ALL))
# mxrt-max30102-ctl takes the chip's value tables from the driver's core (kernel/max30102/chip.hpp)
$(call tools,mxrt-max30102-ctl,user/max30102-ctl/max30102_ctl.cpp,$(ALL),-DMXRT_HOSTED -Ikernel)
$(call tools,mxrt-lat-workload,tests/vm/lat_workload.cpp,$(GUESTS),-pthread)
# The evaluator runs the estimator's own source (kernel/max30102/vitals.cpp) in user space; in the
# guests it replays what the driver's estimator saw (tests/vm/guest/24-vitals.sh).
$(call tools,mxrt-vitals-eval,$(VITALS_EVAL_SRCS),$(ALL),-DMXRT_HOSTED -Ikernel -Iuser)

# mxrtd and mxrt-top, with liburing (Debian's liburing-dev 2.3, linked statically): the host's for
# x86_64 and the host, the arm64 package unpacked by scripts/setup.sh (apt-get download + dpkg -x, no
# multi-arch install) for aarch64. toml++ is header-only.
URING_aarch64 := -isystem $(MXRT_CACHE)/liburing/arm64/root/usr/include -L$(MXRT_CACHE)/liburing/arm64/root/usr/lib/aarch64-linux-gnu
URING_LIB_aarch64 := $(MXRT_CACHE)/liburing/arm64/root/usr/lib/aarch64-linux-gnu/liburing.a
$(URING_LIB_aarch64):
	@echo "no aarch64 liburing ($@): run scripts/setup.sh" >&2; exit 1
DAEMON_FLAGS := -DMXRT_HOSTED -Ikernel -isystem $(TOML_DIR) -pthread
$(foreach a,$(ALL),$(call tools,mxrtd,$(MXRTD_SRCS),$(a),$(DAEMON_FLAGS) $(URING_$(a)),-l:liburing.a,$(URING_LIB_$(a))))
$(call tools,mxrt-top,$(MXRT_TOP_SRCS),$(ALL),$(DAEMON_FLAGS))
# the consumers' wake-up latency benchmark (bench/guest/50-mxrtd-latency.sh)
WAKE_BENCH_SRCS := bench/daemon/wake_bench.cpp user/mxrtd/shm.cpp user/mxrtd/futex.cpp user/mxrtd/contract.cpp \
	kernel/lib/hist/log2_hist.cpp
$(foreach a,$(GUESTS),$(call tools,mxrt-wake-bench,$(WAKE_BENCH_SRCS),$(a),$(DAEMON_FLAGS) -Iuser $(URING_$(a)),-l:liburing.a,$(URING_LIB_$(a))))
# how the driver serves io_uring and RWF_NOWAIT readers (tests/vm/uring_probe.cpp)
$(foreach a,$(GUESTS),$(call tools,mxrt-uring-probe,tests/vm/uring_probe.cpp,$(a),$(URING_$(a)),-l:liburing.a,$(URING_LIB_$(a))))
# the VM tests' stand-in for an older kernel or a daemon without privileges (tests/vm/restrict.cpp)
$(call tools,mxrt-restrict,tests/vm/restrict.cpp,$(GUESTS))
# whether the emulated machine stood still during a test (tests/vm/stall_meter.cpp)
$(call tools,mxrt-stall-meter,tests/vm/stall_meter.cpp,$(GUESTS),-pthread)

# mxrt-contention, with libbpf, libelf and zlib (Debian's -dev packages: the host's for x86_64 and the
# host, the arm64 ones unpacked by scripts/setup.sh for aarch64) and its skeleton for that architecture
BPF_ARCH_x86_64 := x86
BPF_ARCH_aarch64 := arm64
BPF_ARCH_host := x86
BPFLIBS_aarch64 := $(MXRT_CACHE)/bpflibs/arm64/root
BPFLIB_FLAGS_aarch64 := -isystem $(BPFLIBS_aarch64)/usr/include -L$(BPFLIBS_aarch64)/usr/lib/aarch64-linux-gnu
BPFLIB_aarch64 := $(BPFLIBS_aarch64)/usr/lib/aarch64-linux-gnu/libbpf.a
$(BPFLIB_aarch64):
	@echo "no aarch64 libbpf ($@): run scripts/setup.sh" >&2; exit 1
BPF_LIBS := -lbpf -lelf -lz
$(foreach a,$(ALL),$(call tools,mxrt-contention,$(CONTENTION_SRCS),$(a),-I$(BPF_OUT)/$(BPF_ARCH_$(a)) $(BPFLIB_FLAGS_$(a)),\
	$(BPF_LIBS),$(BPF_OUT)/$(BPF_ARCH_$(a))/contention.skel.h $(BPFLIB_$(a))))

# The ioctl test program (tests/vm/max30102_ioctl_test.c), plain C: for each guest's own ABI, and
# as a 32-bit program on the same kernel (i386 on x86_64, armhf on arm64: compat_ioctl)
CC_x86_64 := gcc-12
CC_aarch64 := aarch64-linux-gnu-gcc
CC32_x86_64 := i686-linux-gnu-gcc
CC32_aarch64 := arm-linux-gnueabihf-gcc
IOCTL_TEST_FLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude/uapi -static -pthread
build/guest/%/bin/mxrt-max30102-ioctl-test: tests/vm/max30102_ioctl_test.c include/uapi/mxrt/max30102.h
	@mkdir -p $(dir $@)
	$(CC_$*) $(IOCTL_TEST_FLAGS) -o $@ $<
build/guest/%/bin/mxrt-max30102-ioctl-test32: tests/vm/max30102_ioctl_test.c include/uapi/mxrt/max30102.h
	@mkdir -p $(dir $@)
	$(CC32_$*) $(IOCTL_TEST_FLAGS) -o $@ $<
GUEST_TOOLS := mxrt-max30102-read mxrt-lat mxrt-lat-workload mxrt-vitals-eval mxrt-max30102-ctl mxrtd mxrt-top mxrt-restrict \
	mxrt-uring-probe mxrt-stall-meter mxrt-wake-bench mxrt-contention mxrt-max30102-ioctl-test mxrt-max30102-ioctl-test32
GUEST_TOOL_BINS := $(foreach a,$(GUESTS),$(addprefix build/guest/$(a)/bin/,$(GUEST_TOOLS)))
guest: $(GUEST_TOOL_BINS)
.PHONY: guest-tools
guest-tools: $(GUEST_TOOL_BINS)

# The estimator's cost benchmark (bench/vitals/run.sh): the cores compiled as in the kernel (no
# MXRT_HOSTED: plain copies and fences in the ring), -O2, over the user-space platform for the
# ring's memory.
BENCH_CORE := kernel/max30102/acq.cpp kernel/max30102/ring.cpp kernel/max30102/vitals.cpp
BENCH_FLAGS := -std=gnu++20 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Ikernel -Iinclude/uapi -MMD -MP
build/bench/vitals/core/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CCACHE) g++-12 $(BENCH_FLAGS) -fno-exceptions -fno-rtti -c -o $@ $<
build/bench/vitals/hosted/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CCACHE) g++-12 $(BENCH_FLAGS) -DMXRT_HOSTED -c -o $@ $<
BENCH_OBJS := $(patsubst %.cpp,build/bench/vitals/core/%.o,bench/vitals/vitals_bench.cpp $(BENCH_CORE)) \
	$(patsubst %.cpp,build/bench/vitals/hosted/%.o,$(FAKE_SRCS))
build/host/bin/mxrt-vitals-bench: $(BENCH_OBJS)
	@mkdir -p $(dir $@)
	g++-12 -o $@ $^ -pthread
-include $(BENCH_OBJS:.o=.d)
