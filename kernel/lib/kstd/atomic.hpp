// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests, including TSan builds).
//
// Atomic<T> over the compiler's __atomic builtins. Every operation names its memory order: there is
// no defaulted seq_cst, so each call site shows (and should comment) what it pairs with. The builtins
// compile to the same instructions the kernel's own atomics use (lock-prefixed RMW on x86, LSE or
// LL/SC with acquire/release on arm64) and are understood by ThreadSanitizer in user space.
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

template <typename T> class Atomic {
	static_assert(sizeof(T) <= 8, "only word-sized atomics");

public:
	constexpr Atomic() : v_() {}
	constexpr explicit Atomic(T v) : v_(v) {}
	Atomic(const Atomic &) = delete;
	Atomic &operator=(const Atomic &) = delete;

	T Load(MemoryOrder mo) const { return __atomic_load_n(&v_, static_cast<int>(mo)); }
	void Store(T v, MemoryOrder mo) { __atomic_store_n(&v_, v, static_cast<int>(mo)); }
	T Exchange(T v, MemoryOrder mo) { return __atomic_exchange_n(&v_, v, static_cast<int>(mo)); }
	// Strong CAS. On failure `expected` receives the current value (loaded with `fail`).
	bool CompareExchange(T &expected, T desired, MemoryOrder success, MemoryOrder fail) {
		return __atomic_compare_exchange_n(&v_, &expected, desired, false,
						   static_cast<int>(success), static_cast<int>(fail));
	}
	T FetchAdd(T d, MemoryOrder mo) { return __atomic_fetch_add(&v_, d, static_cast<int>(mo)); }
	T FetchSub(T d, MemoryOrder mo) { return __atomic_fetch_sub(&v_, d, static_cast<int>(mo)); }
	T FetchOr(T d, MemoryOrder mo) { return __atomic_fetch_or(&v_, d, static_cast<int>(mo)); }
	// Lowers the value to `v` if it is larger. Returns true if this call lowered it.
	bool FetchMin(T v, MemoryOrder mo) {
		T cur = Load(MemoryOrder::kRelaxed);
		while (v < cur) {
			if (CompareExchange(cur, v, mo, MemoryOrder::kRelaxed))
				return true;
		}
		return false;
	}
	// Raises the value to `v` if it is smaller (statistics maxima).
	void FetchMax(T v, MemoryOrder mo) {
		T cur = Load(MemoryOrder::kRelaxed);
		while (cur < v && !CompareExchange(cur, v, mo, MemoryOrder::kRelaxed)) {
		}
	}

private:
	T v_;
};

// A value alone on its cache line, so that a hot shared index does not false-share with neighbours.
inline constexpr usize kCacheLine = 64;
template <typename T> struct alignas(kCacheLine) CacheLinePadded {
	T value;
};

} // namespace kstd
