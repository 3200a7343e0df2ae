// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (unit tests). Controls of the fake platform behind kernel/lib/platform/shim.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mxrt::fake {

// The fake CLOCK_MONOTONIC (mxrt_shim_now_ns). Starts at 1 s.
void SetNow(uint64_t ns);
uint64_t Now();
void Advance(uint64_t ns);
// Runs fn once, at the next read of the fake clock (by whichever thread reads it first): a test
// steps in at that point of the code under test (a command between a probe's two steps, ...).
// fn may read the clock itself; it does not run again.
void AtNextClockRead(std::function<void()> fn);

// Allocation failure injection: the next `n` allocations succeed, then all fail, until Reset.
void FailAllocAfter(long n);
void ResetAllocFailures();
long LiveAllocations();

// Everything mxrt_shim_log printed since the last call (and clears it).
std::string TakeLog();

// Completed RCU grace periods so far (each synchronize or completed poll counts one).
uint64_t GracePeriods();

} // namespace mxrt::fake
