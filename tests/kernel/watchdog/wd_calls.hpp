// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (unit tests). The core's lock-free calls as the kernel glue makes them:
// inside an RCU read-side section (kernel/watchdog/watchdog_glue.c disables preemption around them,
// which RCU counts as one).
#pragma once

#include <watchdog/watchdog_core.h>
#include <lib/platform/platform.hpp>

inline int WdStart(mxrt_wdcore *c, mxrt_s64 wd, mxrt_u64 now) {
	mxrt::RcuReadGuard rcu;
	return mxrt_wdcore_start(c, wd, now);
}
inline int WdKick(mxrt_wdcore *c, mxrt_s64 wd, mxrt_u64 now) {
	mxrt::RcuReadGuard rcu;
	return mxrt_wdcore_kick(c, wd, now);
}
inline int WdCancel(mxrt_wdcore *c, mxrt_s64 wd) {
	mxrt::RcuReadGuard rcu;
	return mxrt_wdcore_cancel(c, wd);
}
inline int WdSetTimeout(mxrt_wdcore *c, mxrt_s64 wd, mxrt_u32 timeout_ms) {
	mxrt::RcuReadGuard rcu;
	return mxrt_wdcore_set_timeout(c, wd, timeout_ms);
}
