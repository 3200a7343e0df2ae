# SPDX-License-Identifier: GPL-2.0
# Used by: the top-level Makefile (make tools/install) and tests/unit/unit.mk (unit tests, static guest
# and host builds). The sources of mxrtd and mxrt-top, in one place.
#   MXRTD_LIB   the parts the unit tests link (configuration, shared memory, futex_waitv, messages,
#               scheduling, the log, the consumers)
#   MXRTD_SRCS  the daemon (with liburing, linked statically: -l:liburing.a)
#   MXRT_TOP_SRCS the live view
MXRTD_LIB := user/mxrtd/config.cpp user/mxrtd/shm.cpp user/mxrtd/futex.cpp user/mxrtd/messages.cpp user/mxrtd/sched.cpp \
	user/mxrtd/log.cpp user/mxrtd/consumers.cpp
MXRTD_SRCS := $(MXRTD_LIB) user/mxrtd/device.cpp user/mxrtd/acquire.cpp \
	user/mxrtd/main.cpp user/mxrtd/contract.cpp kernel/lib/hist/log2_hist.cpp
MXRT_TOP_SRCS := user/mxrt-top/main.cpp user/mxrtd/shm.cpp user/mxrtd/futex.cpp user/mxrtd/messages.cpp \
	user/mxrtd/contract.cpp kernel/lib/hist/log2_hist.cpp
MXRTD_HDRS := $(wildcard user/mxrtd/*.hpp) include/uapi/mxrt/mxrtd.h include/uapi/mxrt/max30102.h
