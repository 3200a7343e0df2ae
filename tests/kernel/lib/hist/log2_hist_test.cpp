// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (Google Test, also under TSan). The one log2 histogram
// (kernel/lib/hist/log2_hist.{h,hpp}): buckets, percentiles that never leave [min, max], the
// interpolation inside a bucket, and adds from many threads.
#include <lib/hist/log2_hist.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

namespace {

mxrt_log2_hist Empty() {
	mxrt_log2_hist h;
	mxrt_log2_hist_init(&h);
	return h;
}

TEST(Log2Hist, Buckets) {
	EXPECT_EQ(mxrt::Log2Bucket(0), 0u);
	EXPECT_EQ(mxrt::Log2Bucket(1), 0u);
	EXPECT_EQ(mxrt::Log2Bucket(2), 1u);
	EXPECT_EQ(mxrt::Log2Bucket(1023), 9u);
	EXPECT_EQ(mxrt::Log2Bucket(1024), 10u);
	EXPECT_EQ(mxrt::Log2Bucket(1ull << 45), MXRT_LOG2_BUCKETS - 1) << "everything from 2^39 in the last";
	for (uint32_t b = 1; b + 1 < MXRT_LOG2_BUCKETS; b++) {
		EXPECT_EQ(mxrt::Log2Bucket(mxrt_log2_bucket_low(b)), b);
		EXPECT_EQ(mxrt::Log2Bucket(mxrt_log2_bucket_high(b)), b);
		EXPECT_EQ(mxrt_log2_bucket_high(b - 1) + 1, mxrt_log2_bucket_low(b));
	}
	EXPECT_EQ(mxrt_log2_bucket_high(MXRT_LOG2_BUCKETS - 1), ~0ull);
}

TEST(Log2Hist, EmptyAndOneValue) {
	mxrt_log2_hist h = Empty();
	EXPECT_EQ(h.min, ~0ull);
	EXPECT_EQ(mxrt_log2_hist_percentile(&h, 500), 0u);
	mxrt_log2_hist_add(&h, 345);
	for (uint32_t p : {0u, 1u, 500u, 990u, 1000u})
		EXPECT_EQ(mxrt_log2_hist_percentile(&h, p), 345u) << p;
}

// The defect this type replaced: a percentile was the top edge of its bucket, so a p50 of 524.3 us
// stood next to a maximum of 345.6 us.
TEST(Log2Hist, PercentilesNeverExceedTheMaximumNorUndercutTheMinimum) {
	std::mt19937_64 rng(7);
	for (int round = 0; round < 200; round++) {
		mxrt_log2_hist h = Empty();
		std::vector<uint64_t> v(1 + rng() % 50);
		const unsigned shift = unsigned(rng() % 40);
		for (uint64_t &x : v) {
			x = (rng() >> (rng() % 64)) >> shift;
			mxrt_log2_hist_add(&h, x);
		}
		const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
		uint64_t prev = 0;
		for (uint32_t p = 0; p <= 1000; p += 10) {
			const uint64_t q = mxrt_log2_hist_percentile(&h, p);
			ASSERT_GE(q, *mn) << "p" << p;
			ASSERT_LE(q, *mx) << "p" << p;
			ASSERT_GE(q, prev) << "percentiles do not decrease";
			prev = q;
		}
		EXPECT_EQ(mxrt_log2_hist_percentile(&h, 1000), *mx);
		EXPECT_EQ(mxrt_log2_hist_percentile(&h, 0), *mn);
	}
}

TEST(Log2Hist, InterpolatesInsideTheBucket) {
	// 101 values 1000..1100 in one bucket ([512, 1023] holds up to 1023: use [1024, 2047])
	mxrt_log2_hist h = Empty();
	for (uint64_t v = 1100; v <= 1200; v++)
		mxrt_log2_hist_add(&h, v);
	EXPECT_EQ(mxrt_log2_hist_percentile(&h, 0), 1100u);
	EXPECT_EQ(mxrt_log2_hist_percentile(&h, 1000), 1200u);
	// uniform values: the estimate is the exact quantile up to rounding
	EXPECT_NEAR(double(mxrt_log2_hist_percentile(&h, 500)), 1150.0, 1.0);
	EXPECT_NEAR(double(mxrt_log2_hist_percentile(&h, 990)), 1199.0, 1.0);
	// a bucket that holds neither extreme: its range is all that is known
	mxrt_log2_hist g = Empty();
	mxrt_log2_hist_add(&g, 10);
	mxrt_log2_hist_add(&g, 3000); // bucket [2048, 4095], one value: the middle
	mxrt_log2_hist_add(&g, 100000);
	EXPECT_EQ(mxrt_log2_hist_percentile(&g, 500), 2048u + (4095 - 2048) / 2);
}

TEST(Log2Hist, SumCountMinMax) {
	mxrt_log2_hist h = Empty();
	for (uint64_t v : {5ull, 7ull, 1ull << 50})
		mxrt_log2_hist_add(&h, v);
	EXPECT_EQ(h.count, 3u);
	EXPECT_EQ(h.sum, 12 + (1ull << 50));
	EXPECT_EQ(h.min, 5u);
	EXPECT_EQ(h.max, 1ull << 50);
	EXPECT_EQ(h.bucket[2], 2u);
	EXPECT_EQ(h.bucket[MXRT_LOG2_BUCKETS - 1], 1u);
}

// The driver's readers add from every CPU at once (TSan checks the atomics).
TEST(Log2Hist, ConcurrentAddsLoseNothing) {
	mxrt_log2_hist h = Empty();
	constexpr int kThreads = 4, kEach = 20000;
	std::vector<std::thread> ts;
	for (int t = 0; t < kThreads; t++)
		ts.emplace_back([&h, t] {
			for (int i = 0; i < kEach; i++)
				mxrt_log2_hist_add(&h, uint64_t(t * kEach + i));
		});
	std::thread reader([&h] {
		for (int i = 0; i < 2000; i++) {
			const uint64_t p = mxrt_log2_hist_percentile(&h, 990);
			ASSERT_LE(p, uint64_t(kThreads * kEach)) << "never above the largest value added";
		}
	});
	for (auto &t : ts)
		t.join();
	reader.join();
	uint64_t total = 0;
	for (uint64_t b : h.bucket)
		total += b;
	EXPECT_EQ(h.count, uint64_t(kThreads * kEach));
	EXPECT_EQ(total, h.count);
	EXPECT_EQ(h.min, 0u);
	EXPECT_EQ(h.max, uint64_t(kThreads * kEach - 1));
	EXPECT_EQ(h.sum, uint64_t(kThreads * kEach) * (kThreads * kEach - 1) / 2);
}

} // namespace
