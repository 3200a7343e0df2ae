/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (C glue and C++ cores) and user space (tests). Implemented by
 * kernel/lib/hist/log2_hist.cpp over the C++ view in kernel/lib/hist/log2_hist.hpp.
 *
 * The project's one latency histogram: log2 buckets (bucket k counts values in [2^k, 2^(k+1)),
 * bucket 0 also 0 and 1, the last bucket everything from 2^39 up) with count, min, max and sum.
 * Percentiles are estimated from the buckets, interpolated inside the bucket that holds the rank
 * and kept within [min, max]: never above the largest value seen nor below the smallest.
 *
 * Concurrency: mxrt_log2_hist_add may run on any number of CPUs at once (relaxed atomics; a
 * reader's snapshot may be a few values behind across fields, never torn within one). Readers:
 * any context. Memory: 352 bytes, no allocation.
 */
#ifndef MXRT_LIB_LOG2_HIST_H
#define MXRT_LIB_LOG2_HIST_H

#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

#define MXRT_LOG2_BUCKETS 40

struct mxrt_log2_hist {
	mxrt_u64 count, min, max, sum; /* min is ~0 while count == 0 */
	mxrt_u64 bucket[MXRT_LOG2_BUCKETS];
};

/* Empty (min = ~0). Not concurrently with anything else on h. */
void mxrt_log2_hist_init(struct mxrt_log2_hist *h) MXRT_NOEXCEPT;
/* Any context, concurrently with other adds and readers. */
void mxrt_log2_hist_add(struct mxrt_log2_hist *h, mxrt_u64 v) MXRT_NOEXCEPT;
/* The permille-th value (500 = median, 990 = p99, 1000 = max), 0 if empty. Any context. */
mxrt_u64 mxrt_log2_hist_percentile(const struct mxrt_log2_hist *h, mxrt_u32 permille) MXRT_NOEXCEPT;
/* Bucket b's range [low, high] (inclusive; the last bucket's high is ~0), for printing. */
mxrt_u64 mxrt_log2_bucket_low(mxrt_u32 b) MXRT_NOEXCEPT;
mxrt_u64 mxrt_log2_bucket_high(mxrt_u32 b) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_LIB_LOG2_HIST_H */
