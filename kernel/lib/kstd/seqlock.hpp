// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests, including TSan builds).
//
// The one seqlock protocol of the project: a single writer publishes data that readers copy
// without a lock and then check, retrying or dropping what a concurrent write may have touched.
// Two forms share the same copies and fences:
//
//   SeqCount / SeqCountRef   the classic count: odd while a write is in progress (the tracer's
//                            worst-case traces and statistics resets).
//   position form            a counter that says how far the writer may have written (the sample
//                            ring's `writing`, the tracer's CPU logs' `head`): the writer stores
//                            the new position, SeqWriterFence(), then the data; a reader copies,
//                            SeqReaderFence(), then reloads the position and keeps only what the
//                            writer cannot have reached (see kernel/max30102/ring.cpp).
//
// Copies inside a section go through SeqStore (writer) and SeqLoad (reader). The kernel build
// copies with plain word moves between smp_wmb()/smp_rmb()-strength fences, as the kernel's own
// seqcount_t users do (a racing copy is discarded by the check that follows). The user-space
// build stores every word with release and loads it with acquire and uses no fences, because
// ThreadSanitizer does not model fences: the release stores carry what SeqWriterFence orders (the
// claim before the data) and the acquire loads what SeqReaderFence orders (the data before the
// re-check), so TSan checks the very protocol the kernel runs.
//
// Writers must be serialised by the caller (one writer at a time). Readers: any context, any
// number, never block the writer.
//
//   writer                                  reader
//     seq.WriteBegin();                        do {
//     SeqStore(&shared, &update, n);               s = seq.ReadBegin();
//     seq.WriteEnd();                              SeqLoad(&copy, &shared, n);
//                                              } while (seq.ReadRetry(s));
#pragma once

#include <lib/kstd/atomic.hpp>

namespace kstd {

// Orders the claim (an odd count, a new position) before the data stores that follow. Pairs with
// SeqReaderFence. (smp_wmb() strength; nothing in the user-space build, see above.)
inline void SeqWriterFence() {
#ifndef MXRT_HOSTED
	__atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

// Orders the data loads before the re-check that follows. Pairs with SeqWriterFence.
// (smp_rmb() strength; nothing in the user-space build.)
inline void SeqReaderFence() {
#ifndef MXRT_HOSTED
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

// One word of the writer's section (for data built in registers rather than copied).
[[gnu::always_inline]] inline void SeqStoreWord(u64 *dst, u64 v) {
#ifdef MXRT_HOSTED
	__atomic_store_n(dst, v, __ATOMIC_RELEASE); // pairs with SeqLoad's acquire loads
#else
	__atomic_store_n(dst, v, __ATOMIC_RELAXED); // ordered by SeqWriterFence
#endif
}

enum class SeqSide { kWriter, kReader };

// A copy inside a section: `bytes` (a multiple of 8) between 8-byte aligned buffers. The writer
// copies into the shared data, the reader out of it; in the user-space build the shared side's
// words are stored with release (writer) or loaded with acquire (reader), which pair.
template <SeqSide kSide> [[gnu::always_inline]] inline void SeqCopy(void *dst, const void *src, usize bytes) {
#ifdef MXRT_HOSTED
	typedef u64 __attribute__((may_alias)) Word;
	Word *d = static_cast<Word *>(dst);
	const Word *s = static_cast<const Word *>(src);
	for (usize k = 0; k < bytes / 8; k++) {
		if constexpr (kSide == SeqSide::kWriter)
			__atomic_store_n(&d[k], s[k], __ATOMIC_RELEASE);
		else
			d[k] = __atomic_load_n(&s[k], __ATOMIC_ACQUIRE);
	}
#else
	__builtin_memcpy(dst, src, bytes);
#endif
}

// The writer's copy into the shared data, and the reader's copy out of it.
[[gnu::always_inline]] inline void SeqStore(void *dst, const void *src, usize bytes) {
	SeqCopy<SeqSide::kWriter>(dst, src, bytes);
}
[[gnu::always_inline]] inline void SeqLoad(void *dst, const void *src, usize bytes) {
	SeqCopy<SeqSide::kReader>(dst, src, bytes);
}

// A sequence count kept in a u64 that lives elsewhere (a field of a struct the C glue shares).
class SeqCountRef {
public:
	constexpr explicit SeqCountRef(u64 &seq) : seq_(seq) {}

	// Writer: an odd count, then the data (SeqStore), then WriteEnd.
	void WriteBegin() const {
		seq_.Store(seq_.Load(MemoryOrder::kRelaxed) + 1, MemoryOrder::kRelaxed); // one writer
		SeqWriterFence();
	}
	void WriteEnd() const {
		// Release: the data is visible to a reader that sees the even count (pairs with
		// ReadBegin's acquire load).
		seq_.Store(seq_.Load(MemoryOrder::kRelaxed) + 1, MemoryOrder::kRelease);
	}
	// Reader: the count to pass to ReadRetry. Acquire: pairs with WriteEnd.
	u64 ReadBegin() const { return seq_.Load(MemoryOrder::kAcquire); }
	// After the copies (SeqLoad): true if they may be torn (a write was running or ran since
	// ReadBegin) and the reader must retry.
	bool ReadRetry(u64 begin) const {
		SeqReaderFence();
		return (begin & 1) != 0 || seq_.Load(MemoryOrder::kRelaxed) != begin;
	}

private:
	AtomicRef<u64> seq_;
};

// A sequence count of our own (a member of a C++ class).
class SeqCount {
public:
	void WriteBegin() { Ref().WriteBegin(); }
	void WriteEnd() { Ref().WriteEnd(); }
	u64 ReadBegin() const { return Ref().ReadBegin(); }
	bool ReadRetry(u64 begin) const { return Ref().ReadRetry(begin); }

private:
	SeqCountRef Ref() const { return SeqCountRef(const_cast<u64 &>(seq_)); }
	u64 seq_ = 0;
};

} // namespace kstd
