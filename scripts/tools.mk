# SPDX-License-Identifier: GPL-2.0
# Included by the top Makefile (the tools users install) and tests/unit/unit.mk (the guests' and
# the build host's tools), run from the top of the tree: the one rule that builds a C++ tool.
#
# mxrt-cxx-tool OBJDIR,BIN,CXX,COMPILE-FLAGS,LINK-FLAGS,SOURCES,LIBS,ORDER-ONLY
#   each of SOURCES compiles on its own into OBJDIR (so that ccache can keep it; a tool compiled
#   and linked in one command cannot be cached, and CI builds from a clean checkout), with -MMD so
#   that a changed header compiles again what includes it; then they link into BIN with LIBS.
#   ORDER-ONLY (generated headers, header-only libraries, cross libraries) must exist first.
#   CXX and the flags are best passed unexpanded ($$(VAR)): they are expanded once, when a rule
#   runs, so that a $ in a user's flags (-Wl,-rpath,$$ORIGIN) stays one. A change to this file
#   compiles every tool again (a rule that changes must not leave objects it would name otherwise).
# The objects are named relative to the tree, as the .d files name them: ccache's base directory
# (scripts/ccache.mk) writes the paths in a .d file relative to the tree, and a rule for
# /abs/build/x.o never sees the headers that a .d lists for build/x.o (a changed header then
# rebuilt nothing: tests/build/install.sh checks it).
mxrt-rel = $(patsubst $(CURDIR)/%,%,$(1))
define mxrt-cxx-tool
$(call mxrt-rel,$(1))/%.o: %.cpp scripts/tools.mk | $(8)
	@mkdir -p $$(dir $$@)
	$(3) $(4) -MMD -MP -c -o $$@ $$<
$(2): $(patsubst %.cpp,$(call mxrt-rel,$(1))/%.o,$(6)) | $(8)
	@mkdir -p $$(dir $$@)
	$(3) $(5) -o $$@ $$^ $(7)
-include $(patsubst %.cpp,$(call mxrt-rel,$(1))/%.d,$(6))
endef
