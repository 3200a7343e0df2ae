// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (driver) and user space (tests, benchmarks). Implements
// kernel/max30102/ring.h; see there for the contract.
//
// Design: one seqlock for the whole ring instead of one per slot.
//
// The records sit in a plain array, in index order, so a burst goes in and a batch comes out with
// one copy each (two where the array wraps), as with kfifo. Two counters describe it:
//   head_    records published: [head_ - size, head_) can be read;
//   writing_ the end of the burst being written (== head_ between pushes). A push stores it
//            *before* it touches a slot, so the slots of [writing_ - size, head_ - size) may hold
//            new bytes already.
// A reader loads head_ (acquire), copies [cursor, head_), then loads writing_ after an acquire
// fence: every record below writing_ - size may have been overwritten while it was copied and is
// dropped (reported as an overrun, like records the producer lapped before the copy). What
// remains was copied intact: the copy of slot j raced no write, since any write to it belongs to
// index j + size >= writing_, which the reader would have seen (the fences pair: the producer's
// release fence after storing writing_ with the reader's acquire fence before loading it).
// So validation is two loads per batch, not two per record (the per-slot version reached 0.45 to
// 0.60 of kfifo's throughput in our benchmark; see docs/benchmarks.md).
//
// The copies and fences are the project's one seqlock protocol (kernel/lib/kstd/seqlock.hpp, in
// its position form): plain copies between smp_wmb()/smp_rmb()-strength fences in the kernel, as
// the kernel's own seqcount readers do; release stores and acquire loads in the user-space build,
// so that ThreadSanitizer checks the very protocol the kernel runs.
#include <max30102/ring.h>
#include <lib/kstd/atomic.hpp>
#include <lib/kstd/seqlock.hpp>
#include <lib/platform/platform.hpp>

namespace mxrt {
namespace {

using Record = mxrt_max30102_record;
static_assert(sizeof(Record) == MXRT_MAX30102_RECORD_SIZE && MXRT_MAX30102_RECORD_SIZE % 8 == 0);

} // namespace

struct Ring {
	static Result<void> CheckSize(u32 records) {
		if (records < MXRT_RING_MIN_RECORDS || records > MXRT_RING_MAX_RECORDS || (records & (records - 1)) != 0)
			return Error(-MXRT_EINVAL);
		return {};
	}
	// A ring of `records` on `node`, zeroed (head 0). Sleepable.
	static Result<Ring *> Create(u32 records, int node) {
		TRY(CheckSize(records));
		void *mem = mxrt_shim_zalloc(sizeof(Ring) + records * sizeof(Record), MXRT_GFP_KERNEL, node);
		if (mem == nullptr)
			return Error(-MXRT_ENOMEM);
		Ring *r = new (mem) Ring;
		r->mask = records - 1;
		return r;
	}

	u32 mask;
	u64 first; // the oldest index ever held (a ring that continues a smaller one); set before use
	alignas(kCacheLine) Atomic<u64> head;    // producer only; pairs with Read's acquire load
	Atomic<u64> writing;                     // producer only; same line: both are stored per push
	alignas(kCacheLine) Record slot[];

	u64 Size() const { return u64(mask) + 1; }
	u64 Oldest(u64 end) const { // the oldest index that can still be intact when end is written
		const u64 o = end > Size() ? end - Size() : 0;
		return o > first ? o : first;
	}

	// Copies indices [i, i + n) between the ring and rec[], split where the array wraps.
	void Put(u64 i, const Record *rec, u32 n) {
		const u32 at = u32(i & mask), part = Min<u32>(n, u32(Size() - at));
		SeqStore(&slot[at], rec, usize(part) * sizeof(Record));
		if (part < n)
			SeqStore(&slot[0], rec + part, usize(n - part) * sizeof(Record));
	}
	void Get(u64 i, Record *out, u32 n) const {
		const u32 at = u32(i & mask), part = Min<u32>(n, u32(Size() - at));
		SeqLoad(out, &slot[at], usize(part) * sizeof(Record));
		if (part < n)
			SeqLoad(out + part, &slot[0], usize(n - part) * sizeof(Record));
	}

	// A burst: claimed (writing), copied, published (head). Readers see none of it before all.
	void Push(const Record *rec, u32 n) {
		if (n == 0)
			return;
		const u64 i = head.Load(MemoryOrder::kRelaxed);
		const u64 end = i + n;
		if (n > Size()) { // only the newest Size() can be kept
			rec += n - Size();
			n = u32(Size());
		}
		writing.Store(end, MemoryOrder::kRelaxed);
		SeqWriterFence(); // the claim before the slots: pairs with SeqReaderFence in Read
		Put(end - n, rec, n);
		head.Store(end, MemoryOrder::kRelease); // pairs with Read's head load
	}

	u32 Read(mxrt_ring_reader *rd, Record *out, u32 max) const {
		if (max == 0)
			return 0;
		for (;;) {
			const u64 h = head.Load(MemoryOrder::kAcquire); // pairs with Push's head store
			const u64 c = AtomicRef<u64>(rd->cursor).Load(MemoryOrder::kRelaxed);
			if (c >= h)
				return 0;
			u64 lo = Max<u64>(c, Oldest(h));
			u32 n = u32(Min<u64>(h - lo, max));
			Get(lo, out, n);
			SeqReaderFence(); // the copy before the claim check: pairs with SeqWriterFence in Push
			const u64 valid = Oldest(writing.Load(MemoryOrder::kRelaxed));
			if (lo < valid) { // the producer lapped us during the copy: drop what it reached
				if (valid >= lo + n)
					continue; // all of it; copy again from what is there now
				const u32 drop = u32(valid - lo);
				__builtin_memmove(out, out + drop, usize(n - drop) * sizeof(Record));
				lo = valid;
				n -= drop;
			}
			AtomicRef<u64>(rd->cursor).Store(lo + n, MemoryOrder::kRelaxed); // readable() may look
			Account(rd, out[0], lo - c);
			rd->started = 1;
			rd->last_seq = out[n - 1].seq;
			return n;
		}
	}

	// The first record of a batch carries any gap the reader caused: within a batch the records
	// are consecutive ring entries, whose gaps are the sensor's own (b.seq == a.seq + 1 + b.lost).
	static void Account(mxrt_ring_reader *rd, Record &rec, u64 skipped) {
		if (skipped > 0) { // lapped: counted in ring entries, the reader's own loss
			rec.flags |= MXRT_MAX30102_REC_READER_OVERRUN;
			rd->overruns++;
			rd->lost += skipped;
		}
		// lapped before a flush: counted then (mxrt_ring_reader_flush), said now
		const u32 lapped = rd->lapped_since;
		rd->lapped_since = 0;
		if (lapped)
			rec.flags |= MXRT_MAX30102_REC_READER_OVERRUN;
		if (!rd->started) {
			// Lapped before its first record (a flush before it leaves no trace): no previous
			// seq, so the gap is the entries.
			if (skipped + lapped > 0)
				rec.lost = u32(Min<u64>(u64(rec.lost) + skipped + lapped, 0xffffffffull));
			return;
		}
		if (skipped > 0 || lapped || rd->flushed_since) {
			// The whole gap since the last record returned: the entries a flush discarded, those
			// the producer lapped, the sensor's losses they carried and this record's own. Only
			// the entries are the reader's: the sensor's stay the sensor's (counted in fifo_lost,
			// flagged FIFO_OVERFLOW), or a lapped reader would be charged twice for a chip
			// overflow and never told of it. The sensor lost some if the gap holds more than the
			// entries and this record's own loss (unknown once the flush count saturated).
			const u64 gap = rec.seq - rd->last_seq - 1;
			const u64 entries = u64(rd->flushed_since) + lapped + skipped;
			if (rd->flushed_since != 0xffffffffu && lapped != 0xffffffffu && gap > entries + rec.lost)
				rec.flags |= MXRT_MAX30102_REC_FIFO_OVERFLOW;
			if (rd->flushed_since)
				rec.flags |= MXRT_MAX30102_REC_FLUSHED;
			rd->flushed_since = 0;
			rec.lost = u32(Min<u64>(gap, 0xffffffffull));
		}
	}
};

} // namespace mxrt

using mxrt::Ring;

static Ring *R(mxrt_ring *r) { return reinterpret_cast<Ring *>(r); }
static const Ring *R(const mxrt_ring *r) { return reinterpret_cast<const Ring *>(r); }

extern "C" {

int mxrt_ring_check_size(mxrt_u32 records) noexcept { return Ring::CheckSize(records).ErrorCode(); }

int mxrt_ring_create(mxrt_u32 records, int node, mxrt_ring **out) noexcept {
	kstd::Result<Ring *> r = Ring::Create(records, node);
	if (!r.Ok())
		return r.ErrorCode();
	*out = reinterpret_cast<mxrt_ring *>(r.Value());
	return 0;
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
	const mxrt_u64 start = kstd::Max<mxrt_u64>(f->Oldest(h), t->Oldest(h));
	mxrt::Record buf[16];
	// The producer is us: nothing overwrites `from` meanwhile. `to` is not published yet.
	t->first = start;
	t->writing.Store(h, kstd::MemoryOrder::kRelaxed);
	for (mxrt_u64 i = start; i < h; i += 16) {
		const mxrt_u32 n = mxrt_u32(kstd::Min<mxrt_u64>(h - i, 16));
		f->Get(i, buf, n);
		t->Put(i, buf, n);
	}
	t->head.Store(h, kstd::MemoryOrder::kRelease);
}

void mxrt_ring_push(mxrt_ring *ring, const mxrt_max30102_record *rec) noexcept { R(ring)->Push(rec, 1); }

void mxrt_ring_push_n(mxrt_ring *ring, const mxrt_max30102_record *rec, mxrt_u32 n) noexcept {
	R(ring)->Push(rec, n);
}

void mxrt_ring_reader_init(const mxrt_ring *ring, mxrt_ring_reader *rd) noexcept {
	*rd = {};
	rd->cursor = R(ring)->head.Load(kstd::MemoryOrder::kAcquire); // before the reader is shared
}

mxrt_u32 mxrt_ring_read(const mxrt_ring *ring, mxrt_ring_reader *rd, mxrt_max30102_record *out,
			mxrt_u32 max) noexcept {
	return R(ring)->Read(rd, out, max);
}

mxrt_u32 mxrt_ring_peek(const mxrt_ring *ring, const mxrt_ring_reader *rd, mxrt_ring_reader *next,
			mxrt_max30102_record *out, mxrt_u32 max) noexcept {
	next->cursor = kstd::AtomicRef<const mxrt_u64>(rd->cursor).Load(kstd::MemoryOrder::kRelaxed);
	next->last_seq = rd->last_seq;
	next->started = rd->started;
	next->flushed_since = rd->flushed_since;
	next->lapped_since = rd->lapped_since;
	next->overruns = rd->overruns;
	next->lost = rd->lost;
	next->flushes = rd->flushes;
	next->flushed = rd->flushed;
	return R(ring)->Read(next, out, max);
}

void mxrt_ring_reader_commit(mxrt_ring_reader *rd, const mxrt_ring_reader *next) noexcept {
	rd->last_seq = next->last_seq;
	rd->started = next->started;
	rd->flushed_since = next->flushed_since;
	rd->lapped_since = next->lapped_since;
	rd->overruns = next->overruns;
	rd->lost = next->lost;
	// flushes/flushed: a read never changes them
	// readable() of another thread may load it meanwhile: one atomic store.
	kstd::AtomicRef<mxrt_u64>(rd->cursor).Store(next->cursor, kstd::MemoryOrder::kRelaxed);
}

mxrt_u64 mxrt_ring_reader_flush(const mxrt_ring *ring, mxrt_ring_reader *rd) noexcept {
	const Ring *r = R(ring);
	const mxrt_u64 h = r->head.Load(kstd::MemoryOrder::kAcquire); // pairs with Push's head store
	const mxrt_u64 c = kstd::AtomicRef<mxrt_u64>(rd->cursor).Load(kstd::MemoryOrder::kRelaxed);
	if (h <= c)
		return 0;
	// What the producer overwrote before the flush came was lost to falling behind, as a read
	// would have found (READER_OVERRUN, overruns and lost): the flush discards only what the
	// ring still held. A producer lapping further while this runs is the flush's: it discards
	// those too.
	const mxrt_u64 lo = kstd::Max<mxrt_u64>(c, r->Oldest(h));
	if (lo > c) {
		rd->overruns++;
		rd->lost += lo - c;
		rd->lapped_since = mxrt_u32(kstd::Min<mxrt_u64>(mxrt_u64(rd->lapped_since) + (lo - c), 0xffffffffull));
	}
	if (rd->started && h > lo) // counted for the next record's flags; saturates
		rd->flushed_since = mxrt_u32(kstd::Min<mxrt_u64>(mxrt_u64(rd->flushed_since) + (h - lo), 0xffffffffull));
	if (h > lo) {
		rd->flushes++;
		rd->flushed += h - lo;
	}
	// readable() of another thread may load it meanwhile: one atomic store.
	kstd::AtomicRef<mxrt_u64>(rd->cursor).Store(h, kstd::MemoryOrder::kRelaxed);
	return h - lo;
}

int mxrt_ring_readable(const mxrt_ring *ring, const mxrt_ring_reader *rd) noexcept {
	return kstd::AtomicRef<const mxrt_u64>(rd->cursor).Load(kstd::MemoryOrder::kRelaxed) <
	       R(ring)->head.Load(kstd::MemoryOrder::kAcquire);
}

} // extern "C"
