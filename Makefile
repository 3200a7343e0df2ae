# SPDX-License-Identifier: GPL-2.0
#
# Top-level build. Kernel modules are built with Kbuild against Debian's kernels, unpacked by
# scripts/setup.sh into $(MXRT_CACHE)/kernels/<flavour>. Each flavour builds in its own shadow tree
# build/<flavour>/ (symlinks to the sources), so the three kernels never share objects.
#
#   make                      modules for the 6.12 PREEMPT_RT x86_64 kernel (FLAVOUR=x86_64-rt-6.12)
#   make ARCH=arm64           for the 6.12 arm64 kernel (modules and tools cross-built, aarch64-linux-gnu-)
#   make FLAVOUR=x86_64-rt-6.1     Debian 12's own 6.1 PREEMPT_RT kernel
#   make FLAVOUR=arm64-6.1         Debian 12's own 6.1 arm64 kernel (a Raspberry Pi's by default)
#   make FLAVOUR=arm64-rt-6.12     Debian's PREEMPT_RT arm64 kernel (what a Raspberry Pi runs)
#   make KDIR=/path/to/headers   any other kernel tree (FLAVOUR defaults to "native" then)
#   make modules-all          all five flavours
#   make tools                the command-line tools, for the machine the modules are for
#   make mainline-iio         the mainline IIO max30102 driver, for the VM conformance test
#   make unit                 user-space unit tests (ASan+UBSan, TSan, clang)
#   make test                 everything CI runs (tests/run-all.sh)
#   make demo                 boots the PREEMPT_RT VM and shows the suite at work
#   make bench                benchmarks (in the VMs)
#   make install              on the target (as root): modules into /lib/modules/<release>/updates
#                             (+ depmod), tools (mxrtd, mxrt-top, mxrt-contention too) into $(PREFIX)/bin, the
#                             Raspberry Pi overlay into $(OVERLAYDIR), the in-tree max30102 blacklist
#                             into /etc/modprobe.d, mxrtd's systemd unit into $(UNITDIR) and
#                             its example config into /etc/mxrtd (if there is none yet);
#                             DESTDIR=/some/root installs into a staging tree instead
#   make uninstall            removes what make install installed (not /etc/mxrtd/mxrtd.toml)
#   make dkms                 on the target (as root): the modules through DKMS (built for the running
#                             kernel and rebuilt on every kernel update), the rest as make install
#   make dkms-source          the DKMS source tree into $(DESTDIR)/usr/src/mxrt-max30102-<version>
#   make deb                  the Debian packages (dpkg-buildpackage) into build/deb/
#   make clean

MXRT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mxrt
FLAVOURS := x86_64-rt-6.12 arm64-6.12 x86_64-rt-6.1 arm64-6.1 arm64-rt-6.12
ifneq ($(origin KDIR),undefined) # a kernel tree of your own (the Pi's headers)
FLAVOUR ?= native
endif
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

.PHONY: all modules modules-all mainline-iio install install-modules install-files uninstall dkms dkms-source deb tools dtbo setup unit guest-bins test vm-test demo bench clean help
all: modules tools dtbo

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

# The arm64 flavours are cross-built on an x86_64 host. Debian's 6.12 arm64 headers name the cross
# compiler themselves; its 6.1 headers only inside a Debian package build, so it is named here.
ifneq ($(filter arm64-%,$(FLAVOUR)),)
ifneq ($(shell uname -m),aarch64)
KBUILD_CROSS := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
# and the tools with it: host tools would be installed for the arm64 target (make ARCH=arm64 did
# that until 2026-12-07)
CROSS_COMPILE ?= aarch64-linux-gnu-
endif
endif
modules: $(KDIR)/Makefile
	$(call shadow,$(FLAVOUR))
	$(MAKE) -C $(KDIR) M=$(BUILD)/$(FLAVOUR) $(KBUILD_CROSS) modules

# The tools, built with the C++ compiler of the machine the modules are for: native (g++), or
# $(CROSS_COMPILE)g++ when cross-building (make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- tools).
# They compile through ccache ($(CCACHE)), as the unit tests do: CI builds them from a clean
# checkout for make install and again for make deb.
include scripts/ccache.mk
TOOLS_CXX ?= $(CCACHE) $(if $(CROSS_COMPILE),$(CROSS_COMPILE)g++,g++)
# CPPFLAGS, CXXFLAGS and LDFLAGS from the environment come last (the Debian package build passes
# its hardening flags that way)
TOOLS_FLAGS := -std=gnu++20 -O2 -Wall -Wextra -Iinclude/uapi -isystem $(BUILD)/include/cli11 $(CPPFLAGS) $(CXXFLAGS) $(LDFLAGS)
TOOLS_DIR := $(BUILD)/tools/$(FLAVOUR)
comma := ,
TOOLS := $(TOOLS_DIR)/mxrt-max30102-read $(TOOLS_DIR)/mxrt-lat $(TOOLS_DIR)/mxrt-vitals-eval $(TOOLS_DIR)/mxrt-max30102-ctl \
	$(TOOLS_DIR)/mxrtd $(TOOLS_DIR)/mxrt-top $(TOOLS_DIR)/mxrt-contention
TOOL_NAMES := $(notdir $(TOOLS))
# tool NAME,SOURCES,FLAGS,LIBS,ORDER-ONLY: NAME into $(TOOLS_DIR), its objects in
# $(TOOLS_DIR)/obj/NAME/ (scripts/tools.mk)
include scripts/tools.mk
tool = $(call mxrt-cxx-tool,$(TOOLS_DIR)/obj/$(1),$(TOOLS_DIR)/$(1),$$(TOOLS_CXX),$$(TOOLS_FLAGS) $(3),$$(TOOLS_FLAGS) $(3),$(2),$(4),$(BUILD)/include/cli11/CLI $(5))
$(BUILD)/include/cli11/CLI: # CLI11 (libcli11-dev) alone, so that a cross compiler can use it
	@test -d /usr/include/CLI || { echo "CLI11 is missing: apt install libcli11-dev" >&2; exit 1; }
	@mkdir -p $(dir $@) && ln -sfn /usr/include/CLI $@
$(eval $(call tool,mxrt-max30102-read,user/max30102-read/max30102_read.cpp))
$(eval $(call tool,mxrt-lat,user/lat/lat_cli.cpp))
# the heart-rate/SpO2 evaluator: the driver's estimator (kernel/max30102/vitals.cpp) in user space
VITALS_EVAL_SRCS := user/vitals-eval/main.cpp user/vitals-eval/recording.cpp user/vitals-eval/ppg_sim.cpp \
	user/vitals-eval/evaluate.cpp kernel/max30102/vitals.cpp
$(eval $(call tool,mxrt-vitals-eval,$(VITALS_EVAL_SRCS),-DMXRT_HOSTED -Ikernel -Iuser))
# mxrt-max30102-ctl takes the chip's value tables from the driver's core (kernel/max30102/chip.hpp)
$(eval $(call tool,mxrt-max30102-ctl,user/max30102-ctl/max30102_ctl.cpp,-DMXRT_HOSTED -Ikernel))

# mxrtd and mxrt-top: toml++ (libtomlplusplus-dev, header-only) and liburing (liburing-dev, linked
# statically, so the Pi needs no liburing at run time). Cross-built for arm64, liburing comes from
# Debian's arm64 package that scripts/setup.sh unpacks into the cache.
include user/mxrtd/sources.mk
$(BUILD)/include/tomlplusplus/toml++:
	@test -d /usr/include/toml++ || { echo "toml++ is missing: apt install libtomlplusplus-dev" >&2; exit 1; }
	@mkdir -p $(dir $@) && ln -sfn /usr/include/toml++ $@
MXRTD_FLAGS := -DMXRT_HOSTED -Ikernel -isystem $(BUILD)/include/tomlplusplus -pthread
URING_FLAGS := $(if $(CROSS_COMPILE),-isystem $(MXRT_CACHE)/liburing/arm64/root/usr/include \
	-L$(MXRT_CACHE)/liburing/arm64/root/usr/lib/aarch64-linux-gnu)
$(eval $(call tool,mxrtd,$(MXRTD_SRCS),$(MXRTD_FLAGS) $(URING_FLAGS),-l:liburing.a,$(BUILD)/include/tomlplusplus/toml++))
$(eval $(call tool,mxrt-top,$(MXRT_TOP_SRCS),$(MXRTD_FLAGS),,$(BUILD)/include/tomlplusplus/toml++))
# mxrt-contention: BPF programs built with clang for the target's architecture (vmlinux.h from the
# BTF of the cached kernel of that architecture; user/contention/sources.mk), libbpf, libelf and
# zlib linked statically (so the Pi needs no libbpf at run time); cross-built for arm64 with
# Debian's arm64 packages that scripts/setup.sh unpacks into the cache.
include user/contention/sources.mk
CONTENTION_BPF_ARCH := $(if $(filter aarch64% arm64%,$(CROSS_COMPILE) $(ARCH) $(FLAVOUR) $(shell uname -m)),arm64,x86)
BPFLIB_FLAGS := $(if $(CROSS_COMPILE),-isystem $(MXRT_CACHE)/bpflibs/arm64/root/usr/include \
	-L$(MXRT_CACHE)/bpflibs/arm64/root/usr/lib/aarch64-linux-gnu)
$(eval $(call tool,mxrt-contention,$(CONTENTION_SRCS),-I$(BPF_OUT)/$(CONTENTION_BPF_ARCH) $(BPFLIB_FLAGS),\
	-Wl$(comma)-Bstatic -lbpf -lelf -lz -Wl$(comma)-Bdynamic,$(BPF_OUT)/$(CONTENTION_BPF_ARCH)/contention.skel.h))
# It needs BTF to build (vmlinux.h) and to run (CO-RE): where there is none (Raspberry Pi OS's
# kernels are built without CONFIG_DEBUG_INFO_BTF, and no scripts/setup.sh cache), `make tools`
# builds the other tools and says so; make install and the package then have no mxrt-contention.
CONTENTION_BTF ?= $(wildcard $(MXRT_CACHE)/kernels/$(BTF_KERNEL_$(CONTENTION_BPF_ARCH))/vmlinuz /sys/kernel/btf/vmlinux)
CONTENTION_NO_BTF := no BTF for $(CONTENTION_BPF_ARCH) (no /sys/kernel/btf/vmlinux, no scripts/setup.sh cache)
# The running kernel's BTF alone (a package rebuilt with dpkg-buildpackage on a build server) may
# describe no I2C, which the programs trace: the build then failed (incomplete struct i2c_adapter)
# where it should leave the tool out, as without BTF.
# (Judged only when bpftool can read it: a missing or failing bpftool is the build's error to say.)
ifeq ($(CONTENTION_BTF),/sys/kernel/btf/vmlinux)
ifeq ($(shell $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "STRUCT 'i2c_adapter'" || \
	{ $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux >/dev/null 2>&1 && echo no; }),no)
CONTENTION_BTF :=
CONTENTION_NO_BTF := the running kernel's BTF (/sys/kernel/btf/vmlinux) has no I2C (struct i2c_adapter), and no scripts/setup.sh cache
endif
endif
ifeq ($(CONTENTION_BTF),)
TOOLS := $(filter-out %/mxrt-contention,$(TOOLS))
tools: no-contention-note
no-contention-note:
	@echo "note: mxrt-contention is not built: $(CONTENTION_NO_BTF); it could not run on this kernel" \
		"either (docs/contention.md)" >&2
.PHONY: no-contention-note
endif
tools: $(TOOLS)
# the systemd unit, with the path the daemon is installed at
$(BUILD)/mxrtd.service: user/mxrtd/mxrtd.service.in
	@mkdir -p $(dir $@)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' $< >$@

# The Raspberry Pi 4 overlay (dts/mxrt-max30102-rpi.dtso), compiled with its symbols.
DTBO := $(BUILD)/dts/mxrt-max30102-rpi.dtbo
dtbo: $(DTBO)
$(DTBO): dts/mxrt-max30102-rpi.dtso
	@mkdir -p $(dir $@)
	dtc -@ -q -I dts -O dtb -o $@ $<

# make install: everything a Raspberry Pi needs, on the Pi, as root (see README, "On a Raspberry
# Pi"). The modules go to /lib/modules/<the headers' release>/updates (modules_install, then
# depmod); the overlay to $(OVERLAYDIR), which the firmware reads; the blacklist keeps the kernel's
# own max30102 (IIO) driver from taking the chip before ours. DESTDIR stages it all elsewhere
# (packaging, tests) and then skips depmod. A relative DESTDIR is taken from here for the modules
# too (Kbuild runs in $(KDIR): they went into the kernel headers' tree, which uninstall missed).
PREFIX ?= /usr/local
OVERLAYDIR ?= /boot/firmware/overlays
UNITDIR ?= /etc/systemd/system
# The release the kernel calls itself (uname -r), which names /lib/modules/<release>: UTS_RELEASE.
# Not include/config/kernel.release: Debian's 6.1 headers hold the upstream version there
# ("6.1.192" for 6.1.0-57-arm64), which made depmod fail and uninstall miss the modules.
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
install: install-modules install-files
install-modules: modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/$(FLAVOUR)/kernel INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= $(if $(DESTDIR),INSTALL_MOD_PATH=$(abspath $(DESTDIR)) DEPMOD=true) modules_install
	$(if $(DESTDIR),,depmod -a $(KRELEASE))
# everything but the modules (make dkms installs those through DKMS)
install-files: tools dtbo $(BUILD)/mxrtd.service
	install -D -m 0755 -t $(DESTDIR)$(PREFIX)/bin $(TOOLS)
	install -D -m 0644 -t $(DESTDIR)$(OVERLAYDIR) $(DTBO)
	install -D -m 0644 kernel/max30102/mxrt-max30102.conf $(DESTDIR)/etc/modprobe.d/mxrt-max30102.conf
	install -D -m 0644 $(BUILD)/mxrtd.service $(DESTDIR)$(UNITDIR)/mxrtd.service
	@# the configuration is the user's once installed: never overwritten
	test -e $(DESTDIR)/etc/mxrtd/mxrtd.toml || install -D -m 0644 user/mxrtd/mxrtd.toml $(DESTDIR)/etc/mxrtd/mxrtd.toml

# make uninstall: what make install put there, with the same KDIR/PREFIX/OVERLAYDIR/UNITDIR (then
# depmod); /etc/mxrtd/mxrtd.toml stays, it is the user's. Every tool's name, whether or not this
# make would build it: mxrt-contention installed while there was BTF stays installed when uninstall
# runs without (another HOME under sudo, the setup cache gone).
# A file that a Debian package owns stays, with a note: the two ways mixed (the -dkms package owns
# /etc/modprobe.d/mxrt-max30102.conf; with PREFIX=/usr the tools are mxrt-max30102's), and removing
# it would break that package. OWNER_QUERY answers for the path without DESTDIR: dpkg-query -S,
# not asked for a staged uninstall (DESTDIR) unless given.
MODULE_NAMES := mxrt_watchdog mxrt_watchdog_demo mxrt_max30102 mxrt_max30102_sim mxrt_lat
UNINSTALL_FILES = $(addprefix $(PREFIX)/bin/,$(TOOL_NAMES)) $(OVERLAYDIR)/mxrt-max30102-rpi.dtbo \
	/etc/modprobe.d/mxrt-max30102.conf $(UNITDIR)/mxrtd.service
OWNER_QUERY ?= $(if $(DESTDIR),,dpkg-query -S)
uninstall:
	@test -n "$(KRELEASE)" || { echo "error: no kernel release in $(KDIR) (set KDIR as for make install)" >&2; exit 1; }
	@# the unit make install put there, enabled or running, goes as systemctl disable --now would
	@# take it: the daemon stopped and the .wants links removed (they dangled, and a running
	@# daemon ran on from its deleted binary); a unit a package owns is the package's
	@if [ -f "$(DESTDIR)$(UNITDIR)/mxrtd.service" ] && \
		! { [ -n "$(OWNER_QUERY)" ] && $(OWNER_QUERY) "$(UNITDIR)/mxrtd.service" >/dev/null 2>&1; }; then \
		if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null; then \
			echo "systemctl disable --now mxrtd.service"; systemctl disable --now mxrtd.service || true; \
		fi; \
		for l in "$(DESTDIR)/etc/systemd/system"/*.wants/mxrtd.service; do \
			[ -L "$$l" ] && [ "$$(readlink "$$l")" = "$(UNITDIR)/mxrtd.service" ] && { echo "rm -f $$l"; rm -f "$$l"; }; \
		done; \
	fi; true
	rm -f $(foreach m,$(MODULE_NAMES),$(DESTDIR)/lib/modules/$(KRELEASE)/updates/$(m).ko*)
	$(if $(DESTDIR),,depmod -a $(KRELEASE))
	@for f in $(UNINSTALL_FILES); do \
		if [ -n "$(OWNER_QUERY)" ] && owner=$$($(OWNER_QUERY) "$$f" 2>/dev/null); then \
			echo "uninstall: $$f belongs to the Debian package $${owner%%:*}: left (apt remove it to remove it)"; \
		else echo "rm -f $(DESTDIR)$$f"; rm -f "$(DESTDIR)$$f" || exit 1; fi; \
	done
	$(if $(DESTDIR),,@command -v systemctl >/dev/null && systemctl daemon-reload || true)

# DKMS (docs/install.md): the source tree DKMS builds from, /usr/src/mxrt-max30102-<version>/ (the
# version is debian/changelog's), with dkms.conf; `make dkms` (as root, on the target) installs it,
# has DKMS build and install the modules for the running kernel (and, from then on, for every
# kernel installed later), and installs everything else as make install does.
DKMS_NAME := mxrt-max30102
lparen := (
rparen := )
VERSION := $(shell sed -n '1{s/^[^$(lparen)]*[$(lparen)]//;s/[-$(rparen)].*//;p;}' debian/changelog)
DKMS_SRC = $(DESTDIR)/usr/src/$(DKMS_NAME)-$(VERSION)
dkms-source:
	@test -n "$(VERSION)" || { echo "no version in debian/changelog" >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/include $(DKMS_SRC)/scripts
	cp -r kernel $(DKMS_SRC)/
	cp -r include/uapi $(DKMS_SRC)/include/
	install -m 0755 scripts/check-cxx-object.sh scripts/dkms-remove-others.sh $(DKMS_SRC)/scripts/
	install -m 0644 LICENSE $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
# Built first, other versions removed only then (scripts/dkms-remove-others.sh: DKMS would keep
# their modules in place of these): a checkout that does not build leaves what was installed.
dkms: dkms-source install-files
	-dkms remove $(DKMS_NAME)/$(VERSION) --all >/dev/null 2>&1
	dkms add $(DKMS_NAME)/$(VERSION)
	dkms build $(DKMS_NAME)/$(VERSION)
	scripts/dkms-remove-others.sh $(DKMS_NAME) $(VERSION)
	dkms install $(DKMS_NAME)/$(VERSION)

# The Debian packages (debian/), built from a copy of the sources (the files git tracks or would
# track) in build/deb/src, so that the package build's clean step never touches this checkout's
# build/: the source package (mxrt-max30102_<version>.dsc and .tar.xz, which any Debian machine
# rebuilds with dpkg-source -x and dpkg-buildpackage) and the binary packages mxrt-max30102-dkms
# and mxrt-max30102 land in build/deb/. DEB_FLAGS=-b: the binary packages only.
DEB_FLAGS ?=
DEB_JOBS ?= $(shell nproc)
# The packages' version: debian/changelog's, plus this checkout's commit time (UTC), how many
# commits of the first-parent history have that same second (1, 2, ...: commits made within one
# second, by a script or git am, ordered by their hash alone went backwards) and the hash
# (1.0.0+git20261206175536.1.g9fbc0f4a21b3), and with local changes the build's time as well
# (...+dirty20261206181500), so a package built from a later commit, or from later edits,
# upgrades the one installed: with the changelog's alone every build was 1.0.0, and apt kept the
# old one ("already the newest"). The commit time, not a count of commits: a shallow clone counts
# fewer. Only for this project's own checkout (not a repository that merely contains the tree).
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t $(BUILD)/deb/src
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		t=$$(git log -1 --format=%ct); \
		n=$$(git rev-list --count --first-parent --max-age=$$t --min-age=$$t HEAD); \
		v=$$(dpkg-parsechangelog -l debian/changelog -S Version)+git$$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S).$$n.g$$(git rev-parse --short=12 HEAD); \
		if [ -n "$$(git status --porcelain --untracked-files=normal)" ]; then v=$$v+dirty$$(date -u +%Y%m%d%H%M%S); fi; \
		sed -i "1s/([^)]*)/($$v)/" $(BUILD)/deb/src/debian/changelog; \
	fi
	cd $(BUILD)/deb/src && dpkg-buildpackage -us -uc -j$(DEB_JOBS) $(DEB_FLAGS)

modules-all:
	@for f in $(FLAVOURS); do $(MAKE) --no-print-directory modules FLAVOUR=$$f KDIR=$(MXRT_CACHE)/kernels/$$f/kdir || exit 1; done

# Built from Debian's linux-source-6.12 in the cache (scripts/setup.sh), into build/<flavour>/.
mainline-iio:
	tests/vm/build-mainline-iio.sh x86_64-rt-6.12 arm64-6.12

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
