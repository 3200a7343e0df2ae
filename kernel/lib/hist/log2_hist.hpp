// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests, including TSan builds).
//
// The C++ side of the one log2 histogram (see log2_hist.h for the buckets and the percentile
// rule): a view over the words of a histogram wherever they live (struct mxrt_log2_hist, or the
// statistics of a tracer metric, whose C struct keeps the same words under other names), so the
// bucket rule, the adds and the one percentile function exist once.
//
//   Log2Hist h(stat.count, stat.min_ns, stat.max_ns, stat.sum_ns, stat.hist);
//   h.AddSingleWriter(v);                 // one writer (the tracer's serialised events)
//   u64 p99 = Log2Percentile(snapshot, 990);
#pragma once

#include <lib/hist/log2_hist.h>
#include <lib/kstd/atomic.hpp>

namespace mxrt {

using kstd::u32;
using kstd::u64;

inline constexpr u32 kLog2Buckets = MXRT_LOG2_BUCKETS;
inline constexpr u64 kLog2Empty = ~0ull; // min while empty

// The bucket of a value: [2^k, 2^(k+1)), 0 and 1 in bucket 0, everything from 2^39 in the last.
constexpr u32 Log2Bucket(u64 v) {
	const u32 b = v < 2 ? 0 : u32(63 - __builtin_clzll(v));
	return b < kLog2Buckets ? b : kLog2Buckets - 1;
}
constexpr u64 Log2BucketLow(u32 b) { return b == 0 ? 0 : 1ull << b; }
constexpr u64 Log2BucketHigh(u32 b) { return b >= kLog2Buckets - 1 ? ~0ull : (2ull << b) - 1; } // inclusive

// A consistent-enough copy of a histogram for computing percentiles.
struct Log2Snapshot {
	u64 count, min, max, sum;
	u64 bucket[kLog2Buckets];
};

// The permille-th value of a snapshot (500 = median, 990 = p99, 1000 = the maximum), 0 when it is
// empty. The rank is ceil(total * permille / 1000) (at least 1) over the bucket counts; inside
// the bucket that holds it, the value is interpolated linearly across the bucket's range narrowed
// to [min, max] (its first value at the low end, its last at the high end; a bucket of one value
// is the minimum or the maximum where the bucket holds one, else the middle), so an estimate never
// lies outside the values seen: p100 is the maximum, and a histogram of equal values answers that
// value for every permille.
inline u64 Log2Percentile(const Log2Snapshot &s, u32 permille) {
	if (permille > 1000)
		permille = 1000;
	u64 total = 0;
	for (u32 b = 0; b < kLog2Buckets; b++)
		total += s.bucket[b];
	if (total == 0)
		return 0;
	// total <= 2^64 / 1000 in any real histogram; keep the product from wrapping regardless
	u64 rank = total > ~0ull / 1000 ? total / 1000 * permille : (total * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	// min/max may lag the buckets by a few values (concurrent adds): only use them when sane
	const bool bounds = s.min <= s.max;
	u64 seen = 0;
	for (u32 b = 0; b < kLog2Buckets; b++) {
		const u64 c = s.bucket[b];
		if (c == 0 || seen + c < rank) {
			seen += c;
			continue;
		}
		u64 lo = Log2BucketLow(b), hi = Log2BucketHigh(b);
		bool at_min = false, at_max = false; // the bucket holds the smallest / largest value
		if (bounds && s.min >= lo && s.min <= hi) {
			lo = s.min;
			at_min = true;
		}
		if (bounds && s.max >= lo && s.max <= hi) {
			hi = s.max;
			at_max = true;
		}
		const u64 span = hi - lo;
		if (c == 1) // one value: the one bound known, else the middle of the range
			return at_max ? hi : at_min ? lo : lo + span / 2;
		// (rank - seen - 1) / (c - 1) of the way from lo to hi, in 1/65536 steps (no overflow)
		const u64 f = ((rank - seen - 1) << 16) / (c - 1);
		return lo + (span >> 16) * f + ((span & 0xffff) * f >> 16);
	}
	return bounds ? s.max : Log2BucketHigh(kLog2Buckets - 1); // buckets changed under us
}

// A view of a histogram's words. Writers and readers go through atomics (AtomicRef), so the words
// may be shared with C code that only reads them with READ_ONCE.
class Log2Hist {
public:
	Log2Hist(u64 &count, u64 &min, u64 &max, u64 &sum, u64 (&bucket)[kLog2Buckets])
		: count_(count), min_(min), max_(max), sum_(sum), bucket_(bucket) {}
	explicit Log2Hist(mxrt_log2_hist &h) : Log2Hist(h.count, h.min, h.max, h.sum, h.bucket) {}

	// Empty. Not concurrently with adds.
	void Init() const {
		for (u32 b = 0; b < kLog2Buckets; b++)
			kstd::AtomicRef<u64>(bucket_[b]).Store(0, kstd::MemoryOrder::kRelaxed);
		kstd::AtomicRef<u64>(count_).Store(0, kstd::MemoryOrder::kRelaxed);
		kstd::AtomicRef<u64>(min_).Store(kLog2Empty, kstd::MemoryOrder::kRelaxed);
		kstd::AtomicRef<u64>(max_).Store(0, kstd::MemoryOrder::kRelaxed);
		kstd::AtomicRef<u64>(sum_).Store(0, kstd::MemoryOrder::kRelaxed);
	}

	// One writer at a time (the caller serialises adds): loads and stores, no read-modify-write
	// instructions. The count is stored last with release, after the value it counts is in
	// min/max/sum/bucket (pairs with Snapshot's acquire load of count); the bucket after min and
	// max, with release too, so that a reader that sees a value's bucket sees its max (Snapshot).
	[[gnu::always_inline]] void AddSingleWriter(u64 v) const {
		constexpr kstd::MemoryOrder r = kstd::MemoryOrder::kRelaxed;
		const kstd::AtomicRef<u64> min(min_), max(max_);
		if (v < min.Load(r))
			min.Store(v, r);
		if (v > max.Load(r))
			max.Store(v, r);
		kstd::AtomicRef<u64>(sum_).AddSingleWriter(v, r);
		kstd::AtomicRef<u64>(bucket_[Log2Bucket(v)]).AddSingleWriter(1, kstd::MemoryOrder::kRelease);
		kstd::AtomicRef<u64>(count_).AddSingleWriter(1, kstd::MemoryOrder::kRelease);
	}

	// Any number of writers at once: read-modify-writes, relaxed but for the bucket.
	void AddShared(u64 v) const {
		constexpr kstd::MemoryOrder r = kstd::MemoryOrder::kRelaxed;
		// min and max before the bucket, which is added with release: a reader that sees the
		// value's bucket sees its max too (Snapshot), so a percentile never lands above the
		// largest value added
		kstd::AtomicRef<u64>(sum_).FetchAdd(v, r);
		kstd::AtomicRef<u64>(min_).FetchMin(v, r);
		kstd::AtomicRef<u64>(max_).FetchMax(v, r);
		kstd::AtomicRef<u64>(bucket_[Log2Bucket(v)]).FetchAdd(1, kstd::MemoryOrder::kRelease);
		kstd::AtomicRef<u64>(count_).FetchAdd(1, r);
	}

	// A copy for readers: count first (acquire: with AddSingleWriter, what follows includes the
	// values it counts), then the buckets, then min, max and sum (acquire loads: a value whose
	// bucket is seen has its min and max seen too, and a reset bracketed by a SeqCount is seen
	// whole by a reader that re-checks it). Concurrent adds can still make max or sum run ahead
	// of the buckets, never behind them.
	Log2Snapshot Snapshot() const {
		constexpr kstd::MemoryOrder a = kstd::MemoryOrder::kAcquire;
		Log2Snapshot s;
		s.count = kstd::AtomicRef<u64>(count_).Load(a);
		for (u32 b = 0; b < kLog2Buckets; b++)
			s.bucket[b] = kstd::AtomicRef<u64>(bucket_[b]).Load(a);
		s.min = kstd::AtomicRef<u64>(min_).Load(a);
		s.max = kstd::AtomicRef<u64>(max_).Load(a);
		s.sum = kstd::AtomicRef<u64>(sum_).Load(a);
		return s;
	}

	u64 Percentile(u32 permille) const { return Log2Percentile(Snapshot(), permille); }

private:
	u64 &count_, &min_, &max_, &sum_;
	u64 (&bucket_)[kLog2Buckets];
};

} // namespace mxrt
