# SPDX-License-Identifier: GPL-2.0
# Included by the top Makefile (the tools) and tests/unit/unit.mk (the unit and guest objects), run
# from the top of the tree. Compiles go through ccache when it is there (scripts/setup.sh installs
# it; MXRT_CCACHE=0 turns it off): CI checks out a clean tree every time. Paths are hashed relative
# to the tree, so any checkout of the same sources hits. The cache sits beside the kernel cache
# (scripts/setup.sh), which a warm CI keeps.
MXRT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mxrt
CCACHE := $(if $(filter 0,$(MXRT_CCACHE)),,$(shell command -v ccache 2>/dev/null))
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_DIR ?= $(MXRT_CACHE)/ccache
