/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (the driver shim; implemented by kernel/max30102/ring.cpp) and user space
 * (tests, benchmarks).
 *
 * A lock-free ring of sample records with one producer and any number of readers, each with its
 * own cursor. Nothing is ever lost silently: a reader the producer has lapped gets its next record
 * with MXRT_MAX30102_REC_READER_OVERRUN and `lost` = the sequence gap (FIFO_OVERFLOW too if the
 * records it missed carried sensor losses; its own count has only the entries), never a torn record
 * (the ring is one seqlock: a reader re-checks, after copying a batch, how far the producer had
 * got, and drops what it may have overwritten).
 *
 * Indices are global: the producer's head counts every record ever pushed, a cursor is a head
 * value. That is what makes resizing cheap: a new ring continues the old one's index space
 * (mxrt_ring_continue), so a reader's cursor stays valid across a resize and the rings' lifetime
 * is all the caller has to manage (RCU in the driver).
 *
 * Contexts: push is called by the single producer (never concurrently with itself), any context;
 * read/peek from any context, concurrently with push and with each other, as long as each reader
 * struct is read by one thread at a time (readable() may run concurrently with that thread's
 * commit: the cursor is stored and loaded atomically). create/destroy: sleepable.
 */
#ifndef MXRT_MAX30102_RING_H
#define MXRT_MAX30102_RING_H

#include <lib/abi.h>
#include <mxrt/max30102.h>

MXRT_EXTERN_C_BEGIN

struct mxrt_ring;

#define MXRT_RING_MIN_RECORDS 16u
#define MXRT_RING_MAX_RECORDS (1u << 20)

struct mxrt_ring_reader {
	mxrt_u64 cursor;   /* index of the next record to read */
	mxrt_u64 last_seq; /* seq of the last record returned */
	mxrt_u32 started;  /* a record has been returned (last_seq is valid) */
	mxrt_u32 flushed_since; /* records flushes discarded after last_seq (saturating): the next one says so */
	mxrt_u32 lapped_since;  /* records the producer had lapped when a flush came (saturating),
				 * counted in overruns/lost then: the next record says so (READER_OVERRUN) */
	mxrt_u32 pad;
	mxrt_u64 overruns; /* times this reader was lapped */
	mxrt_u64 lost;     /* records it lost to that */
	mxrt_u64 flushes;  /* flushes that discarded something (mxrt_ring_reader_flush) */
	mxrt_u64 flushed;  /* records they discarded */
};

/* 0 if `records` is a ring size (a power of two in [MIN, MAX]), else -MXRT_EINVAL. */
int mxrt_ring_check_size(mxrt_u32 records) MXRT_NOEXCEPT;
/*
 * A ring of `records` on NUMA node `node` (-1: any) in *out. Sleepable. Returns 0, -MXRT_EINVAL for
 * a size mxrt_ring_check_size refuses, or -MXRT_ENOMEM (*out untouched on error).
 */
int mxrt_ring_create(mxrt_u32 records, int node, struct mxrt_ring **out) MXRT_NOEXCEPT;
void mxrt_ring_destroy(struct mxrt_ring *ring) MXRT_NOEXCEPT;
mxrt_u32 mxrt_ring_size(const struct mxrt_ring *ring) MXRT_NOEXCEPT;
mxrt_u64 mxrt_ring_head(const struct mxrt_ring *ring) MXRT_NOEXCEPT;

/*
 * Makes a fresh ring `to` continue `from`: the same head, and the newest min(size) records copied.
 * The producer calls it (no push to `from` may run concurrently) before publishing `to`.
 */
void mxrt_ring_continue(struct mxrt_ring *to, const struct mxrt_ring *from) MXRT_NOEXCEPT;

void mxrt_ring_push(struct mxrt_ring *ring, const struct mxrt_max30102_record *rec) MXRT_NOEXCEPT;
/* n records (a FIFO burst) at once: readers see none of them before all of them. */
void mxrt_ring_push_n(struct mxrt_ring *ring, const struct mxrt_max30102_record *rec,
		      mxrt_u32 n) MXRT_NOEXCEPT;

/* A reader that starts with the next record pushed. */
void mxrt_ring_reader_init(const struct mxrt_ring *ring, struct mxrt_ring_reader *rd) MXRT_NOEXCEPT;
/* Copies up to `max` records to out[]; returns how many (0: nothing new). */
mxrt_u32 mxrt_ring_read(const struct mxrt_ring *ring, struct mxrt_ring_reader *rd,
			struct mxrt_max30102_record *out, mxrt_u32 max) MXRT_NOEXCEPT;
/*
 * A read that consumes nothing yet: as mxrt_ring_read, but *rd stays as it is and the reader's
 * state after the read goes to *next. mxrt_ring_reader_commit(rd, next) consumes the records once
 * they were delivered; a delivery that failed (copy_to_user) simply does not commit, and the next
 * read returns the same records (or reports the ones the producer overwrote meanwhile as lost).
 *
 *   struct mxrt_ring_reader next;
 *   n = mxrt_ring_peek(ring, &f->rd, &next, buf, max);
 *   if (n && !copy_to_user(ubuf, buf, n * sizeof(*buf)))
 *           mxrt_ring_reader_commit(&f->rd, &next);
 */
mxrt_u32 mxrt_ring_peek(const struct mxrt_ring *ring, const struct mxrt_ring_reader *rd,
			struct mxrt_ring_reader *next, struct mxrt_max30102_record *out,
			mxrt_u32 max) MXRT_NOEXCEPT;
void mxrt_ring_reader_commit(struct mxrt_ring_reader *rd, const struct mxrt_ring_reader *next) MXRT_NOEXCEPT;
/*
 * Discards what the reader has not read yet: its cursor moves to the head. Returns how many
 * records that was (0: nothing to discard, and nothing changes); counted in flushes/flushed.
 * What the producer had already overwritten was not the flush's to discard: it is an overrun
 * (overruns, lost), said by the next record (READER_OVERRUN), as a read would have found it. If
 * the reader had returned a record before, the next record it gets is flagged
 * MXRT_MAX30102_REC_FLUSHED and its lost covers the whole gap, so b.seq == a.seq + 1 + b.lost
 * still holds (READER_OVERRUN is added if the producer laps the reader after the flush as well).
 * The same rules as read: one thread at a time per reader struct.
 */
mxrt_u64 mxrt_ring_reader_flush(const struct mxrt_ring *ring, struct mxrt_ring_reader *rd) MXRT_NOEXCEPT;
/* Whether read would return something now. */
int mxrt_ring_readable(const struct mxrt_ring *ring, const struct mxrt_ring_reader *rd) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_RING_H */
