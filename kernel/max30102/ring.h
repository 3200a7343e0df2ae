/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (the driver shim; implemented by kernel/max30102/ring.cpp) and user space
 * (tests, benchmarks).
 *
 * A lock-free ring of sample records with one producer and any number of readers, each with its
 * own cursor. Nothing is ever lost silently: a reader the producer has lapped gets its next record
 * with MXRT_MAX30102_REC_READER_OVERRUN and `lost` = the sequence gap, and never a torn record
 * (the ring is one seqlock: a reader re-checks, after copying a batch, how far the producer had
 * got, and drops what it may have overwritten).
 *
 * Indices are global: the producer's head counts every record ever pushed, a cursor is a head
 * value. That is what makes resizing cheap: a new ring continues the old one's index space
 * (mxrt_ring_continue), so a reader's cursor stays valid across a resize and the rings' lifetime
 * is all the caller has to manage (SRCU in the driver).
 *
 * Contexts: push is called by the single producer (never concurrently with itself), any context;
 * read/readable from any context, concurrently with push and with each other, as long as each
 * reader struct is used by one thread at a time. create/destroy: sleepable.
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
	mxrt_u32 pad;
	mxrt_u64 overruns; /* times this reader was lapped */
	mxrt_u64 lost;     /* records it lost to that */
};

/* A ring of `records` (a power of two in [MIN, MAX]) on NUMA node `node` (-1: any), or NULL. */
struct mxrt_ring *mxrt_ring_create(mxrt_u32 records, int node) MXRT_NOEXCEPT;
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
/* Whether read would return something now. */
int mxrt_ring_readable(const struct mxrt_ring *ring, const struct mxrt_ring_reader *rd) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_RING_H */
