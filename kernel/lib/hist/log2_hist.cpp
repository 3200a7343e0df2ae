// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (the driver's IRQ-to-reader histogram, any context) and user space (tests).
// Implements kernel/lib/hist/log2_hist.h over the C++ view in log2_hist.hpp.
#include <lib/hist/log2_hist.hpp>

extern "C" {

void mxrt_log2_hist_init(mxrt_log2_hist *h) noexcept { mxrt::Log2Hist(*h).Init(); }

void mxrt_log2_hist_add(mxrt_log2_hist *h, mxrt_u64 v) noexcept { mxrt::Log2Hist(*h).AddShared(v); }

mxrt_u64 mxrt_log2_hist_percentile(const mxrt_log2_hist *h, mxrt_u32 permille) noexcept {
	return mxrt::Log2Hist(*const_cast<mxrt_log2_hist *>(h)).Percentile(permille);
}

mxrt_u64 mxrt_log2_bucket_low(mxrt_u32 b) noexcept { return mxrt::Log2BucketLow(b); }

mxrt_u64 mxrt_log2_bucket_high(mxrt_u32 b) noexcept { return mxrt::Log2BucketHigh(b); }

} // extern "C"
