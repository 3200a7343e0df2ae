// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. See futex.hpp.
#include "futex.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 // the same number on every architecture (asm-generic and x86)
#endif

namespace mxrtd {

int ProbeFutexWaitv() {
	// No waiter at all: a kernel that has the call refuses the empty vector with EINVAL, one
	// without it says ENOSYS. Nothing sleeps.
	long r = syscall(SYS_futex_waitv, nullptr, 0u, 0u, nullptr, CLOCK_MONOTONIC);
	if (r == 0)
		return 0; // not expected, but the call exists
	if (errno == EINVAL)
		return 0;
	return -errno;
}

WaitResult WaitAny(const std::uint32_t *const *words, const std::uint32_t *expected, unsigned n,
		   const timespec *abs_timeout) {
	WaitResult res;
	if (n == 0 || n > FUTEX_WAITV_MAX) {
		res.error = -EINVAL;
		return res;
	}
	futex_waitv w[FUTEX_WAITV_MAX];
	std::memset(w, 0, sizeof(w[0]) * n);
	for (unsigned i = 0; i < n; i++) {
		w[i].val = expected[i];
		w[i].uaddr = reinterpret_cast<std::uintptr_t>(words[i]);
		w[i].flags = FUTEX_32; // shared: the words are in a MAP_SHARED segment
	}
	long r = syscall(SYS_futex_waitv, w, n, 0u, abs_timeout, CLOCK_MONOTONIC);
	if (r >= 0)
		res.woken = int(r);
	else
		res.error = -errno;
	return res;
}

timespec AbsoluteIn(clockid_t clock, std::uint64_t ns) {
	timespec t;
	clock_gettime(clock, &t);
	const std::uint64_t nsec = std::uint64_t(t.tv_nsec) + ns % 1000000000u;
	t.tv_sec += time_t(ns / 1000000000u + nsec / 1000000000u);
	t.tv_nsec = long(nsec % 1000000000u);
	return t;
}

WaitResult WaitOne(const std::uint32_t *word, std::uint32_t expected, const timespec *abs_timeout) {
	WaitResult res;
	// FUTEX_WAIT_BITSET takes an absolute timeout; FUTEX_CLOCK_REALTIME unset: CLOCK_MONOTONIC.
	long r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, abs_timeout, nullptr,
			 FUTEX_BITSET_MATCH_ANY);
	if (r == 0)
		res.woken = 0;
	else
		res.error = -errno;
	return res;
}

int WakeAll(std::uint32_t *word) {
	long r = syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
	return r < 0 ? -errno : int(r);
}

int Bump(std::uint32_t *word) {
	__atomic_fetch_add(word, 1u, __ATOMIC_RELEASE); // pairs with LoadWord's acquire
	return WakeAll(word);
}

int StoreAndWake(std::uint32_t *word, std::uint32_t value) {
	__atomic_store_n(word, value, __ATOMIC_RELEASE); // pairs with LoadWord's acquire
	return WakeAll(word);
}

} // namespace mxrtd
