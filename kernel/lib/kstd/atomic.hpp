// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests, including TSan builds).
//
// Atomics over the compiler's __atomic builtins. Every operation names its memory order: there is
// no defaulted seq_cst, so each call site shows (and should comment) what it pairs with. The builtins
// compile to the same instructions the kernel's own atomics use (lock-prefixed RMW on x86, LSE or
// LL/SC with acquire/release on arm64) and are understood by ThreadSanitizer in user space.
//
//   Atomic<T>     an atomic object of our own (a member of a C++ class);
//   AtomicRef<T>  atomic access to a plain T that lives elsewhere, typically a field of a struct
//                 the C glue shares (std::atomic_ref's idea): every access to that word must go
//                 through an AtomicRef (or READ_ONCE/WRITE_ONCE and atomic64_* on the C side).
// Both are the same operations: Atomic<T> is a T with an AtomicRef<T> view of itself.
#pragma once

#include <lib/kstd/kstd.hpp>

namespace kstd {

enum class MemoryOrder : int {
	kRelaxed = __ATOMIC_RELAXED,
	kAcquire = __ATOMIC_ACQUIRE,
	kRelease = __ATOMIC_RELEASE,
	kAcqRel = __ATOMIC_ACQ_REL,
	kSeqCst = __ATOMIC_SEQ_CST,
};

template <typename T> class AtomicRef {
	static_assert(sizeof(T) <= 8, "only word-sized atomics");
	static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);

public:
	// `v` must be naturally aligned and outlive the reference.
	constexpr explicit AtomicRef(T &v) : p_(&v) {}

	T Load(MemoryOrder mo) const { return __atomic_load_n(p_, static_cast<int>(mo)); }
	void Store(T v, MemoryOrder mo) const { __atomic_store_n(p_, v, static_cast<int>(mo)); }
	T Exchange(T v, MemoryOrder mo) const { return __atomic_exchange_n(p_, v, static_cast<int>(mo)); }
	// Strong CAS. On failure `expected` receives the current value (loaded with `fail`).
	bool CompareExchange(T &expected, T desired, MemoryOrder success, MemoryOrder fail) const {
		return __atomic_compare_exchange_n(p_, &expected, desired, false, static_cast<int>(success),
						   static_cast<int>(fail));
	}
	T FetchAdd(T d, MemoryOrder mo) const { return __atomic_fetch_add(p_, d, static_cast<int>(mo)); }
	T FetchSub(T d, MemoryOrder mo) const { return __atomic_fetch_sub(p_, d, static_cast<int>(mo)); }
	T FetchOr(T d, MemoryOrder mo) const { return __atomic_fetch_or(p_, d, static_cast<int>(mo)); }
	// Lowers the value to `v` if it is larger. Returns true if this call lowered it. The first
	// load (all a call that lowers nothing does) has `mo`'s load part: a seq_cst FetchMin is a
	// seq_cst load when it changes nothing, as the watchdog's store-buffer pairing needs (it was
	// relaxed, and on arm64 a plain load after the caller's seq_cst store could read a value
	// older than the other side's store: both sides missed each other).
	bool FetchMin(T v, MemoryOrder mo) const {
		T cur = Load(LoadPart(mo));
		while (v < cur) {
			if (CompareExchange(cur, v, mo, LoadPart(mo)))
				return true;
		}
		return false;
	}
	// Raises the value to `v` if it is smaller (statistics maxima).
	void FetchMax(T v, MemoryOrder mo) const {
		T cur = Load(LoadPart(mo));
		while (cur < v && !CompareExchange(cur, v, mo, LoadPart(mo))) {
		}
	}
	// Single-writer update (one thread ever writes the word, any may read it): a load and a store,
	// no read-modify-write instruction. For counters and maxima that one thread owns.
	void AddSingleWriter(T d, MemoryOrder mo) const { Store(Load(MemoryOrder::kRelaxed) + d, mo); }

private:
	// What a load may be of an order a read-modify-write was given (a load cannot release).
	static constexpr MemoryOrder LoadPart(MemoryOrder mo) {
		return mo == MemoryOrder::kRelease ? MemoryOrder::kRelaxed
		       : mo == MemoryOrder::kAcqRel ? MemoryOrder::kAcquire
						    : mo;
	}

	T *p_;
};

template <typename T> class Atomic {
public:
	constexpr Atomic() : v_() {}
	constexpr explicit Atomic(T v) : v_(v) {}
	Atomic(const Atomic &) = delete;
	Atomic &operator=(const Atomic &) = delete;

	T Load(MemoryOrder mo) const { return Ref().Load(mo); }
	void Store(T v, MemoryOrder mo) { Ref().Store(v, mo); }
	T Exchange(T v, MemoryOrder mo) { return Ref().Exchange(v, mo); }
	bool CompareExchange(T &expected, T desired, MemoryOrder success, MemoryOrder fail) {
		return Ref().CompareExchange(expected, desired, success, fail);
	}
	T FetchAdd(T d, MemoryOrder mo) { return Ref().FetchAdd(d, mo); }
	T FetchSub(T d, MemoryOrder mo) { return Ref().FetchSub(d, mo); }
	T FetchOr(T d, MemoryOrder mo) { return Ref().FetchOr(d, mo); }
	bool FetchMin(T v, MemoryOrder mo) { return Ref().FetchMin(v, mo); }
	void FetchMax(T v, MemoryOrder mo) { Ref().FetchMax(v, mo); }
	void AddSingleWriter(T d, MemoryOrder mo) { Ref().AddSingleWriter(d, mo); }

private:
	AtomicRef<T> Ref() const { return AtomicRef<T>(const_cast<T &>(v_)); }
	T v_;
};

// A fence of order mo; kSeqCst is the kernel's smp_mb(): it also orders earlier stores before later
// loads, which no release or acquire does (the store-buffering pattern: each side stores, fences,
// then loads what the other stored; at least one of them sees the other's store). Comment at each
// call what it pairs with. gcc's ThreadSanitizer does not model fences (and warns, -Wtsan): there it
// is only a compiler barrier, and a test of such a protocol under TSan checks the rest of it.
inline void ThreadFence(MemoryOrder mo) {
#ifdef __SANITIZE_THREAD__
	(void)mo;
	__asm__ __volatile__("" ::: "memory");
#else
	__atomic_thread_fence(static_cast<int>(mo));
#endif
}

// A value alone on its cache line, so that a hot shared index does not false-share with neighbours.
inline constexpr usize kCacheLine = 64;
template <typename T> struct alignas(kCacheLine) CacheLinePadded {
	T value;
};

} // namespace kstd
