// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel and user space (over the seam in shim.h).
//
// C++ wrappers over the platform seam: explicit allocation with a GFP context, RAII lock guards,
// RCU read-side guards.
//
// Lock ranks: every lock a C++ core takes has a rank, and a thread may only take a lock of a
// higher rank than every lock it holds (outermost first):
//
//   LockRank::kWatchdogExpiry  (watchdog expiry pass; recovery callbacks run under it)
//   LockRank::kWatchdogTable   (watchdog add/remove; free list and chunk directory)
//   LockRank::kLatControl      (latency tracer: control commands and readers of its files)
//   LockRank::kLatTable        (latency tracer: slot states, pid index, groups; a spinlock the
//                               fork and exit probes take)
//
// The user-space build checks it on every Lock() (the fake platform aborts on an inversion, so
// each unit test run is an order check); in the kernel each init site is a lockdep class of its
// own, and lockdep checks the order on a kernel that has it. Locks of the C glue (the driver's
// rt_mutex, the tracer's table lock) are documented with their glue and checked by lockdep.
// A function that requires a lock held ends in `Locked` and asserts it.
#pragma once

#include <lib/kstd/kstd.hpp>
#include <lib/kstd/result.hpp>
#include <lib/platform/shim.h>

#if defined(__clang__)
#define MXRT_CAPABILITY(x) __attribute__((capability(x)))
#define MXRT_GUARDED_BY(x) __attribute__((guarded_by(x)))
#define MXRT_REQUIRES(...) __attribute__((requires_capability(__VA_ARGS__)))
#define MXRT_ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define MXRT_RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
#define MXRT_SCOPED_CAPABILITY __attribute__((scoped_lockable))
#else
#define MXRT_CAPABILITY(x)
#define MXRT_GUARDED_BY(x)
#define MXRT_REQUIRES(...)
#define MXRT_ACQUIRE(...)
#define MXRT_RELEASE(...)
#define MXRT_SCOPED_CAPABILITY
#endif

namespace mxrt {

using namespace kstd;

enum class Gfp { kKernel = MXRT_GFP_KERNEL, kAtomic = MXRT_GFP_ATOMIC };

// Allocates and constructs a T, or fails with -ENOMEM. Never throws, never allocates implicitly.
// T's constructor must not fail; fallible set-up belongs in a static Create() returning Result.
template <typename T, typename... Args> Result<T *> New(Gfp gfp, Args &&...args) {
	void *mem = mxrt_shim_zalloc(sizeof(T), static_cast<mxrt_gfp>(gfp), -1);
	if (mem == nullptr)
		return Error(-MXRT_ENOMEM);
	return new (mem) T(Forward<Args>(args)...);
}

// Destroys and frees what New() returned (nullptr is fine). Sleepable context.
template <typename T> void Delete(T *p) {
	if (p == nullptr)
		return;
	p->~T();
	mxrt_shim_free(p);
}

enum class LockRank { kWatchdogExpiry = 10, kWatchdogTable = 20, kLatControl = 30, kLatTable = 40 };

#ifdef MXRT_HOSTED
// The fake platform's rank check (tests/kernel/lib/platform/platform_fake.cpp): aborts when a
// thread takes a lock whose rank is not above every rank it holds.
extern "C" void mxrt_fake_rank_acquire(int rank, const void *lock) noexcept;
extern "C" void mxrt_fake_rank_release(int rank, const void *lock) noexcept;
#endif

// A sleeping mutex; on PREEMPT_RT it is an rt_mutex with priority inheritance. Initialise with
// MXRT_MUTEX_INIT so that each init site has its own lockdep class.
class MXRT_CAPABILITY("mutex") Mutex : Pinned {
public:
	Mutex() = default;
	~Mutex() { mxrt_shim_mutex_destroy(&m_); }
	void Init(const char *name, mxrt_shim_lock_class_key *key, LockRank rank) {
		rank_ = rank;
		mxrt_shim_mutex_init(&m_, name, key);
	}
	void Lock() MXRT_ACQUIRE() {
#ifdef MXRT_HOSTED
		mxrt_fake_rank_acquire(int(rank_), this);
#endif
		mxrt_shim_mutex_lock(&m_);
	}
	void Unlock() MXRT_RELEASE() {
		mxrt_shim_mutex_unlock(&m_);
#ifdef MXRT_HOSTED
		mxrt_fake_rank_release(int(rank_), this);
#endif
	}
	void AssertHeld() { mxrt_shim_mutex_assert_held(&m_); }
	LockRank Rank() const { return rank_; }

private:
	mxrt_shim_mutex m_{};
	LockRank rank_{};
};

// One lock class per call site: the key lives in static storage of the expanding function.
#define MXRT_MUTEX_INIT(mutex, name, rank)                                                         \
	do {                                                                                       \
		static mxrt_shim_lock_class_key _mxrt_key;                                         \
		(mutex).Init((name), &_mxrt_key, (rank));                                          \
	} while (0)

// A raw spinlock taken with interrupts disabled (raw_spin_lock_irqsave): any context, never
// sleeps, also on PREEMPT_RT. Hold it briefly. Initialise with MXRT_SPINLOCK_INIT.
class MXRT_CAPABILITY("spinlock") IrqSpinLock : Pinned {
public:
	IrqSpinLock() = default;
	void Init(const char *name, mxrt_shim_lock_class_key *key, LockRank rank) {
		rank_ = rank;
		mxrt_shim_spin_init(&l_, name, key);
	}
	void Lock() MXRT_ACQUIRE() {
#ifdef MXRT_HOSTED
		mxrt_fake_rank_acquire(int(rank_), this);
#endif
		flags_ = mxrt_shim_spin_lock_irqsave(&l_);
	}
	void Unlock() MXRT_RELEASE() {
		mxrt_shim_spin_unlock_irqrestore(&l_, flags_); // flags_ is only touched by the holder
#ifdef MXRT_HOSTED
		mxrt_fake_rank_release(int(rank_), this);
#endif
	}
	void AssertHeld() { mxrt_shim_spin_assert_held(&l_); }

private:
	mxrt_shim_spinlock l_{};
	unsigned long flags_ = 0;
	LockRank rank_{};
};

#define MXRT_SPINLOCK_INIT(lock, name, rank)                                                       \
	do {                                                                                       \
		static mxrt_shim_lock_class_key _mxrt_key;                                         \
		(lock).Init((name), &_mxrt_key, (rank));                                           \
	} while (0)

template <typename L> class MXRT_SCOPED_CAPABILITY Guard : Pinned {
public:
	explicit Guard(L &l) MXRT_ACQUIRE(l) : l_(l) { l_.Lock(); }
	~Guard() MXRT_RELEASE() { l_.Unlock(); }

private:
	L &l_;
};

// RCU read-side critical section: any context, never sleeps.
class RcuReadGuard : Pinned {
public:
	RcuReadGuard() { mxrt_shim_rcu_read_lock(); }
	~RcuReadGuard() { mxrt_shim_rcu_read_unlock(); }
};

inline void SynchronizeRcu() { mxrt_shim_synchronize_rcu(); }
inline u64 NowNs() { return mxrt_shim_now_ns(); }

} // namespace mxrt
