// SPDX-License-Identifier: GPL-2.0
//
// Runs on: the build host (unit tests, every variant) and the guests. The BPF program's stack of
// open lock waits (bpf/contention_stack.h, the code bpf/contention.bpf.c runs): which
// contention_begin is the next phase of the open wait and which a wait of its own, which open
// wait a contention_end closes, and what happens past the stack's depth. The guests cannot force
// these orders (a contended retake of an rt_mutex's wait_lock is rare); here they are exact.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>

#include "../../../bpf/contention_stack.h"

namespace {

constexpr std::uint32_t kSpin = MXRT_LCB_F_SPIN;
constexpr std::uint32_t kRead = MXRT_LCB_F_READ;
constexpr std::uint32_t kRt = MXRT_LCB_F_RT;
constexpr std::uint32_t kMutex = MXRT_LCB_F_MUTEX;

// the lock addresses: an rt_mutex (or rtlock), a mutex, a semaphore, an rwsem, and other locks
constexpr std::uint64_t kRtMutex = 0xffff888004a1c000ull;
constexpr std::uint64_t kMutexLock = 0xffff888004a1c100ull;
constexpr std::uint64_t kSem = 0xffff888004a1c200ull;
constexpr std::uint64_t kRwsem = 0xffff888004a1c300ull;

struct Wait {
	std::uint64_t ns;
	std::uint32_t flags;
	bool operator==(const Wait &) const = default;
};

// for gtest's messages: "{ns=300, flags=0x1}"
void PrintTo(const Wait &w, std::ostream *os) { *os << "{ns=" << w.ns << ", flags=0x" << std::hex << w.flags << std::dec << "}"; }

// One task's state, driven as contention.bpf.c drives it: a begin reads the clock only for a new
// wait, an end's length is its time minus the start the stack kept.
class Task {
public:
	Task() : s_{} {}

	mxrt_con_begin_result Begin(std::uint64_t lock, std::uint32_t flags, std::uint64_t now) {
		mxrt_con_begin_result r = mxrt_con_begin(&s_, lock, flags);
		if (r == MXRT_CON_BEGIN_NEW)
			mxrt_con_push(&s_, lock, flags, now);
		return r;
	}

	// the wait that ended, or nothing (unmatched)
	std::optional<Wait> End(std::uint64_t lock, std::uint64_t now) {
		mxrt_con_ended w{};
		if (!mxrt_con_end(&s_, lock, &w))
			return std::nullopt;
		EXPECT_GE(now, w.ts);
		return Wait{now - w.ts, w.flags};
	}

	std::uint32_t Depth() const { return s_.depth; }

private:
	mxrt_con_stack s_;
};

} // namespace

// rt_mutex_slowlock_block() retakes the lock's wait_lock (a raw spinlock at the lock's own address)
// while it waits; a contended retake is a wait of its own inside the rt_mutex wait, and the
// rt_mutex wait keeps its start and flags (before 50d9e61 the spin took the rt_mutex wait over).
TEST(ContentionStack, RtMutexInnerWaitLockIsANestedWait) {
	Task t;
	EXPECT_EQ(t.Begin(kRtMutex, kRt, 1000), MXRT_CON_BEGIN_NEW);
	EXPECT_EQ(t.Begin(kRtMutex, kSpin, 5000), MXRT_CON_BEGIN_NEW);
	EXPECT_EQ(t.Depth(), 2u);

	EXPECT_EQ(t.End(kRtMutex, 5300), (Wait{300u, kSpin}));
	EXPECT_EQ(t.Depth(), 1u);

	EXPECT_EQ(t.End(kRtMutex, 301000), (Wait{300000u, kRt}));
	EXPECT_EQ(t.Depth(), 0u);
	EXPECT_FALSE(t.End(kRtMutex, 302000));
}

// the waiter retakes wait_lock each time it wakes: every contended retake is a wait of its own
TEST(ContentionStack, RepeatedWaitLockRetakesEachNestInTheSameRtMutexWait) {
	Task t;
	t.Begin(kRtMutex, kRt, 0);
	for (std::uint64_t k = 1; k <= 3; k++) {
		EXPECT_EQ(t.Begin(kRtMutex, kSpin, k * 1000), MXRT_CON_BEGIN_NEW);
		EXPECT_EQ(t.End(kRtMutex, k * 1000 + 10 * k), (Wait{10 * k, kSpin}));
	}
	EXPECT_EQ(t.End(kRtMutex, 9000), (Wait{9000u, kRt}));
}

// a mutex spins on its owner (MUTEX|SPIN), then sleeps (MUTEX), with no end between: one wait from
// the first begin, with the flags of its last phase; its wait_lock is not at its address
TEST(ContentionStack, MutexSpinThenSleepIsOneWait) {
	Task t;
	EXPECT_EQ(t.Begin(kMutexLock, kMutex | kSpin, 1000), MXRT_CON_BEGIN_NEW);
	EXPECT_EQ(t.Begin(kMutexLock, kMutex, 4000), MXRT_CON_BEGIN_PHASE);
	EXPECT_EQ(t.Depth(), 1u);

	EXPECT_EQ(t.End(kMutexLock, 11000), (Wait{10000u, kMutex}));
	EXPECT_EQ(t.Depth(), 0u);
	EXPECT_FALSE(t.End(kMutexLock, 12000));
}

// woken, the mutex waiter may spin again (MUTEX|SPIN) and sleep again: still phases of one wait
TEST(ContentionStack, MutexBackToSpinningIsAPhase) {
	Task t;
	t.Begin(kMutexLock, kMutex | kSpin, 0);
	t.Begin(kMutexLock, kMutex, 100);
	EXPECT_EQ(t.Begin(kMutexLock, kMutex | kSpin, 200), MXRT_CON_BEGIN_PHASE);
	EXPECT_EQ(t.Begin(kMutexLock, kMutex, 300), MXRT_CON_BEGIN_PHASE);
	EXPECT_EQ(t.End(kMutexLock, 1000), (Wait{1000u, kMutex}));
	EXPECT_EQ(t.Depth(), 0u);
}

// struct semaphore starts with its raw spinlock: a semaphore wait (flags 0) and the spin on that
// lock inside it are two waits at one address
TEST(ContentionStack, SemaphoreInnerSpinlockIsANestedWait) {
	Task t;
	EXPECT_EQ(t.Begin(kSem, 0, 100), MXRT_CON_BEGIN_NEW);
	EXPECT_EQ(t.Begin(kSem, kSpin, 700), MXRT_CON_BEGIN_NEW);

	EXPECT_EQ(t.End(kSem, 750), (Wait{50u, kSpin}));

	EXPECT_EQ(t.End(kSem, 2100), (Wait{2000u, 0u}));
	EXPECT_EQ(t.Depth(), 0u);
}

// any sleeping kind (no LCB_F_SPIN) takes a raw-spinlock begin at its address as nested: rwsem READ
TEST(ContentionStack, RwsemInnerSpinlockIsANestedWait) {
	Task t;
	t.Begin(kRwsem, kRead, 0);
	EXPECT_EQ(t.Begin(kRwsem, kSpin, 10), MXRT_CON_BEGIN_NEW);
	EXPECT_EQ(t.End(kRwsem, 15), (Wait{5, kSpin}));
	EXPECT_EQ(t.End(kRwsem, 100), (Wait{100u, kRead}));
}

// a spinning wait reported again is the same wait (only a sleeping wait has a spinlock inside it)
TEST(ContentionStack, SpinOnASpinningWaitIsAPhase) {
	Task t;
	t.Begin(kRtMutex, kSpin, 0);
	EXPECT_EQ(t.Begin(kRtMutex, kSpin, 50), MXRT_CON_BEGIN_PHASE);
	EXPECT_EQ(t.End(kRtMutex, 80), (Wait{80, kSpin}));
	EXPECT_EQ(t.Depth(), 0u);
}

// an end without its begin (attached mid-wait, the task's entry evicted): unmatched, nothing changes
TEST(ContentionStack, EndWithNothingOpenIsUnmatched) {
	Task t;
	EXPECT_FALSE(t.End(kRtMutex, 100));
	EXPECT_EQ(t.Depth(), 0u);

	t.Begin(kSem, 0, 200);
	EXPECT_FALSE(t.End(kRtMutex, 300)); // another lock's end
	EXPECT_EQ(t.Depth(), 1u);
	EXPECT_EQ(t.End(kSem, 400), (Wait{200, 0}));
}

// an end closes the innermost open wait for its lock, and the waits opened inside it that never
// ended go with it
TEST(ContentionStack, EndBelowTheTopDropsTheWaitsInsideIt) {
	Task t;
	t.Begin(kRtMutex, kRt, 0);
	t.Begin(kSem, 0, 10);
	t.Begin(kMutexLock, kMutex, 20);
	EXPECT_EQ(t.End(kRtMutex, 1000), (Wait{1000u, kRt}));
	EXPECT_EQ(t.Depth(), 0u);
	EXPECT_FALSE(t.End(kMutexLock, 1100));
	EXPECT_FALSE(t.End(kSem, 1200));
}

// MXRT_CON_MAX_NEST open waits: a further wait is not recorded (the program counts it as
// nested_too_deep) and its end is unmatched; the waits below keep their starts
TEST(ContentionStack, BeyondTheDepthAWaitIsDroppedAndTheOthersKept) {
	Task t;
	std::uint64_t lock[MXRT_CON_MAX_NEST];
	for (int i = 0; i < MXRT_CON_MAX_NEST; i++) {
		lock[i] = 0x1000 + 0x100 * i;
		EXPECT_EQ(t.Begin(lock[i], kRt, 100 * i), MXRT_CON_BEGIN_NEW);
	}
	EXPECT_EQ(t.Depth(), unsigned{MXRT_CON_MAX_NEST});
	EXPECT_EQ(t.Begin(0x9000, kSpin, 1000), MXRT_CON_BEGIN_TOO_DEEP);
	EXPECT_EQ(t.Depth(), unsigned{MXRT_CON_MAX_NEST});
	// a phase of the top wait needs no room
	EXPECT_EQ(t.Begin(lock[MXRT_CON_MAX_NEST - 1], kRt, 1100), MXRT_CON_BEGIN_PHASE);
	EXPECT_FALSE(t.End(0x9000, 1200));

	for (int i = MXRT_CON_MAX_NEST - 1; i >= 0; i--) {
		EXPECT_EQ(t.End(lock[i], 10000), (Wait{10000u - 100 * i, kRt})) << "wait " << i;
		EXPECT_EQ(t.Depth(), unsigned(i));
	}
	// room again
	EXPECT_EQ(t.Begin(0x9000, kSpin, 20000), MXRT_CON_BEGIN_NEW);
}

// a limit of the full stack: a dropped inner wait_lock wait at the top wait's address has no entry,
// so its end closes the rt_mutex wait early (as a wait of the rt_mutex, up to the spin's end) and
// the rt_mutex's own end is unmatched. Both are counted (nested_too_deep, unmatched_end).
TEST(ContentionStack, BeyondTheDepthAnInnerWaitLockEndClosesItsRtMutexWait) {
	Task t;
	for (int i = 0; i < MXRT_CON_MAX_NEST - 1; i++)
		t.Begin(0x1000 + 0x100 * i, kRt, 0);
	t.Begin(kRtMutex, kRt, 100);
	EXPECT_EQ(t.Begin(kRtMutex, kSpin, 500), MXRT_CON_BEGIN_TOO_DEEP);
	EXPECT_EQ(t.End(kRtMutex, 600), (Wait{500u, kRt}));
	EXPECT_FALSE(t.End(kRtMutex, 5000));
	EXPECT_EQ(t.Depth(), unsigned{MXRT_CON_MAX_NEST - 1});
}

TEST(ContentionStack, NestedSpinIsARawSpinlockInsideASleepingWait) {
	EXPECT_TRUE(mxrt_con_nested_spin(kRt, kSpin));
	EXPECT_TRUE(mxrt_con_nested_spin(0, kSpin));
	EXPECT_TRUE(mxrt_con_nested_spin(kMutex, kSpin));
	EXPECT_TRUE(mxrt_con_nested_spin(MXRT_LCB_F_WRITE, kSpin));
	EXPECT_FALSE(mxrt_con_nested_spin(kSpin, kSpin));
	EXPECT_FALSE(mxrt_con_nested_spin(kMutex | kSpin, kSpin));
	EXPECT_FALSE(mxrt_con_nested_spin(kMutex | kSpin, kMutex));
	EXPECT_FALSE(mxrt_con_nested_spin(kMutex, kMutex | kSpin));
	EXPECT_FALSE(mxrt_con_nested_spin(kRt, kRt));
	EXPECT_FALSE(mxrt_con_nested_spin(kSpin | kRead, kSpin)); // an rwlock's reader spinning
}

// The link from a task's bus-lock wait (an rt_mutex) to its next I2C transfer. An interrupt on the
// task's CPU shares the task's state and may end a spinning wait in between; before the link took
// only sleeping waits, that wait replaced the bus wait and the transfer showed none.
TEST(ContentionLink, AnInterruptsSpinningWaitDoesNotReplaceTheBusWait) {
	constexpr std::uint64_t kBus = 0xffff888004a1d000ull, kIrqLock = 0xffff888004a1d100ull;
	mxrt_con_link l{};
	mxrt_con_link_note(&l, kBus, kRt, 40000);
	mxrt_con_link_note(&l, kIrqLock, kSpin, 700); // a raw spinlock in the interrupt
	mxrt_con_link_note(&l, kIrqLock, kSpin | kRead, 500); // an rwlock_t (not PREEMPT_RT)
	__u64 wait = 0;
	ASSERT_TRUE(mxrt_con_link_take(&l, kBus, &wait));
	EXPECT_EQ(wait, 40000u);
	// taken once: the next transfer did not wait
	EXPECT_FALSE(mxrt_con_link_take(&l, kBus, &wait));
}

TEST(ContentionLink, ASleepingWaitReplacesTheLinkAndOnlyTheBusLockTakesIt) {
	constexpr std::uint64_t kBus = 0xffff888004a1d000ull, kOtherBus = 0xffff888004a1e000ull;
	mxrt_con_link l{};
	__u64 wait = 0;
	EXPECT_FALSE(mxrt_con_link_take(&l, 0, &wait)); // nothing noted: not even address 0 matches
	mxrt_con_link_note(&l, kBus, kRt, 40000);
	mxrt_con_link_note(&l, kMutexLock, kMutex | kSpin, 900); // a mutex acquired while spinning
	EXPECT_FALSE(mxrt_con_link_take(&l, kBus, &wait));
	mxrt_con_link_note(&l, kOtherBus, kRt, 1234);
	EXPECT_FALSE(mxrt_con_link_take(&l, kBus, &wait)); // another adapter's bus
	ASSERT_TRUE(mxrt_con_link_take(&l, kOtherBus, &wait));
	EXPECT_EQ(wait, 1234u);
	// a semaphore (flags 0) and an rwsem are sleeping waits too
	mxrt_con_link_note(&l, kSem, 0, 5);
	ASSERT_TRUE(mxrt_con_link_take(&l, kSem, &wait));
	mxrt_con_link_note(&l, kRwsem, kRead, 6);
	ASSERT_TRUE(mxrt_con_link_take(&l, kRwsem, &wait));
	EXPECT_EQ(wait, 6u);
}
