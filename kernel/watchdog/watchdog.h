/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel. The public API of mxrt_watchdog.ko for other drivers (C).
 *
 * Guards an operation with a timeout: add() a watchdog once, start() it before the operation and
 * cancel() it after. If the operation has not finished by the deadline, the recovery function runs
 * in the "mxrt_wd" kernel thread (SCHED_FIFO 50, sleepable process context) and repeats every
 * timeout until cancel().
 *
 *	static void my_recover(void *data, const struct mxrt_wd_expiry *e)
 *	{
 *		struct my_dev *d = data;
 *		dev_warn(d->dev, "transfer stuck for %llu ms, resetting\n", ...);
 *		my_reset(d);		// may sleep
 *	}
 *
 *	d->wd = mxrt_wd_add(500, my_recover, d, "my_dev i2c");	// probe
 *	if (d->wd < 0)
 *		return d->wd;
 *	mxrt_wd_start(d->wd);		// any context
 *	... the guarded operation ...
 *	mxrt_wd_cancel(d->wd);		// any context
 *	mxrt_wd_remove(d->wd);		// remove, sleepable
 *
 * A caller that holds a fresh CLOCK_MONOTONIC time anyway (an interrupt's timestamp, a time it
 * read for its own use) passes it and saves the clock read: mxrt_wd_start_at(d->wd, irq_ts).
 */
#ifndef MXRT_WATCHDOG_H
#define MXRT_WATCHDOG_H

#include <linux/module.h>
#include <linux/types.h>

#include <watchdog/watchdog_core.h>

/* A watchdog handle: > 0 when valid. Handles are checked: a removed or stale one gets -ENOENT. */
typedef s64 mxrt_wd_t;

/*
 * Registers a watchdog. Sleepable context. Allocates (GFP_KERNEL) only when the table grows.
 * @timeout_ms: MXRT_WD_MIN_TIMEOUT_MS (1) .. MXRT_WD_MAX_TIMEOUT_MS (24 h); also the repeat interval.
 * @fn: recovery, called in the mxrt_wd thread; may sleep; may call any mxrt_wd_* function,
 *      including mxrt_wd_remove() on its own watchdog.
 * Returns a handle > 0, or -EINVAL (bad timeout or no fn, with a message in the kernel log),
 * -ENOSPC (65536 watchdogs), -ENOMEM. Watchdogs still registered when @owner is unloaded are
 * removed, with a warning.
 */
mxrt_wd_t __mxrt_wd_add(struct module *owner, u32 timeout_ms, mxrt_wd_recovery_fn fn, void *data,
			const char *name);
#define mxrt_wd_add(timeout_ms, fn, data, name) \
	__mxrt_wd_add(THIS_MODULE, timeout_ms, fn, data, name)

/*
 * Unregisters. Sleepable context: waits for the expiry pass in progress, which may be running
 * other watchdogs' recoveries too (so never call it holding a lock any recovery takes); never for
 * an RCU grace period (the slot is reused only after one has passed on its own). After it
 * returns the recovery function is not running and never runs again: a concurrent second
 * remove() of the same handle gets -ENOENT, after the running recovery too (so a recovery must
 * never wait for a thread that removes its watchdog). Returns 0 or -ENOENT.
 */
int mxrt_wd_remove(mxrt_wd_t wd);

/*
 * Arms the watchdog: due at now + timeout. Start-once: starting an armed watchdog does not move its
 * deadline (use mxrt_wd_kick() for that). Any context (hard IRQ included); lock-free; no allocation.
 * Returns 1 if it armed now, 0 if it was already armed, -ENOENT (stale handle), -EINVAL (not a handle).
 */
int mxrt_wd_start(mxrt_wd_t wd);

/*
 * mxrt_wd_start() with the caller's clock reading: due at @now_ns + timeout, where @now_ns is a
 * ktime_get_ns() value the caller read at or before this call (an IRQ timestamp, say): an older
 * time only makes the deadline earlier. Saves the clock read, the larger part of a start. Same
 * contexts and returns as mxrt_wd_start(), and -EINVAL for a @now_ns above 2^62 (no clock reading).
 */
int mxrt_wd_start_at(mxrt_wd_t wd, u64 now_ns);

/*
 * Disarms; a pending or repeating recovery stops. Any context; lock-free; no allocation.
 * Returns 1 if it was armed (or expired), 0 if it was idle, -ENOENT, -EINVAL.
 * A recovery callback already running is not waited for (use mxrt_wd_remove() for that).
 */
int mxrt_wd_cancel(mxrt_wd_t wd);

/*
 * Feeds the dog: arms the watchdog with a fresh deadline now + timeout whether it was idle, armed or
 * expired. Any context; lock-free. Returns 1 if it was idle, 0 if it was armed/expired, -ENOENT, -EINVAL.
 */
int mxrt_wd_kick(mxrt_wd_t wd);
/* mxrt_wd_kick() due at @now_ns + timeout (see mxrt_wd_start_at() for @now_ns). */
int mxrt_wd_kick_at(mxrt_wd_t wd, u64 now_ns);

/*
 * A new timeout (MXRT_WD_MIN_TIMEOUT_MS .. MXRT_WD_MAX_TIMEOUT_MS) for the next start, kick and
 * repeat; a deadline already armed stays where it is (kick to move it). Any context; lock-free.
 * Returns 0, -EINVAL (timeout out of range, or not a handle), -ENOENT.
 */
int mxrt_wd_set_timeout(mxrt_wd_t wd, u32 timeout_ms);

#endif /* MXRT_WATCHDOG_H */
