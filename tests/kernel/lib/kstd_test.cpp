// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (Google Test). The freestanding library pieces in kernel/lib/kstd/.
#include <lib/kstd/atomic.hpp>
#include <lib/kstd/field.hpp>
#include <lib/kstd/result.hpp>

#include <gtest/gtest.h>

#include <type_traits>

namespace {

using kstd::Error;
using kstd::Result;

Result<int> Half(int x) {
	if (x % 2 != 0)
		return Error(-MXRT_EINVAL);
	return kstd::Ok(x / 2);
}

Result<int> Quarter(int x) {
	int h = TRY(Half(x));
	return kstd::Ok(TRY(Half(h)));
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

// What must not compile: a bare errno (or any integer) as a success value.
static_assert(!__is_constructible(Result<int>, int), "an int is not a Result<int> without Ok()");
static_assert(!__is_constructible(Result<unsigned>, int));
static_assert(!__is_constructible(Result<int *>, int), "not even the literal 0 for a pointer");
static_assert(__is_constructible(Result<int *>, decltype(nullptr)));
static_assert(__is_constructible(Result<int *>, int *));
static_assert(__is_constructible(Result<int>, kstd::OkValue<int>));
static_assert(!std::is_convertible_v<int, Error>, "Error is explicit");

TEST(KstdDeathTest, ErrorOfZeroIsAContractFailure) {
	EXPECT_DEATH({ Result<int> r = Error(0); (void)r; }, "contract failed: Error\\(\\) of a code >= 0");
	EXPECT_DEATH({ Result<int> r = Error(5); (void)r; }, "contract failed");
}

TEST(KstdDeathTest, ValueOfAnErrorIsAContractFailure) {
	EXPECT_DEATH({ (void)Half(3).Value(); }, "contract failed: Value\\(\\) of a Result that holds an error");
	EXPECT_DEATH({ (void)Half(3).Take(); }, "contract failed");
}

TEST(Kstd, AtomicRefSharesTheWord) {
	struct CStruct {
		unsigned long long counter;
		unsigned int flags;
	} c{5, 0};
	kstd::AtomicRef<unsigned long long>(c.counter).FetchAdd(3, kstd::MemoryOrder::kRelaxed);
	kstd::AtomicRef<unsigned int>(c.flags).FetchOr(4, kstd::MemoryOrder::kRelaxed);
	kstd::AtomicRef<unsigned long long>(c.counter).FetchMax(7, kstd::MemoryOrder::kRelaxed);
	EXPECT_EQ(c.counter, 8u);
	EXPECT_EQ(c.flags, 4u);
	kstd::AtomicRef<unsigned long long>(c.counter).AddSingleWriter(2, kstd::MemoryOrder::kRelease);
	EXPECT_EQ(kstd::AtomicRef<unsigned long long>(c.counter).Load(kstd::MemoryOrder::kAcquire), 10u);
}

TEST(Kstd, FieldIsFieldPrepAndFieldGet) {
	using AdcRange = kstd::Field<unsigned char, 0x60>; // [6:5]
	using Width = kstd::Field<unsigned char, 0x03>;    // [1:0]
	static_assert(AdcRange::kShift == 5 && AdcRange::kMax == 3);
	static_assert(AdcRange::Prep(3) == 0x60 && AdcRange::Get(0x6b) == 3 && Width::Get(0x6b) == 3);
	static_assert(AdcRange::Set(0xff, 1) == 0xbf);
	static_assert(AdcRange::Fits(3) && !AdcRange::Fits(4));
	static_assert(kstd::GenMask(6, 5) == 0x60 && kstd::GenMask(63, 0) == ~0ull);
	EXPECT_EQ(AdcRange::Prep(4), 0); // out of range: dropped (Fits says so)
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

// The lock ranks of kernel/lib/platform/platform.hpp are checked on every Lock() in user space.
#include <lib/platform/platform.hpp>

namespace {

TEST(PlatformDeathTest, LockRanksAreChecked) {
	mxrt::Mutex outer, inner;
	MXRT_MUTEX_INIT(outer, "outer", mxrt::LockRank::kWatchdogExpiry);
	MXRT_MUTEX_INIT(inner, "inner", mxrt::LockRank::kWatchdogTable);
	{ // in order: fine
		mxrt::Guard<mxrt::Mutex> a(outer);
		mxrt::Guard<mxrt::Mutex> b(inner);
	}
	EXPECT_DEATH(
		{
			mxrt::Guard<mxrt::Mutex> b(inner);
			mxrt::Guard<mxrt::Mutex> a(outer);
		},
		"lock rank violation: taking rank 10 while holding rank 20");
}

} // namespace
