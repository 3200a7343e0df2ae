// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (Google Test). The freestanding library pieces in kernel/lib/kstd/.
#include <lib/kstd/atomic.hpp>
#include <lib/kstd/result.hpp>

#include <gtest/gtest.h>

namespace {

using kstd::Error;
using kstd::Result;

Result<int> Half(int x) {
	if (x % 2 != 0)
		return Error(-MXRT_EINVAL);
	return x / 2;
}

Result<int> Quarter(int x) {
	int h = TRY(Half(x));
	return TRY(Half(h));
}

TEST(Kstd, ResultCarriesValueOrError) {
	Result<int> ok = Half(8);
	ASSERT_TRUE(ok.Ok());
	EXPECT_EQ(ok.Value(), 4);
	Result<int> bad = Half(3);
	EXPECT_FALSE(bad.Ok());
	EXPECT_EQ(bad.ErrorCode(), -MXRT_EINVAL);
	EXPECT_TRUE(kstd::ToResult(0).Ok());
	EXPECT_EQ(kstd::ToResult(-MXRT_EIO).ErrorCode(), -MXRT_EIO);
}

TEST(Kstd, TryPropagatesTheFirstError) {
	EXPECT_EQ(Quarter(8).Value(), 2);
	EXPECT_EQ(Quarter(6).ErrorCode(), -MXRT_EINVAL); // 6 -> 3 fails in the second step
	EXPECT_EQ(Quarter(5).ErrorCode(), -MXRT_EINVAL);
}

TEST(Kstd, AtomicMinMax) {
	kstd::Atomic<unsigned long long> a(100);
	EXPECT_FALSE(a.FetchMin(200, kstd::MemoryOrder::kSeqCst));
	EXPECT_TRUE(a.FetchMin(50, kstd::MemoryOrder::kSeqCst));
	EXPECT_EQ(a.Load(kstd::MemoryOrder::kRelaxed), 50u);
	a.FetchMax(70, kstd::MemoryOrder::kRelaxed);
	a.FetchMax(60, kstd::MemoryOrder::kRelaxed);
	EXPECT_EQ(a.Load(kstd::MemoryOrder::kRelaxed), 70u);
}

TEST(Kstd, CopyStringTruncatesAndTerminates) {
	char buf[4];
	kstd::CopyString(buf, sizeof(buf), "abcdef");
	EXPECT_STREQ(buf, "abc");
	kstd::CopyString(buf, sizeof(buf), nullptr);
	EXPECT_STREQ(buf, "");
	kstd::CopyString(buf, sizeof(buf), "ab");
	EXPECT_STREQ(buf, "ab");
}

} // namespace
