# SPDX-License-Identifier: GPL-2.0
# Used by: the top-level Makefile (make tools/install) and tests/unit/unit.mk (unit tests, static guest
# and host builds). mxrt-contention's sources and its BPF build, in one place.
#   CONTENTION_LIB   what the unit tests link (symbols, names, aggregation, output; no libbpf)
#   CONTENTION_SRCS  the tool (the loader, linked with libbpf, libelf and zlib)
# The BPF side, per BPF target architecture (x86, arm64), under $(BPF_OUT)/<arch>/:
#   vmlinux.h          from the BTF of the kernel in scripts/setup.sh's cache (bpf/extract-btf.sh on
#                      its vmlinuz), or of the running kernel (/sys/kernel/btf/vmlinux) without one;
#                      CO-RE relocates the programs to whatever kernel loads them
#   contention.bpf.o   clang -target bpf, debug info stripped (the BTF stays)
#   contention.skel.h  bpftool gen skeleton
CONTENTION_LIB := user/contention/report.cpp
CONTENTION_SRCS := user/contention/main.cpp $(CONTENTION_LIB)
CONTENTION_HDRS := user/contention/report.hpp bpf/contention.h bpf/contention_stack.h
BPF_OUT := build/bpf
BTF_KERNEL_x86 ?= x86_64-rt-6.12
BTF_KERNEL_arm64 ?= arm64-6.12
BPF_CLANG ?= clang
# Debian installs bpftool in /usr/sbin, which a user's PATH does not have
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
$(BPF_OUT)/%/vmlinux.h: bpf/extract-btf.sh
	@mkdir -p $(dir $@)
	@set -e; k=$(MXRT_CACHE)/kernels/$(BTF_KERNEL_$*)/vmlinuz; \
	if [ -e "$$k" ]; then bpf/extract-btf.sh "$$k" $@.btf; \
	elif [ -r /sys/kernel/btf/vmlinux ]; then cp /sys/kernel/btf/vmlinux $@.btf; \
	else echo "no BTF for $*: run scripts/setup.sh (or build on a kernel with /sys/kernel/btf/vmlinux)" >&2; exit 1; fi
	$(BPFTOOL) btf dump file $@.btf format c >$@.tmp
	@rm -f $@.btf
	@mv $@.tmp $@
$(BPF_OUT)/%/contention.bpf.o: bpf/contention.bpf.c bpf/contention.h bpf/contention_stack.h $(BPF_OUT)/%/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$* -I$(BPF_OUT)/$* -Ibpf -Wall -Werror -c -o $@ $<
	llvm-strip -g $@
$(BPF_OUT)/%/contention.skel.h: $(BPF_OUT)/%/contention.bpf.o
	$(BPFTOOL) gen skeleton $< name contention_bpf >$@.tmp
	@mv $@.tmp $@
# keep the generated files (make would delete them as intermediates)
.SECONDARY: $(BPF_OUT)/x86/vmlinux.h $(BPF_OUT)/arm64/vmlinux.h $(BPF_OUT)/x86/contention.bpf.o \
	$(BPF_OUT)/arm64/contention.bpf.o
