/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Used by: the BPF programs (bpf/contention.bpf.c, kernel) and the unit tests
 * (tests/user/contention/stack_test.cpp, user space). A task's stack of open lock waits: what a
 * lock:contention_begin does to it (the next phase of the innermost wait, or a new wait pushed)
 * and what a lock:contention_end does (pops the innermost open wait for its lock), and the link from
 * a bus-lock wait to the I2C transfer after it (struct mxrt_con_link). Pure logic: no
 * helpers, no maps, no clock (the caller passes the time), fixed-size arrays with masked indices
 * that the verifier bounds, so the tests run the code the kernel runs.
 *
 * Why a same-address begin is not always a phase: an rt_mutex waiter retakes the lock's raw
 * wait_lock while it waits (rt_mutex_slowlock_block(), rtlock_slowlock_locked()), and struct
 * rt_mutex_base and struct semaphore start with that raw spinlock, so the inner wait has the
 * sleeping lock's address. A mutex reports its optimistic spin (MUTEX|SPIN) and then its sleep
 * (MUTEX) without an end between: one wait in two phases (its wait_lock follows the owner word,
 * so it never has the mutex's address). See mxrt_con_nested_spin().
 *
 * Example (the program's order: the time is read only for a new wait):
 *	switch (mxrt_con_begin(&st->open, lock, flags)) {
 *	case MXRT_CON_BEGIN_NEW: mxrt_con_push(&st->open, lock, flags, bpf_ktime_get_ns()); break;
 *	case MXRT_CON_BEGIN_TOO_DEEP: count(MXRT_CON_DROP_NEST); break;
 *	case MXRT_CON_BEGIN_PHASE: break;
 *	}
 *	...
 *	struct mxrt_con_ended w;
 *	if (!mxrt_con_end(&st->open, lock, &w)) count(MXRT_CON_DROP_UNMATCHED);
 */
#ifndef MXRT_BPF_CONTENTION_STACK_H
#define MXRT_BPF_CONTENTION_STACK_H

#include "contention.h" /* __u32/__u64 for both sides, MXRT_LCB_F_* */

#if !defined(__VMLINUX_H__) && !defined(__cplusplus)
#include <stdbool.h>
#endif
#ifndef __always_inline /* bpf_helpers.h defines it for the programs */
#define __always_inline inline __attribute__((always_inline))
#endif

/* open waits kept per task; a power of two (the indices are masked with MXRT_CON_MAX_NEST - 1) */
#define MXRT_CON_MAX_NEST 4
#ifdef __cplusplus
static_assert((MXRT_CON_MAX_NEST & (MXRT_CON_MAX_NEST - 1)) == 0, "MXRT_CON_MAX_NEST: a power of two");
#else
_Static_assert((MXRT_CON_MAX_NEST & (MXRT_CON_MAX_NEST - 1)) == 0, "MXRT_CON_MAX_NEST: a power of two");
#endif

/* The open waits, innermost at depth - 1. Zeroed: none open. */
struct mxrt_con_stack {
	__u64 ts[MXRT_CON_MAX_NEST];    /* the wait's first begin (the caller's clock, ns) */
	__u64 lock[MXRT_CON_MAX_NEST];  /* the lock's address */
	__u32 flags[MXRT_CON_MAX_NEST]; /* MXRT_LCB_F_* of the wait's latest begin (its phase) */
	__u32 depth;                    /* 0..MXRT_CON_MAX_NEST */
	__u32 pad;
};

enum mxrt_con_begin_result {
	MXRT_CON_BEGIN_PHASE,    /* the innermost wait's next phase: its flags updated, nothing pushed */
	MXRT_CON_BEGIN_NEW,      /* a new wait: the caller pushes it (mxrt_con_push) with its start */
	MXRT_CON_BEGIN_TOO_DEEP, /* a new wait, but MXRT_CON_MAX_NEST are open: not recorded */
};

/* A wait that ended: when it began and its flags (its last phase's). */
struct mxrt_con_ended {
	__u64 ts;
	__u32 flags;
	__u32 pad;
};

/*
 * Whether a begin at the address of the task's innermost open wait (flags @top) is a new wait
 * nested in it rather than that wait's next phase: a raw spinlock (qspinlock reports LCB_F_SPIN
 * alone) inside a sleeping lock (no LCB_F_SPIN: rt_mutex and rtlock LCB_F_RT, semaphore 0, rwsem
 * READ/WRITE, mutex sleeping LCB_F_MUTEX). A mutex going back to spinning (MUTEX|SPIN) is a phase.
 */
static __always_inline bool mxrt_con_nested_spin(__u32 top, __u32 flags)
{
	return flags == MXRT_LCB_F_SPIN && !(top & MXRT_LCB_F_SPIN);
}

/*
 * A contention_begin for @lock with @flags: the innermost open wait's next phase (same address,
 * not mxrt_con_nested_spin(): its flags become @flags, its start stays), or a new wait, which the
 * caller then pushes with mxrt_con_push() (so that it reads its clock only for a new wait), or
 * one too deep to record.
 */
static __always_inline enum mxrt_con_begin_result mxrt_con_begin(struct mxrt_con_stack *s, __u64 lock,
								 __u32 flags)
{
	__u32 d = s->depth;

	if (d > 0 && d <= MXRT_CON_MAX_NEST && s->lock[(d - 1) & (MXRT_CON_MAX_NEST - 1)] == lock &&
	    !mxrt_con_nested_spin(s->flags[(d - 1) & (MXRT_CON_MAX_NEST - 1)], flags)) {
		/* the same wait, in its next phase (a mutex's spin, then its sleep) */
		s->flags[(d - 1) & (MXRT_CON_MAX_NEST - 1)] = flags;
		return MXRT_CON_BEGIN_PHASE;
	}
	if (d >= MXRT_CON_MAX_NEST)
		return MXRT_CON_BEGIN_TOO_DEEP;
	return MXRT_CON_BEGIN_NEW;
}

/* Opens a wait for @lock (@flags) that began at @ts: after mxrt_con_begin() said MXRT_CON_BEGIN_NEW. */
static __always_inline void mxrt_con_push(struct mxrt_con_stack *s, __u64 lock, __u32 flags, __u64 ts)
{
	__u32 d = s->depth;

	if (d >= MXRT_CON_MAX_NEST)
		return;
	s->ts[d & (MXRT_CON_MAX_NEST - 1)] = ts;
	s->lock[d & (MXRT_CON_MAX_NEST - 1)] = lock;
	s->flags[d & (MXRT_CON_MAX_NEST - 1)] = flags;
	s->depth = d + 1;
}

/*
 * A contention_end for @lock: pops the innermost open wait for @lock (normally the top) into @w
 * and returns true; waits opened inside it and never ended are dropped with it. False when no
 * open wait has that address (it began before the programs attached, its entry was evicted, or
 * its begin was too deep): the stack is unchanged.
 */
static __always_inline bool mxrt_con_end(struct mxrt_con_stack *s, __u64 lock, struct mxrt_con_ended *w)
{
	__u32 d = s->depth, i, found = MXRT_CON_MAX_NEST;

	if (d == 0)
		return false;
	for (i = 0; i < MXRT_CON_MAX_NEST; i++) {
		if (i < d && s->lock[(d - 1 - i) & (MXRT_CON_MAX_NEST - 1)] == lock) {
			found = (d - 1 - i) & (MXRT_CON_MAX_NEST - 1);
			break;
		}
	}
	if (found == MXRT_CON_MAX_NEST)
		return false;
	w->ts = s->ts[found];
	w->flags = s->flags[found];
	w->pad = 0;
	s->depth = found;
	return true;
}

/*
 * The link from a task's wait for an I2C adapter's bus lock (an rt_mutex) to the transfer that
 * follows it: contention_end notes the wait (mxrt_con_link_note), the transfer's first message
 * takes it if it was for that adapter's bus lock (mxrt_con_link_take). Only a wait that can sleep
 * is noted: an interrupt shares its task's state (task_key()) and may end a spinning wait between
 * the task's bus-lock wait and its transfer, which used to overwrite the link (the transfer then
 * showed no bus wait). A sleeping lock (no MXRT_LCB_F_SPIN, or a mutex in its spinning phase) is
 * never taken in an interrupt; on PREEMPT_RT a spinlock_t is an rtlock (MXRT_LCB_F_RT), taken by
 * threads only, and an interrupt's raw spinlock reports MXRT_LCB_F_SPIN alone.
 */
struct mxrt_con_link {
	__u64 lock;    /* the last sleeping wait's lock (0: none, or taken) */
	__u64 wait_ns; /* and its length */
};

/* Whether a wait with (last-phase) @flags can only be a task's: a sleeping lock's. */
static __always_inline bool mxrt_con_task_only(__u32 flags)
{
	return !(flags & MXRT_LCB_F_SPIN) || (flags & MXRT_LCB_F_MUTEX);
}

/* A wait for @lock (@flags, @wait_ns long) ended: noted if it can be a bus-lock wait. */
static __always_inline void mxrt_con_link_note(struct mxrt_con_link *l, __u64 lock, __u32 flags, __u64 wait_ns)
{
	if (!mxrt_con_task_only(flags))
		return;
	l->lock = lock;
	l->wait_ns = wait_ns;
}

/* A transfer on the adapter whose bus lock is @bus_lock starts: the wait noted for that lock, once. */
static __always_inline bool mxrt_con_link_take(struct mxrt_con_link *l, __u64 bus_lock, __u64 *wait_ns)
{
	if (l->lock == 0 || l->lock != bus_lock)
		return false;
	*wait_ns = l->wait_ns;
	l->lock = 0;
	return true;
}

#endif /* MXRT_BPF_CONTENTION_STACK_H */
