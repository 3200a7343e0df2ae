/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by kernel/watchdog/watchdog_glue.c) and user space (unit tests).
 *
 * The C ABI of the watchdog core (kernel/watchdog/watchdog_core.cpp). The core is pure: it owns the table of
 * watchdogs and the lock-free state machine, but it neither reads a clock nor programs a timer. The
 * caller passes `now` in and arms one timer at mxrt_wdcore_earliest() whenever a call says so.
 * Errors are negative MXRT_E* values (identical to the kernel's errno values).
 */
#ifndef MXRT_WATCHDOG_CORE_H
#define MXRT_WATCHDOG_CORE_H

#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

/*
 * 1 ms: short enough for a driver's lost-interrupt window at a high sample rate (a MAX30102 at
 * 3200 Hz fills its almost-full threshold in about 5 ms). The timeout is also the repeat interval.
 */
#define MXRT_WD_MIN_TIMEOUT_MS 1u
#define MXRT_WD_MAX_TIMEOUT_MS (24u * 3600u * 1000u)
#define MXRT_WD_NAME_LEN 32u
#define MXRT_WD_MAX_ITEMS 65536u
/* Bits of what start and kick return (see there). */
#define MXRT_WD_WAS_IDLE 1
#define MXRT_WD_REPROGRAM 2
/* No deadline: the timer need not be armed. */
#define MXRT_WD_NEVER (~(mxrt_u64)0)

/* Handed to a recovery callback. Times are CLOCK_MONOTONIC ns. */
struct mxrt_wd_expiry {
	mxrt_s64 wd;          /* the handle that expired */
	mxrt_u64 deadline_ns; /* when it was due */
	mxrt_u64 now_ns;      /* when recovery started: now_ns - deadline_ns is the delay */
	mxrt_u32 count;       /* 1 for the first expiry after start, 2 for the first repeat, ...;
			       * stays at 2^32 - 1 once there (no wrap) */
};

typedef void (*mxrt_wd_recovery_fn)(void *data, const struct mxrt_wd_expiry *e);

struct mxrt_wd_params {
	mxrt_u32 timeout_ms;      /* MXRT_WD_MIN_TIMEOUT_MS..MAX; also the recovery repeat interval */
	mxrt_wd_recovery_fn fn;   /* required */
	void *data;               /* passed to fn */
	const char *name;         /* copied (truncated to MXRT_WD_NAME_LEN - 1) */
	const void *owner;        /* module that owns the callback (for unload clean-up), may be NULL */
	const char *owner_name;   /* copied, for debugfs; may be NULL */
};

enum mxrt_wd_state { MXRT_WD_IDLE = 0, MXRT_WD_ARMED = 1, MXRT_WD_EXPIRED = 2 };

/* A consistent-enough snapshot for debugfs (fields are read one by one, without stopping users). */
struct mxrt_wd_info {
	mxrt_s64 wd;
	char name[MXRT_WD_NAME_LEN];
	char owner_name[MXRT_WD_NAME_LEN];
	mxrt_u32 timeout_ms;
	mxrt_u32 state; /* enum mxrt_wd_state */
	mxrt_u64 deadline_ns;
	mxrt_u64 expiries;
	mxrt_u64 last_delay_ns;
	mxrt_u64 max_delay_ns;
};

struct mxrt_wd_stats {
	mxrt_u32 registered;
	mxrt_u32 capacity;
	mxrt_u32 retired;      /* slots retired: their 2^30 generations were used up (never reused) */
	mxrt_u64 passes;       /* expiry passes run */
	mxrt_u64 recoveries;   /* recovery callbacks run */
	mxrt_u64 reprograms;   /* timer moves: starts and kicks that lowered its target, and each
				* pass's own re-arm (a pass sets the target anew) */
	mxrt_u64 earliest_ns;  /* the armed watchdogs' earliest deadline; MXRT_WD_NEVER when none is armed */
	mxrt_u64 timer_ns;     /* where the timer is set; MXRT_WD_NEVER when it is not. Not lowered by a
				* cancel or a removal: it can be earlier than earliest_ns, and set while
				* nothing is armed, until it fires once */
};

struct mxrt_wdcore;

/* Sleepable context. */
int mxrt_wdcore_create(struct mxrt_wdcore **out);
void mxrt_wdcore_destroy(struct mxrt_wdcore *core);

/* Sleepable context. Returns a handle > 0 or -EINVAL (bad params), -ENOSPC, -ENOMEM. */
mxrt_s64 mxrt_wdcore_add(struct mxrt_wdcore *core, const struct mxrt_wd_params *p);

/*
 * Sleepable context; in_expiry_thread != 0 when called from the thread that runs recovery callbacks
 * (including from inside a callback). Returns 0, or -ENOENT for a stale or removed handle.
 * After it returns, the recovery callback is not running and will not run again.
 */
int mxrt_wdcore_remove(struct mxrt_wdcore *core, mxrt_s64 wd, int in_expiry_thread);

/* Sleepable context. Removes every watchdog whose owner is @owner; returns how many. */
mxrt_u32 mxrt_wdcore_remove_owner(struct mxrt_wdcore *core, const void *owner, int in_expiry_thread);

/*
 * Any context, lock-free, allocation-free. The caller must be inside an RCU read-side critical
 * section (rcu_read_lock(), or any region with preemption disabled, which RCU treats as one):
 * remove() relies on it to know when a slot can be reused.
 * now_ns: a CLOCK_MONOTONIC time at or before the call (the deadline is now_ns + timeout); above
 *        2^62 it is no clock reading: -EINVAL (after the handle checks).
 * start: MXRT_WD_WAS_IDLE = armed now, 0 = already armed (deadline unchanged); with
 *        MXRT_WD_REPROGRAM or-ed in when the timer must be re-armed at mxrt_wdcore_earliest();
 *        -ENOENT stale handle, -EINVAL malformed handle.
 * kick:  a fresh deadline now + timeout whether idle, armed or expired: MXRT_WD_WAS_IDLE if it was
 *        idle, 0 if not, MXRT_WD_REPROGRAM or-ed in as for start (the two are independent: a
 *        kick during an expiry pass re-arms the timer for a watchdog that was armed).
 * cancel: 1 = was armed or expired (now idle), 0 = was idle; -ENOENT, -EINVAL.
 * set_timeout: the timeout of the next start, kick and repeat (a deadline already armed stays);
 *        0, -EINVAL (outside MXRT_WD_MIN/MAX_TIMEOUT_MS, or not a handle), -ENOENT.
 */
int mxrt_wdcore_start(struct mxrt_wdcore *core, mxrt_s64 wd, mxrt_u64 now_ns);
int mxrt_wdcore_kick(struct mxrt_wdcore *core, mxrt_s64 wd, mxrt_u64 now_ns);
int mxrt_wdcore_cancel(struct mxrt_wdcore *core, mxrt_s64 wd);
int mxrt_wdcore_set_timeout(struct mxrt_wdcore *core, mxrt_s64 wd, mxrt_u32 timeout_ms);

/* Earliest armed deadline known to the timer, or MXRT_WD_NEVER. Any context. */
mxrt_u64 mxrt_wdcore_earliest(struct mxrt_wdcore *core);

/*
 * Runs every recovery that is due, in the calling (sleepable) thread, and returns the next deadline
 * (MXRT_WD_NEVER if none). @now is called again after each callback, since callbacks may sleep.
 * Serialised internally: one pass at a time.
 */
mxrt_u64 mxrt_wdcore_expire(struct mxrt_wdcore *core, mxrt_u64 (*now)(void));

/* Snapshot of slot @index (0 .. capacity-1): 1 if it holds a watchdog, 0 if free, -MXRT_ENOENT past
 * the capacity (the table grew no further). Sleepable. */
int mxrt_wdcore_info(struct mxrt_wdcore *core, mxrt_u32 index, struct mxrt_wd_info *out);
void mxrt_wdcore_stats(struct mxrt_wdcore *core, struct mxrt_wd_stats *out);
/* Tests only: the generation after which a slot is retired (2^30 - 1; lower to reach it quickly). */
void mxrt_wdcore_test_last_gen(struct mxrt_wdcore *core, mxrt_u32 gen);

MXRT_EXTERN_C_END

#endif /* MXRT_WATCHDOG_CORE_H */
