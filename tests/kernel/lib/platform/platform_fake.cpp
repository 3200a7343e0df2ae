// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (unit tests, including ASan/UBSan/TSan builds).
//
// The platform seam (kernel/lib/platform/shim.h) over the C++ standard library, so that the kernel
// C++ core runs unchanged under Google Test and the sanitizers.
//   - allocation: calloc/free, with failure injection;
//   - clock: a settable fake;
//   - RCU: a reader-writer lock. A read-side section (nesting counted per thread) holds it shared;
//     a grace period is taking it exclusively, which can only happen once every reader that started
//     before has left. Polled grace periods count completed grace periods under a small mutex.
//     TSan understands all of it;
//   - mutex, spinlock: std::mutex placed in the opaque storage, with its owner tracked for
//     AssertHeld (a spinlock's flags are a dummy).
#include "platform_fake.hpp"

#include <lib/platform/shim.h>

#include <atomic>
#include <cassert>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

namespace {

std::atomic<uint64_t> g_now{1000000000ull};
std::atomic<bool> g_clock_hook_set{false}; // the clock's fast path: one relaxed load
std::mutex g_clock_hook_mu;
std::function<void()> g_clock_hook; // g_clock_hook_mu
std::atomic<long> g_alloc_budget{-1}; // -1: unlimited
std::atomic<long> g_live_allocs{0};
std::mutex g_log_mu;
std::string g_log;

std::shared_mutex g_rcu;
thread_local int t_rcu_nesting = 0;
std::mutex g_gp_mu;
uint64_t g_gp_completed = 0; // g_gp_mu

void CompleteGracePeriodLocked() {
	// Caller holds g_rcu exclusively: no reader is inside a read-side section.
	std::lock_guard<std::mutex> g(g_gp_mu);
	g_gp_completed++;
}

struct FakeMutex {
	std::mutex m;
	std::atomic<std::thread::id> owner;
};
static_assert(sizeof(FakeMutex) <= MXRT_MUTEX_SIZE);
static_assert(alignof(FakeMutex) <= 8);

static_assert(sizeof(FakeMutex) <= MXRT_SPINLOCK_SIZE);

FakeMutex *Fm(mxrt_shim_mutex *m) { return std::launder(reinterpret_cast<FakeMutex *>(m->opaque)); }
FakeMutex *Fm(mxrt_shim_spinlock *l) { return std::launder(reinterpret_cast<FakeMutex *>(l->opaque)); }

} // namespace

namespace mxrt::fake {

void SetNow(uint64_t ns) { g_now.store(ns, std::memory_order_relaxed); }
uint64_t Now() { return g_now.load(std::memory_order_relaxed); }
void Advance(uint64_t ns) { g_now.fetch_add(ns, std::memory_order_relaxed); }
void AtNextClockRead(std::function<void()> fn) {
	std::lock_guard<std::mutex> g(g_clock_hook_mu);
	g_clock_hook = std::move(fn);
	g_clock_hook_set.store(true, std::memory_order_relaxed);
}
void FailAllocAfter(long n) { g_alloc_budget.store(n); }
void ResetAllocFailures() { g_alloc_budget.store(-1); }
long LiveAllocations() { return g_live_allocs.load(); }

std::string TakeLog() {
	std::lock_guard<std::mutex> g(g_log_mu);
	std::string s;
	s.swap(g_log);
	return s;
}

uint64_t GracePeriods() {
	std::lock_guard<std::mutex> g(g_gp_mu);
	return g_gp_completed;
}

} // namespace mxrt::fake

extern "C" {

void *mxrt_shim_zalloc(mxrt_size size, enum mxrt_gfp, int) noexcept {
	long budget = g_alloc_budget.load();
	while (budget >= 0) {
		if (budget == 0)
			return nullptr;
		if (g_alloc_budget.compare_exchange_weak(budget, budget - 1))
			break;
	}
	void *p = std::calloc(1, size);
	if (p != nullptr)
		g_live_allocs.fetch_add(1);
	return p;
}

void mxrt_shim_free(void *p) noexcept {
	if (p != nullptr)
		g_live_allocs.fetch_sub(1);
	std::free(p);
}

mxrt_u64 mxrt_shim_now_ns(void) noexcept {
	if (g_clock_hook_set.load(std::memory_order_relaxed)) {
		std::function<void()> fn;
		{
			std::lock_guard<std::mutex> g(g_clock_hook_mu);
			fn = std::exchange(g_clock_hook, nullptr);
			g_clock_hook_set.store(false, std::memory_order_relaxed);
		}
		if (fn)
			fn(); // without the mutex: fn may read the clock
	}
	return g_now.load(std::memory_order_relaxed);
}

void mxrt_shim_rcu_read_lock(void) noexcept {
	if (t_rcu_nesting++ == 0)
		g_rcu.lock_shared();
}

void mxrt_shim_rcu_read_unlock(void) noexcept {
	assert(t_rcu_nesting > 0);
	if (--t_rcu_nesting == 0)
		g_rcu.unlock_shared();
}

void mxrt_shim_synchronize_rcu(void) noexcept {
	assert(t_rcu_nesting == 0 && "synchronize_rcu inside a read-side section");
	std::unique_lock<std::shared_mutex> w(g_rcu);
	CompleteGracePeriodLocked();
}

mxrt_u64 mxrt_shim_rcu_gp_start(void) noexcept {
	std::lock_guard<std::mutex> g(g_gp_mu);
	return g_gp_completed + 1; // the next grace period to complete
}

mxrt_u64 mxrt_shim_rcu_gp_snapshot(void) noexcept {
	std::lock_guard<std::mutex> g(g_gp_mu);
	return g_gp_completed + 1; // the next grace period to complete covers every reader of now
}

int mxrt_shim_rcu_gp_done(mxrt_u64 cookie) noexcept {
	if (mxrt::fake::GracePeriods() >= cookie)
		return 1;
	// Never blocks (the kernel's poll does not): complete one only if no reader is inside.
	if (t_rcu_nesting == 0 && g_rcu.try_lock()) {
		CompleteGracePeriodLocked();
		g_rcu.unlock();
	}
	return mxrt::fake::GracePeriods() >= cookie;
}

void mxrt_shim_rcu_gp_wait(mxrt_u64 cookie) noexcept {
	while (mxrt::fake::GracePeriods() < cookie)
		mxrt_shim_synchronize_rcu();
}

void mxrt_shim_mutex_init(mxrt_shim_mutex *m, const char *, mxrt_shim_lock_class_key *) noexcept {
	new (m->opaque) FakeMutex();
}

void mxrt_shim_mutex_lock(mxrt_shim_mutex *m) noexcept {
	FakeMutex *f = Fm(m);
	assert(f->owner.load() != std::this_thread::get_id() && "recursive mutex_lock");
	f->m.lock();
	f->owner.store(std::this_thread::get_id());
}

void mxrt_shim_mutex_unlock(mxrt_shim_mutex *m) noexcept {
	FakeMutex *f = Fm(m);
	f->owner.store(std::thread::id());
	f->m.unlock();
}

void mxrt_shim_mutex_assert_held(mxrt_shim_mutex *m) noexcept {
	if (Fm(m)->owner.load() != std::this_thread::get_id()) {
		std::fprintf(stderr, "mutex not held by the caller\n");
		std::abort();
	}
}

void mxrt_shim_mutex_destroy(mxrt_shim_mutex *m) noexcept { Fm(m)->~FakeMutex(); }

void mxrt_shim_spin_init(mxrt_shim_spinlock *l, const char *, mxrt_shim_lock_class_key *) noexcept {
	new (l->opaque) FakeMutex();
}

unsigned long mxrt_shim_spin_lock_irqsave(mxrt_shim_spinlock *l) noexcept {
	FakeMutex *f = Fm(l);
	assert(f->owner.load() != std::this_thread::get_id() && "recursive spin_lock");
	f->m.lock();
	f->owner.store(std::this_thread::get_id());
	return 0x5a; // the flags unlock gets back
}

void mxrt_shim_spin_unlock_irqrestore(mxrt_shim_spinlock *l, unsigned long flags) noexcept {
	assert(flags == 0x5a && "unlock with flags that lock did not return");
	FakeMutex *f = Fm(l);
	f->owner.store(std::thread::id());
	f->m.unlock();
}

void mxrt_shim_spin_assert_held(mxrt_shim_spinlock *l) noexcept {
	if (Fm(l)->owner.load() != std::this_thread::get_id()) {
		std::fprintf(stderr, "spinlock not held by the caller\n");
		std::abort();
	}
}

// Lock ranks (kernel/lib/platform/platform.hpp): the ranks this thread holds, in taking order.
static thread_local std::vector<std::pair<int, const void *>> t_ranks;

void mxrt_fake_rank_acquire(int rank, const void *lock) noexcept {
	for (const auto &[held, l] : t_ranks) {
		if (held >= rank) {
			std::fprintf(stderr, "lock rank violation: taking rank %d while holding rank %d\n", rank, held);
			std::abort();
		}
	}
	t_ranks.emplace_back(rank, lock);
}

void mxrt_fake_rank_release(int rank, const void *lock) noexcept {
	for (auto it = t_ranks.end(); it != t_ranks.begin();) {
		--it;
		if (it->second == lock) {
			t_ranks.erase(it);
			return;
		}
	}
	std::fprintf(stderr, "lock rank %d released but not held\n", rank);
	std::abort();
}

void mxrt_contract_failed(const char *what) noexcept {
	std::fprintf(stderr, "contract failed: %s\n", what);
	std::abort();
}

void mxrt_shim_might_sleep(void) noexcept {
	if (t_rcu_nesting != 0) {
		std::fprintf(stderr, "sleeping function called inside an RCU read-side section\n");
		std::abort();
	}
}

int mxrt_shim_scnprintf(char *buf, mxrt_size size, const char *fmt, ...) noexcept {
	va_list ap;
	va_start(ap, fmt);
	int n = size ? std::vsnprintf(buf, size, fmt, ap) : 0;
	va_end(ap);
	if (n < 0)
		n = 0;
	return size == 0 ? 0 : (static_cast<mxrt_size>(n) >= size ? static_cast<int>(size - 1) : n);
}

void mxrt_shim_log(enum mxrt_log_level, const char *fmt, ...) noexcept {
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	std::lock_guard<std::mutex> g(g_log_mu);
	g_log += buf;
	if (std::getenv("MXRT_VERBOSE") != nullptr)
		std::fputs(buf, stderr);
}

} // extern "C"
