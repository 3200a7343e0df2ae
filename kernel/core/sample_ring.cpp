// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (driver) and user space (tests, benchmarks). Implements
// include/mxrt/core/sample_ring.h; see there for the contract.
//
// Each slot carries a stamp: 2*index+1 while the producer writes it, 2*index+2 once it holds the
// record of global `index`. The record's words are relaxed atomics, so a reader racing the producer
// reads stale or new words but never undefined ones, and the stamp check afterwards throws away a
// mixed copy (the seqlock pattern; the data words carry the release/acquire ordering).
#include <mxrt/core/sample_ring.h>
#include <mxrt/kstd/atomic.hpp>
#include <mxrt/platform/platform.hpp>

namespace mxrt {
namespace {

constexpr u32 kWords = MXRT_MAX30102_RECORD_SIZE / 8;
static_assert(sizeof(mxrt_max30102_record) == MXRT_MAX30102_RECORD_SIZE);
static_assert(__builtin_offsetof(mxrt_max30102_record, timestamp_ns) == 8);
static_assert(__builtin_offsetof(mxrt_max30102_record, red) == 16);
static_assert(__builtin_offsetof(mxrt_max30102_record, flags) == 24);
static_assert(__builtin_offsetof(mxrt_max30102_record, lost) == 28);

struct Slot {
	Atomic<u64> stamp;
	Atomic<u64> word[kWords];
};

} // namespace

struct Ring {
	u32 mask;
	alignas(kCacheLine) Atomic<u64> head; // written by the producer only
	alignas(kCacheLine) Slot slots[];

	static u64 Stamp(u64 index) { return 2 * index + 2; }

	// Writes record `i` into its slot; the caller publishes it by advancing head.
	void Write(u64 i, const mxrt_max30102_record &rec) {
		Slot &s = slots[i & mask];
		const char *r = reinterpret_cast<const char *>(&rec);
		s.stamp.Store(2 * i + 1, MemoryOrder::kRelaxed);
		// Release stores: the odd stamp is visible before any new word (no standalone fence, so
		// ThreadSanitizer understands it; see Boehm, "Can seqlocks get along with programming
		// language memory models?").
		for (u32 k = 0; k < kWords; k++) {
			u64 v;
			__builtin_memcpy(&v, r + 8 * k, 8);
			s.word[k].Store(v, MemoryOrder::kRelease);
		}
		s.stamp.Store(Stamp(i), MemoryOrder::kRelease); // pairs with the reader's acquire
	}

	// A burst: every slot written, then one head store publishes them all.
	void Push(const mxrt_max30102_record *rec, u32 n) {
		const u64 i = head.Load(MemoryOrder::kRelaxed);
		for (u32 k = 0; k < n; k++)
			Write(i + k, rec[k]);
		head.Store(i + n, MemoryOrder::kRelease); // pairs with Read's head load
	}

	// Copies record `index` if the slot still holds it.
	bool Copy(u64 index, mxrt_max30102_record *out) const {
		const Slot &s = slots[index & mask];
		if (s.stamp.Load(MemoryOrder::kAcquire) != Stamp(index))
			return false;
		// Acquire loads: the stamp is re-checked after every word was read. Each word goes
		// straight to `out` (no temporary: kernels built with INIT_STACK_ALL_ZERO would clear it
		// for every record); a failed copy leaves `out` garbage, which the caller overwrites.
		char *o = reinterpret_cast<char *>(out);
		for (u32 k = 0; k < kWords; k++) {
			const u64 v = s.word[k].Load(MemoryOrder::kAcquire);
			__builtin_memcpy(o + 8 * k, &v, 8);
		}
		if (s.stamp.Load(MemoryOrder::kRelaxed) != Stamp(index))
			return false;
		return true;
	}

	u32 Read(mxrt_ring_reader *rd, mxrt_max30102_record *out, u32 max) const {
		const u64 size = u64(mask) + 1;
		u32 n = 0;
		u64 skipped = 0; // ring slots passed over since the last record returned
		u64 h = head.Load(MemoryOrder::kAcquire);
		while (n < max) {
			if (rd->cursor >= h) { // caught up with what we saw: look again once
				h = head.Load(MemoryOrder::kAcquire);
				if (rd->cursor >= h)
					break;
			}
			if (h - rd->cursor > size) { // those records are gone: the gap is reported below
				skipped += h - size - rd->cursor;
				rd->cursor = h - size;
			}
			mxrt_max30102_record &rec = out[n];
			if (!Copy(rd->cursor, &rec)) {
				// Overwritten while we looked (or never written: a ring that continues a
				// smaller one). Move on to the oldest record that can still be there.
				h = head.Load(MemoryOrder::kAcquire);
				const u64 oldest = h > size ? h - size : 0;
				const u64 next = rd->cursor + 1 > oldest ? rd->cursor + 1 : oldest;
				skipped += next - rd->cursor;
				rd->cursor = next;
				continue;
			}
			rd->cursor++;
			if (rd->started) {
				const u64 gap = rec.seq - rd->last_seq - 1;
				if (gap != rec.lost) { // some of the gap is ours, not the sensor's
					rec.flags |= MXRT_MAX30102_REC_READER_OVERRUN;
					rd->overruns++;
					rd->lost += gap - rec.lost;
					rec.lost = u32(gap > 0xffffffffull ? 0xffffffffull : gap);
				}
			} else if (skipped > 0) {
				// Lapped before its first record: the gap is counted in ring slots.
				rec.flags |= MXRT_MAX30102_REC_READER_OVERRUN;
				rd->overruns++;
				rd->lost += skipped;
				rec.lost = u32(Min<u64>(u64(rec.lost) + skipped, 0xffffffffull));
			}
			skipped = 0;
			rd->started = 1;
			rd->last_seq = rec.seq;
			n++;
		}
		return n;
	}
};

} // namespace mxrt

using mxrt::Ring;

static Ring *R(mxrt_ring *r) { return reinterpret_cast<Ring *>(r); }
static const Ring *R(const mxrt_ring *r) { return reinterpret_cast<const Ring *>(r); }

extern "C" {

mxrt_ring *mxrt_ring_create(mxrt_u32 records, int node) noexcept {
	if (records < MXRT_RING_MIN_RECORDS || records > MXRT_RING_MAX_RECORDS ||
	    (records & (records - 1)) != 0)
		return nullptr;
	const mxrt_size bytes = sizeof(Ring) + records * sizeof(mxrt::Slot);
	void *mem = mxrt_shim_zalloc(bytes, MXRT_GFP_KERNEL, node);
	if (mem == nullptr)
		return nullptr;
	Ring *r = new (mem) Ring;
	r->mask = records - 1;
	return reinterpret_cast<mxrt_ring *>(r);
}

void mxrt_ring_destroy(mxrt_ring *ring) noexcept { mxrt_shim_free(ring); }

mxrt_u32 mxrt_ring_size(const mxrt_ring *ring) noexcept { return R(ring)->mask + 1; }

mxrt_u64 mxrt_ring_head(const mxrt_ring *ring) noexcept {
	return R(ring)->head.Load(kstd::MemoryOrder::kAcquire);
}

void mxrt_ring_continue(mxrt_ring *to, const mxrt_ring *from) noexcept {
	Ring *t = R(to);
	const Ring *f = R(from);
	const mxrt_u64 h = f->head.Load(kstd::MemoryOrder::kRelaxed);
	const mxrt_u64 keep = kstd::Min<mxrt_u64>(kstd::Min<mxrt_u64>(h, f->mask + 1), t->mask + 1);
	t->head.Store(h - keep, kstd::MemoryOrder::kRelaxed);
	for (mxrt_u64 i = h - keep; i < h; i++) {
		mxrt_max30102_record rec;
		if (f->Copy(i, &rec)) // the producer is us: nothing can overwrite it meanwhile
			t->Write(i, rec);
	}
	t->head.Store(h, kstd::MemoryOrder::kRelease);
}

void mxrt_ring_push(mxrt_ring *ring, const mxrt_max30102_record *rec) noexcept { R(ring)->Push(rec, 1); }

void mxrt_ring_push_n(mxrt_ring *ring, const mxrt_max30102_record *rec, mxrt_u32 n) noexcept {
	R(ring)->Push(rec, n);
}

void mxrt_ring_reader_init(const mxrt_ring *ring, mxrt_ring_reader *rd) noexcept {
	*rd = {};
	rd->cursor = R(ring)->head.Load(kstd::MemoryOrder::kAcquire);
}

mxrt_u32 mxrt_ring_read(const mxrt_ring *ring, mxrt_ring_reader *rd, mxrt_max30102_record *out,
			mxrt_u32 max) noexcept {
	return R(ring)->Read(rd, out, max);
}

int mxrt_ring_readable(const mxrt_ring *ring, const mxrt_ring_reader *rd) noexcept {
	return rd->cursor < R(ring)->head.Load(kstd::MemoryOrder::kAcquire);
}

} // extern "C"
