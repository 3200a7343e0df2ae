// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (Google Test). The watchdog core (kernel/watchdog/watchdog_core.cpp) through its C ABI,
// with the fake clock: the test decides when time passes and when the expiry thread runs.
#include <watchdog/watchdog_core.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "../lib/platform/platform_fake.hpp"
#include "wd_calls.hpp"

namespace {

constexpr uint64_t kMs = 1000000;

struct Expiry {
	mxrt_s64 wd;
	uint64_t deadline, now;
	uint32_t count;
};

constexpr int kArmedAndTimer = MXRT_WD_WAS_IDLE | MXRT_WD_REPROGRAM;

struct Recorder {
	std::vector<Expiry> calls;
	// Optional behaviour inside the callback.
	mxrt_wdcore *core = nullptr;
	mxrt_s64 remove_in_callback = 0;
	int remove_ret = 1;
	mxrt_s64 kick_in_callback = 0;
	int kick_ret = -1;
	uint64_t sleep_in_callback = 0;
};

void Record(void *data, const mxrt_wd_expiry *e) {
	auto *r = static_cast<Recorder *>(data);
	r->calls.push_back({e->wd, e->deadline_ns, e->now_ns, e->count});
	if (r->remove_in_callback != 0)
		r->remove_ret = mxrt_wdcore_remove(r->core, r->remove_in_callback, 1);
	if (r->kick_in_callback != 0)
		r->kick_ret = WdKick(r->core, r->kick_in_callback, mxrt::fake::Now());
	mxrt::fake::Advance(r->sleep_in_callback);
}

mxrt_u64 FakeNow() { return mxrt::fake::Now(); }

class WatchdogTest : public ::testing::Test {
protected:
	void SetUp() override {
		mxrt::fake::SetNow(1000 * kMs);
		mxrt::fake::TakeLog();
		ASSERT_EQ(mxrt_wdcore_create(&core_), 0);
	}
	void TearDown() override {
		mxrt_wdcore_destroy(core_);
		mxrt::fake::ResetAllocFailures();
		EXPECT_EQ(mxrt::fake::LiveAllocations(), 0) << "leak";
	}
	mxrt_s64 Add(uint32_t timeout_ms, Recorder *r, const char *name = "test", const void *owner = nullptr) {
		mxrt_wd_params p = {timeout_ms, Record, r, name, owner, "owner"};
		return mxrt_wdcore_add(core_, &p);
	}
	int Start(mxrt_s64 wd) { return WdStart(core_, wd, mxrt::fake::Now()); }
	int Kick(mxrt_s64 wd) { return WdKick(core_, wd, mxrt::fake::Now()); }
	int Cancel(mxrt_s64 wd) { return WdCancel(core_, wd); }
	uint64_t Expire() { return mxrt_wdcore_expire(core_, FakeNow); }
	// Advance to `t` and run the expiry pass, as the timer would.
	uint64_t ExpireAt(uint64_t t) {
		mxrt::fake::SetNow(t);
		return Expire();
	}
	mxrt_wdcore *core_ = nullptr;
};

TEST_F(WatchdogTest, AddRefusesBadParameters) {
	Recorder r;
	EXPECT_EQ(Add(0, &r, "too short"), -MXRT_EINVAL);
	EXPECT_NE(mxrt::fake::TakeLog().find("watchdog 'too short': timeout 0 ms is outside 1..86400000 ms"),
		  std::string::npos);
	EXPECT_EQ(Add(MXRT_WD_MAX_TIMEOUT_MS + 1, &r), -MXRT_EINVAL);
	mxrt_wd_params p = {100, nullptr, &r, "no fn", nullptr, nullptr};
	EXPECT_EQ(mxrt_wdcore_add(core_, &p), -MXRT_EINVAL);
	EXPECT_NE(mxrt::fake::TakeLog().find("no recovery function"), std::string::npos);
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.registered, 0u);
	EXPECT_GT(Add(MXRT_WD_MIN_TIMEOUT_MS, &r), 0);
	EXPECT_GT(Add(MXRT_WD_MAX_TIMEOUT_MS, &r), 0);
}

// start/kick with the caller's time (the kernel's mxrt_wd_start_at/kick_at): the deadline is that
// time + timeout, however long ago it was read; a time that is no clock reading changes nothing.
TEST_F(WatchdogTest, StartAndKickAtTheCallersTime) {
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	const uint64_t t0 = mxrt::fake::Now();
	mxrt::fake::Advance(30 * kMs); // the caller's timestamp is 30 ms old
	EXPECT_EQ(WdStart(core_, wd, t0), kArmedAndTimer);
	EXPECT_EQ(mxrt_wdcore_earliest(core_), t0 + 100 * kMs);
	ExpireAt(t0 + 100 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(r.calls[0].deadline, t0 + 100 * kMs);
	EXPECT_EQ(WdKick(core_, wd, t0 + 150 * kMs), 0);
	ExpireAt(t0 + 250 * kMs);
	ASSERT_EQ(r.calls.size(), 2u);
	EXPECT_EQ(r.calls[1].deadline, t0 + 250 * kMs);
	EXPECT_EQ(r.calls[1].count, 1u); // a kick restarts the count
	EXPECT_EQ(Cancel(wd), 1);
	for (uint64_t bad : {(1ull << 62) + 1, ~0ull, MXRT_WD_NEVER - 100 * kMs}) {
		EXPECT_EQ(WdStart(core_, wd, bad), -MXRT_EINVAL) << bad;
		EXPECT_EQ(WdKick(core_, wd, bad), -MXRT_EINVAL) << bad;
	}
	EXPECT_EQ(Cancel(wd), 0); // nothing was armed by the refused calls
	EXPECT_EQ(WdStart(core_, wd, 1ull << 62) & MXRT_WD_WAS_IDLE, MXRT_WD_WAS_IDLE); // the largest time accepted
	EXPECT_EQ(WdStart(core_, wd + (1ll << 20), 1ull << 63), -MXRT_ENOENT); // the handle first
}

TEST_F(WatchdogTest, SetTimeoutAppliesFromTheNextStartAndRepeat) {
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	const uint64_t t0 = mxrt::fake::Now();
	EXPECT_EQ(Start(wd), kArmedAndTimer);
	EXPECT_EQ(WdSetTimeout(core_, wd, 30), 0);
	ExpireAt(t0 + 99 * kMs);
	EXPECT_TRUE(r.calls.empty()); // the armed deadline stayed at 100 ms
	ExpireAt(t0 + 100 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(ExpireAt(t0 + 130 * kMs), t0 + 160 * kMs); // repeats every 30 ms now
	EXPECT_EQ(r.calls.size(), 2u);
	EXPECT_EQ(Kick(wd), 0);
	EXPECT_EQ(mxrt_wdcore_earliest(core_), t0 + 160 * kMs); // the timer's, not yet moved
	mxrt_wd_info info;
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.timeout_ms, 30u);
	EXPECT_EQ(info.deadline_ns, t0 + 160 * kMs);
	EXPECT_EQ(Cancel(wd), 1);
	EXPECT_EQ(Start(wd), 1);
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.deadline_ns, mxrt::fake::Now() + 30 * kMs);
	// Refused: out of range (nothing changes), stale and malformed handles.
	EXPECT_EQ(WdSetTimeout(core_, wd, 0), -MXRT_EINVAL);
	EXPECT_EQ(WdSetTimeout(core_, wd, MXRT_WD_MAX_TIMEOUT_MS + 1), -MXRT_EINVAL);
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.timeout_ms, 30u);
	EXPECT_EQ(WdSetTimeout(core_, 0, 100), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_wdcore_remove(core_, wd, 0), 0);
	EXPECT_EQ(WdSetTimeout(core_, wd, 100), -MXRT_ENOENT);
}

TEST_F(WatchdogTest, OneMillisecondTimeout) {
	Recorder r;
	mxrt_s64 wd = Add(1, &r);
	const uint64_t t0 = mxrt::fake::Now();
	EXPECT_EQ(Start(wd), kArmedAndTimer);
	EXPECT_EQ(ExpireAt(t0 + 1 * kMs), t0 + 2 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(r.calls[0].deadline, t0 + 1 * kMs);
	EXPECT_EQ(Cancel(wd), 1);
}

TEST_F(WatchdogTest, MalformedAndUnknownHandles) {
	for (mxrt_s64 h : {0ll, -1ll, -22ll, 1ll << 60})
		EXPECT_EQ(Start(h), -MXRT_EINVAL) << h;
	EXPECT_EQ(Cancel(0), -MXRT_EINVAL);
	EXPECT_EQ(Kick(-5), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_wdcore_remove(core_, 0, 0), -MXRT_EINVAL);
	EXPECT_EQ(Start(5), -MXRT_ENOENT);		// table empty
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	ASSERT_GT(wd, 0);
	EXPECT_EQ(Start(wd + 1), -MXRT_ENOENT);		// a free slot
	EXPECT_EQ(Start(wd + (1ll << 20)), -MXRT_ENOENT); // wrong generation
	EXPECT_EQ(Start(wd | 0xfffff), -MXRT_ENOENT);	// beyond the capacity
}

TEST_F(WatchdogTest, StartOnceKeepsTheFirstDeadline) {
	Recorder r;
	mxrt_s64 wd = Add(200, &r);
	uint64_t t0 = mxrt::fake::Now();
	EXPECT_EQ(Start(wd), kArmedAndTimer); // first armed watchdog: the timer must be armed
	EXPECT_EQ(mxrt_wdcore_earliest(core_), t0 + 200 * kMs);
	mxrt::fake::Advance(150 * kMs);
	EXPECT_EQ(Start(wd), 0); // already armed: deadline unchanged
	EXPECT_EQ(mxrt_wdcore_earliest(core_), t0 + 200 * kMs);
	EXPECT_EQ(ExpireAt(t0 + 200 * kMs - 1), t0 + 200 * kMs);
	EXPECT_TRUE(r.calls.empty());
	ExpireAt(t0 + 200 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(r.calls[0].deadline, t0 + 200 * kMs);
	EXPECT_EQ(r.calls[0].now, t0 + 200 * kMs);
	EXPECT_EQ(r.calls[0].wd, wd);
	EXPECT_EQ(r.calls[0].count, 1u);
}

TEST_F(WatchdogTest, StartAsksForTheTimerOnlyWhenItsDeadlineIsTheEarliest) {
	Recorder r;
	mxrt_s64 a = Add(200, &r), b = Add(300, &r), c = Add(100, &r);
	EXPECT_EQ(Start(a), kArmedAndTimer);
	EXPECT_EQ(Start(b), 1); // later than the armed timer: atomics only
	EXPECT_EQ(Start(c), kArmedAndTimer);
	EXPECT_EQ(mxrt_wdcore_earliest(core_), mxrt::fake::Now() + 100 * kMs);
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.reprograms, 2u);
}

TEST_F(WatchdogTest, RecoveryRepeatsOnTheDeadlineGridUntilCancel) {
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	uint64_t t0 = mxrt::fake::Now();
	Start(wd);
	uint64_t next = ExpireAt(t0 + 100 * kMs + 3 * kMs); // the pass runs 3 ms late
	EXPECT_EQ(next, t0 + 200 * kMs);		    // the grid, not now + timeout
	ExpireAt(next);
	ExpireAt(t0 + 300 * kMs);
	ASSERT_EQ(r.calls.size(), 3u);
	for (uint32_t i = 0; i < 3; i++) {
		EXPECT_EQ(r.calls[i].deadline, t0 + (i + 1) * 100 * kMs);
		EXPECT_EQ(r.calls[i].count, i + 1);
	}
	EXPECT_EQ(r.calls[0].now - r.calls[0].deadline, 3 * kMs);
	EXPECT_EQ(Cancel(wd), 1);
	EXPECT_EQ(ExpireAt(t0 + 1000 * kMs), MXRT_WD_NEVER);
	EXPECT_EQ(r.calls.size(), 3u);
	EXPECT_EQ(Cancel(wd), 0);
	// Started again, the count starts again at 1.
	EXPECT_EQ(Start(wd), kArmedAndTimer);
	ExpireAt(mxrt::fake::Now() + 100 * kMs);
	ASSERT_EQ(r.calls.size(), 4u);
	EXPECT_EQ(r.calls[3].count, 1u);
}

TEST_F(WatchdogTest, SlowRecoverySkipsMissedIntervals) {
	Recorder r;
	r.sleep_in_callback = 350 * kMs; // the recovery function sleeps 3.5 timeouts
	mxrt_s64 wd = Add(100, &r);
	uint64_t t0 = mxrt::fake::Now();
	Start(wd);
	uint64_t next = ExpireAt(t0 + 100 * kMs);
	EXPECT_EQ(next, t0 + 500 * kMs); // 200, 300, 400 were missed; no burst of catch-up calls
	ExpireAt(next);
	ASSERT_EQ(r.calls.size(), 2u);
	EXPECT_EQ(r.calls[1].deadline, t0 + 500 * kMs);
	EXPECT_EQ(r.calls[1].count, 2u);
}

TEST_F(WatchdogTest, NeverRunsAfterCancel) {
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	Start(wd);
	mxrt::fake::Advance(99 * kMs);
	EXPECT_EQ(Cancel(wd), 1);
	for (int i = 0; i < 10; i++)
		ExpireAt(mxrt::fake::Now() + 100 * kMs);
	EXPECT_TRUE(r.calls.empty());
}

// An expiry pass runs with earliest_ at "never" until it has scanned the table: a watchdog kicked
// meanwhile asks for the timer although it was armed, and must not be reported as idle.
TEST_F(WatchdogTest, KickDuringAPassOfAnArmedWatchdogIsNotIdle) {
	Recorder ra, rb;
	mxrt_s64 a = Add(100, &ra), b = Add(1000, &rb);
	ra.core = core_;
	ra.kick_in_callback = b; // a's recovery kicks the armed b
	ASSERT_EQ(Start(a), kArmedAndTimer);
	ASSERT_EQ(Start(b), MXRT_WD_WAS_IDLE);
	ExpireAt(mxrt::fake::Now() + 100 * kMs);
	ASSERT_EQ(ra.calls.size(), 1u);
	EXPECT_EQ(ra.kick_ret & MXRT_WD_WAS_IDLE, 0) << "b was armed, not idle";
	EXPECT_EQ(ra.kick_ret & MXRT_WD_REPROGRAM, MXRT_WD_REPROGRAM) << "the pass had cleared earliest_";
}

TEST_F(WatchdogTest, KickMovesTheDeadlineAndRestartsAnExpiredOne) {
	Recorder r;
	mxrt_s64 wd = Add(100, &r);
	uint64_t t0 = mxrt::fake::Now();
	EXPECT_EQ(Kick(wd), kArmedAndTimer); // idle -> armed, earliest
	mxrt::fake::Advance(60 * kMs);
	EXPECT_EQ(Kick(wd), 0);
	ExpireAt(t0 + 100 * kMs); // the old deadline: nothing due
	EXPECT_TRUE(r.calls.empty());
	ExpireAt(t0 + 160 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(r.calls[0].deadline, t0 + 160 * kMs);
	EXPECT_EQ(Kick(wd), 0); // expired -> fresh deadline, count restarts
	ExpireAt(t0 + 260 * kMs);
	ASSERT_EQ(r.calls.size(), 2u);
	EXPECT_EQ(r.calls[1].count, 1u);
}

TEST_F(WatchdogTest, ManyDeadlinesFireInOrderAndOnTime) {
	constexpr int kN = 1000;
	std::vector<uint32_t> timeouts(kN);
	std::iota(timeouts.begin(), timeouts.end(), 100u);
	std::shuffle(timeouts.begin(), timeouts.end(), std::mt19937(42));
	std::vector<Recorder> recs(kN);
	std::vector<mxrt_s64> wds(kN);
	uint64_t t0 = mxrt::fake::Now();
	for (int i = 0; i < kN; i++) {
		wds[i] = Add(timeouts[i], &recs[i]);
		ASSERT_GT(wds[i], 0);
		ASSERT_GE(Start(wds[i]), 1);
	}
	// Step the clock like a timer would: straight to each next deadline.
	std::vector<uint64_t> order;
	uint64_t next = mxrt_wdcore_earliest(core_);
	while (order.size() < kN) {
		ASSERT_NE(next, MXRT_WD_NEVER);
		next = ExpireAt(next);
		for (int i = 0; i < kN; i++)
			if (recs[i].calls.size() == 1 && Cancel(wds[i]) == 1)
				order.push_back(recs[i].calls[0].deadline);
	}
	EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
	for (int i = 0; i < kN; i++) {
		ASSERT_EQ(recs[i].calls.size(), 1u);
		EXPECT_EQ(recs[i].calls[0].deadline, t0 + timeouts[i] * kMs);
		EXPECT_EQ(recs[i].calls[0].now, recs[i].calls[0].deadline); // never early, never late here
	}
}

TEST_F(WatchdogTest, TenThousandArmedWatchdogs) {
	constexpr int kN = 10000;
	Recorder r;
	std::vector<mxrt_s64> wds(kN);
	for (int i = 0; i < kN; i++) {
		wds[i] = Add(100 + i % 1000, &r);
		ASSERT_GT(wds[i], 0);
		Start(wds[i]);
	}
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.registered, (uint32_t)kN);
	EXPECT_GE(st.capacity, (uint32_t)kN);
	EXPECT_EQ(st.capacity % 64, 0u); // grown by whole chunks
	ExpireAt(mxrt::fake::Now() + 1099 * kMs);
	EXPECT_EQ(r.calls.size(), (size_t)kN);
	for (mxrt_s64 wd : wds)
		EXPECT_EQ(mxrt_wdcore_remove(core_, wd, 0), 0);
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.registered, 0u);
}

TEST_F(WatchdogTest, StaleHandlesAreRefusedAfterRemoveAndReuse) {
	Recorder r;
	mxrt_s64 a = Add(100, &r);
	Start(a);
	EXPECT_EQ(mxrt_wdcore_remove(core_, a, 0), 0);
	EXPECT_EQ(Start(a), -MXRT_ENOENT);
	EXPECT_EQ(Cancel(a), -MXRT_ENOENT);
	EXPECT_EQ(Kick(a), -MXRT_ENOENT);
	EXPECT_EQ(mxrt_wdcore_remove(core_, a, 0), -MXRT_ENOENT);
	ExpireAt(mxrt::fake::Now() + 500 * kMs);
	EXPECT_TRUE(r.calls.empty()); // armed when removed: never runs
	// With no reader about, the grace period completes and the slot is reused with a new generation.
	mxrt_s64 b = Add(100, &r);
	ASSERT_GT(b, 0);
	EXPECT_EQ(b & 0xfffff, a & 0xfffff);
	EXPECT_NE(b, a);
	EXPECT_EQ(Start(a), -MXRT_ENOENT);
	EXPECT_EQ(Start(b), kArmedAndTimer);
}

// A handle names its slot's generation in 30 bits: after the last one the slot is retired rather
// than reused, whose next life would be generation 0 again and answer to its first life's stale
// handles (the limit lowered to 3 here: 2^30 lives take a while).
TEST_F(WatchdogTest, ASlotWhoseGenerationsRanOutIsRetiredNotReused) {
	Recorder r;
	mxrt_wdcore_test_last_gen(core_, 3);
	std::vector<mxrt_s64> lives;
	for (int gen = 0; gen <= 3; gen++) {
		const mxrt_s64 wd = Add(100, &r);
		ASSERT_GT(wd, 0);
		if (!lives.empty()) {
			ASSERT_EQ(wd & 0xfffff, lives[0] & 0xfffff) << "the slot is reused up to the last generation";
		}
		lives.push_back(wd);
		ASSERT_EQ(mxrt_wdcore_remove(core_, wd, 0), 0);
	}
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.retired, 1u);
	EXPECT_EQ(st.registered, 0u);
	const mxrt_s64 next = Add(100, &r);
	ASSERT_GT(next, 0);
	EXPECT_NE(next & 0xfffff, lives[0] & 0xfffff) << "a retired slot is never taken again";
	for (const mxrt_s64 old : lives) {
		EXPECT_EQ(Start(old), -MXRT_ENOENT);
		EXPECT_EQ(mxrt_wdcore_remove(core_, old, 0), -MXRT_ENOENT);
	}
	mxrt_wd_info info;
	EXPECT_EQ(mxrt_wdcore_info(core_, uint32_t((lives[0] & 0xfffff) - 1), &info), 0) << "listed as free";
	EXPECT_EQ(Start(next), kArmedAndTimer);
	EXPECT_EQ(mxrt_wdcore_remove(core_, next, 0), 0);
}

TEST_F(WatchdogTest, RemoveFromItsOwnRecovery) {
	Recorder r;
	r.core = core_;
	mxrt_s64 wd = Add(100, &r);
	r.remove_in_callback = wd;
	Start(wd);
	EXPECT_EQ(ExpireAt(mxrt::fake::Now() + 100 * kMs), MXRT_WD_NEVER);
	EXPECT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(r.remove_ret, 0);
	ExpireAt(mxrt::fake::Now() + 500 * kMs);
	EXPECT_EQ(r.calls.size(), 1u);
	EXPECT_EQ(Start(wd), -MXRT_ENOENT);
}

TEST_F(WatchdogTest, RemoveAnotherWatchdogFromARecovery) {
	Recorder ra, rb;
	ra.core = core_;
	mxrt_s64 a = Add(100, &ra), b = Add(200, &rb);
	ra.remove_in_callback = b;
	Start(a);
	Start(b);
	ExpireAt(mxrt::fake::Now() + 1000 * kMs);
	EXPECT_EQ(ra.remove_ret, 0);
	EXPECT_TRUE(rb.calls.empty()); // both due in the same pass; b was removed before its turn
	EXPECT_EQ(Start(b), -MXRT_ENOENT);
}

TEST_F(WatchdogTest, RemoveOwnerRemovesOnlyThatOwnersWatchdogs) {
	Recorder r;
	int owner_a, owner_b;
	mxrt_s64 a1 = Add(100, &r, "a1", &owner_a), b1 = Add(100, &r, "b1", &owner_b);
	mxrt_s64 a2 = Add(100, &r, "a2", &owner_a);
	Start(a1);
	EXPECT_EQ(mxrt_wdcore_remove_owner(core_, &owner_a, 0), 2u);
	EXPECT_EQ(Start(a1), -MXRT_ENOENT);
	EXPECT_EQ(Start(a2), -MXRT_ENOENT);
	// The timer stays armed for a1's old deadline (cancel and remove never touch it), which is
	// earlier than b1's: no re-arm needed.
	EXPECT_EQ(Start(b1), 1);
	EXPECT_EQ(mxrt_wdcore_remove_owner(core_, &owner_a, 0), 0u);
}

TEST_F(WatchdogTest, InfoAndStatsDescribeEachWatchdog) {
	Recorder r;
	mxrt_s64 wd = Add(150, &r, "a very long watchdog name that will be truncated");
	Start(wd);
	ExpireAt(mxrt::fake::Now() + 152 * kMs);
	mxrt_wd_info info;
	std::memset(&info, 0, sizeof(info));
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.wd, wd);
	EXPECT_EQ(std::strlen(info.name), MXRT_WD_NAME_LEN - 1);
	EXPECT_STREQ(info.owner_name, "owner");
	EXPECT_EQ(info.timeout_ms, 150u);
	EXPECT_EQ(info.state, (uint32_t)MXRT_WD_EXPIRED);
	EXPECT_EQ(info.expiries, 1u);
	EXPECT_EQ(info.last_delay_ns, 2 * kMs);
	EXPECT_EQ(info.max_delay_ns, 2 * kMs);
	Cancel(wd);
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.state, (uint32_t)MXRT_WD_IDLE);
	EXPECT_EQ(mxrt_wdcore_info(core_, wd & 0xfffff, &info), 0); // a free slot
	EXPECT_EQ(mxrt_wdcore_info(core_, 1u << 19, &info), -MXRT_ENOENT);
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.registered, 1u);
	EXPECT_EQ(st.passes, 1u);
	EXPECT_EQ(st.recoveries, 1u);
	// a later expiry with a shorter delay: the last delay is its, the maximum stays the longest
	// (a mutant that kept the last delay as the maximum passed every test)
	Start(wd);
	ExpireAt(mxrt::fake::Now() + 151 * kMs);
	ASSERT_EQ(mxrt_wdcore_info(core_, (wd & 0xfffff) - 1, &info), 1);
	EXPECT_EQ(info.expiries, 2u);
	EXPECT_EQ(info.last_delay_ns, 1 * kMs);
	EXPECT_EQ(info.max_delay_ns, 2 * kMs);
}

// stats' next deadline is the armed watchdogs' earliest, not the timer's target: a cancel or a
// removal does not move the timer (it fires once and finds nothing), so the two differ then.
TEST_F(WatchdogTest, StatsNextDeadlineIsTheArmedWatchdogsNotTheTimer) {
	Recorder r;
	const uint64_t t0 = mxrt::fake::Now();
	mxrt_s64 a = Add(100, &r), b = Add(300, &r);
	mxrt_wd_stats st;
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.earliest_ns, MXRT_WD_NEVER);
	EXPECT_EQ(st.timer_ns, MXRT_WD_NEVER);
	ASSERT_EQ(Start(a), kArmedAndTimer);
	ASSERT_EQ(Start(b), 1);
	mxrt_wdcore_stats(core_, &st);
	EXPECT_NEAR(double(st.earliest_ns), double(t0 + 100 * kMs), 2.0);
	EXPECT_EQ(st.timer_ns, st.earliest_ns);
	Cancel(a); // the timer stays at a's deadline; the next deadline is b's
	mxrt_wdcore_stats(core_, &st);
	EXPECT_NEAR(double(st.earliest_ns), double(t0 + 300 * kMs), 2.0);
	EXPECT_NEAR(double(st.timer_ns), double(t0 + 100 * kMs), 2.0);
	ASSERT_EQ(mxrt_wdcore_remove(core_, b, 0), 0); // nothing armed is left
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.earliest_ns, MXRT_WD_NEVER);
	EXPECT_NE(st.timer_ns, MXRT_WD_NEVER);
	ExpireAt(t0 + 100 * kMs); // the timer fires once, finds nothing and is not set again
	mxrt_wdcore_stats(core_, &st);
	EXPECT_EQ(st.earliest_ns, MXRT_WD_NEVER);
	EXPECT_EQ(st.timer_ns, MXRT_WD_NEVER);
	EXPECT_TRUE(r.calls.empty());
	// an expired watchdog's next deadline is its next repeat
	ASSERT_GT(Start(a), 0);
	ExpireAt(mxrt::fake::Now() + 101 * kMs);
	ASSERT_EQ(r.calls.size(), 1u);
	mxrt_wdcore_stats(core_, &st);
	EXPECT_GT(st.earliest_ns, mxrt::fake::Now());
	EXPECT_LE(st.earliest_ns, mxrt::fake::Now() + 100 * kMs);
	EXPECT_EQ(st.timer_ns, st.earliest_ns);
}

TEST_F(WatchdogTest, OutOfMemoryWhileGrowingLeavesTheTableUsable) {
	Recorder r;
	std::vector<mxrt_s64> wds;
	for (int i = 0; i < 64; i++) // fills the first chunk
		wds.push_back(Add(100, &r));
	mxrt::fake::FailAllocAfter(0);
	EXPECT_EQ(Add(100, &r), -MXRT_ENOMEM);
	mxrt::fake::ResetAllocFailures();
	for (mxrt_s64 wd : wds)
		EXPECT_GE(Start(wd), 1);
	EXPECT_GT(Add(100, &r), 0);
}

TEST_F(WatchdogTest, FullTableSaysNoSpaceThenReusesRemovedSlots) {
	Recorder r;
	std::vector<mxrt_s64> wds;
	for (uint32_t i = 0; i < MXRT_WD_MAX_ITEMS; i++) {
		wds.push_back(Add(100, &r));
		ASSERT_GT(wds.back(), 0);
	}
	EXPECT_EQ(Add(100, &r), -MXRT_ENOSPC);
	EXPECT_NE(mxrt::fake::TakeLog().find("table full"), std::string::npos);
	EXPECT_EQ(mxrt_wdcore_remove(core_, wds[7], 0), 0);
	mxrt_s64 again = Add(100, &r); // waits for the removed slot's grace period
	ASSERT_GT(again, 0);
	EXPECT_EQ(again & 0xfffff, wds[7] & 0xfffff);
	for (size_t i = 0; i < wds.size(); i++) {
		if (i != 7) {
			ASSERT_EQ(mxrt_wdcore_remove(core_, wds[i], 0), 0);
		}
	}
	EXPECT_EQ(mxrt_wdcore_remove(core_, again, 0), 0);
}

} // namespace
