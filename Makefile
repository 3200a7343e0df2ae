# SPDX-License-Identifier: GPL-2.0
#
# Top-level build. Kernel modules are built with Kbuild against Debian's kernels, unpacked by
# scripts/setup.sh into $(MXRT_CACHE)/kernels/<flavour>. Each flavour builds in its own shadow tree
# build/<flavour>/ (symlinks to the sources), so the three kernels never share objects.
#
#   make                      modules for the 6.12 PREEMPT_RT x86_64 kernel (FLAVOUR=x86_64-rt-6.12)
#   make ARCH=arm64           modules for the 6.12 arm64 kernel (cross-built, aarch64-linux-gnu-)
#   make FLAVOUR=x86_64-rt-6.1
#   make KDIR=/path/to/headers   any other kernel tree
#   make modules-all          all three flavours
#   make unit                 user-space unit tests (ASan+UBSan, TSan, clang)
#   make test                 everything CI runs (tests/run-all.sh)
#   make demo                 boots the PREEMPT_RT VM and shows the watchdog library at work
#   make bench                benchmarks (in the VMs)
#   make install              modules_install into /lib/modules/<release>/updates (on the target)
#   make clean

MXRT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mxrt
FLAVOURS := x86_64-rt-6.12 arm64-6.12 x86_64-rt-6.1
ifeq ($(ARCH),arm64)
FLAVOUR ?= arm64-6.12
else
FLAVOUR ?= x86_64-rt-6.12
endif
KDIR ?= $(MXRT_CACHE)/kernels/$(FLAVOUR)/kdir
BUILD := $(CURDIR)/build
# Source directories mirrored into each shadow tree.
KSRC := Kbuild kernel include tests/kernel/watchdog bench/kmod scripts
export MXRT_CACHE

.PHONY: all modules modules-all install setup unit guest-bins test vm-test demo bench clean help
all: modules

help:
	@sed -n 's/^#   //p' Makefile

setup:
	scripts/setup.sh

$(KDIR)/Makefile:
	@echo "error: no kernel tree at $(KDIR); run 'scripts/setup.sh' (or set KDIR)" >&2; exit 1

# Shadow tree: directories are real, files are symlinks to the checkout (refreshed every build).
define shadow
	@mkdir -p $(BUILD)/$(1)/tests $(BUILD)/$(1)/bench
	@for d in $(KSRC); do \
		mkdir -p $(BUILD)/$(1)/$$(dirname $$d); \
		cp -rsf $(CURDIR)/$$d $(BUILD)/$(1)/$$(dirname $$d)/; \
	done
endef

modules: $(KDIR)/Makefile
	$(call shadow,$(FLAVOUR))
	$(MAKE) -C $(KDIR) M=$(BUILD)/$(FLAVOUR) modules

# Installs into /lib/modules/<KDIR's release>/updates and runs depmod (on the target machine).
install: modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/$(FLAVOUR) INSTALL_MOD_DIR=updates modules_install

modules-all:
	@for f in $(FLAVOURS); do $(MAKE) --no-print-directory modules FLAVOUR=$$f KDIR=$(MXRT_CACHE)/kernels/$$f/kdir || exit 1; done

unit:
	$(MAKE) -f tests/unit/unit.mk run

guest-bins:
	$(MAKE) -f tests/unit/unit.mk guest

test:
	tests/run-all.sh

vm-test:
	tests/vm/run.sh x86_64-rt-6.12
	tests/vm/run.sh arm64-6.12

demo:
	scripts/demo.sh

bench:
	bench/run.sh

clean:
	@for f in $(FLAVOURS); do \
		if [ -d $(BUILD)/$$f ] && [ -e $(MXRT_CACHE)/kernels/$$f/kdir/Makefile ]; then \
			$(MAKE) -C $(MXRT_CACHE)/kernels/$$f/kdir M=$(BUILD)/$$f clean >/dev/null; fi; \
	done
	rm -rf $(BUILD)
