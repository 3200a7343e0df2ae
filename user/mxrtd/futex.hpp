// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd, mxrt-top, consumers of the daemon's segment).
//
// Waiting on several 32-bit futex words at once with futex_waitv(2) (Linux 5.16; glibc has no
// wrapper and liburing 2.3 no futex operations, so it is a plain syscall), and the single-word
// fallback for older kernels (FUTEX_WAIT on one word that every event bumps).
//
// The words live in a shared mapping (MAP_SHARED, possibly read-only for the waiter): waits and
// wakes are the shared kind (no FUTEX_PRIVATE_FLAG), so a wake in one process reaches waiters in
// every process that maps the word.
//
//   // waiter: read the words, check the data, sleep only if nothing changed meanwhile
//   u32 seen[2] = {Load(&ev->samples.value), Load(&ev->state.value)};
//   if (nothing to do) {
//       const u32 *words[2] = {&ev->samples.value, &ev->state.value};
//       WaitResult r = WaitAny(words, seen, 2, nullptr);   // returns at once if a word moved
//   }
//   // writer: publish the data, then
//   Bump(&ev->samples.value);                               // release + FUTEX_WAKE(all)
#pragma once

#include <cstdint>
#include <ctime>

namespace mxrtd {

enum class WaitMethod { kFutexWaitv, kFutex };

// Whether this kernel has futex_waitv: 0, or -ENOSYS (older than 5.16, or a seccomp filter that
// refuses it), or another -errno if the probe itself failed oddly.
int ProbeFutexWaitv();

struct WaitResult {
	int woken = -1; // the index of a word that was woken, or -1
	int error = 0;  // 0, -EAGAIN (a word no longer held its value: look again), -ETIMEDOUT, -EINTR
};

// Sleeps until one of words[0..n) is woken or no longer holds expected[i] (futex_waitv; n <= 128).
// timeout: an absolute CLOCK_MONOTONIC time, or nullptr to wait forever.
WaitResult WaitAny(const std::uint32_t *const *words, const std::uint32_t *expected, unsigned n,
		   const timespec *abs_timeout);

// The fallback: sleeps while *word == expected (FUTEX_WAIT, shared), up to an absolute
// CLOCK_MONOTONIC timeout (nullptr: forever). Same results (woken = 0).
WaitResult WaitOne(const std::uint32_t *word, std::uint32_t expected, const timespec *abs_timeout);

// The absolute time ns from now on clock, as the waits above (CLOCK_MONOTONIC) and
// mq_timedreceive (CLOCK_REALTIME) take their timeouts.
timespec AbsoluteIn(clockid_t clock, std::uint64_t ns);

// Loads a futex word (acquire: pairs with Bump's release; what was published before the bump is
// visible after seeing the new value).
inline std::uint32_t LoadWord(const std::uint32_t *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }

// Adds 1 to a word (release: pairs with LoadWord's acquire) and wakes every waiter. The writer
// of a word is one thread, but the store is an atomic add so that two words bumped by two
// threads (`any`) stay exact. Returns the number of waiters woken, or -errno.
int Bump(std::uint32_t *word);
// Stores a value (release) and wakes every waiter (the state word).
int StoreAndWake(std::uint32_t *word, std::uint32_t value);
// Wakes every waiter of a word without changing it.
int WakeAll(std::uint32_t *word);

} // namespace mxrtd
