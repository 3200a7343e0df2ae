/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (implemented by kernel/lib/platform/platform.c) and user space (implemented by
 * tests/kernel/lib/platform/platform_fake.cpp over pthreads and malloc).
 *
 * The platform seam: the only kernel facilities the C++ core may use. Only scalars and opaque
 * pointers cross it; the C++ side never sees a kernel structure. Contracts are given per function:
 * "any context" means hard IRQ, softirq and process context, with or without spinlocks held.
 */
#ifndef MXRT_PLATFORM_SHIM_H
#define MXRT_PLATFORM_SHIM_H

#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

/* Allocation context, mapped to GFP_KERNEL / GFP_ATOMIC by the shim. */
enum mxrt_gfp {
	MXRT_GFP_KERNEL = 0, /* may sleep */
	MXRT_GFP_ATOMIC = 1, /* any context, may fail */
};

/* Zeroed memory, or NULL. GFP_KERNEL: sleepable context only. Node -1: any NUMA node. */
void *mxrt_shim_zalloc(mxrt_size size, enum mxrt_gfp gfp, int node) MXRT_NOEXCEPT;
/* Frees memory from mxrt_shim_zalloc (NULL is fine). Sleepable context. */
void mxrt_shim_free(void *p) MXRT_NOEXCEPT;

/* CLOCK_MONOTONIC in ns (ktime_get_ns). Any context. */
mxrt_u64 mxrt_shim_now_ns(void) MXRT_NOEXCEPT;

/* RCU read side (rcu_read_lock): any context, never sleeps, nests. */
void mxrt_shim_rcu_read_lock(void) MXRT_NOEXCEPT;
void mxrt_shim_rcu_read_unlock(void) MXRT_NOEXCEPT;
/* Waits for every RCU reader that started before the call (synchronize_rcu). Sleepable only. */
void mxrt_shim_synchronize_rcu(void) MXRT_NOEXCEPT;
/*
 * Polled grace periods (start_poll_synchronize_rcu, poll_state_synchronize_rcu,
 * cond_synchronize_rcu): gp_start returns a cookie for a grace period it makes sure will happen;
 * gp_done tells (any context, never sleeps) whether every reader that existed at gp_start has
 * finished; gp_wait sleeps until then (sleepable only; returns at once if already done).
 */
mxrt_u64 mxrt_shim_rcu_gp_start(void) MXRT_NOEXCEPT;
/*
 * get_state_synchronize_rcu: a cookie like gp_start's, but it starts nothing, so any context may
 * take it (also with interrupts disabled, where gp_start may not run): gp_done/gp_wait then tell
 * whether a full grace period has passed since.
 */
mxrt_u64 mxrt_shim_rcu_gp_snapshot(void) MXRT_NOEXCEPT;
int mxrt_shim_rcu_gp_done(mxrt_u64 cookie) MXRT_NOEXCEPT;
void mxrt_shim_rcu_gp_wait(mxrt_u64 cookie) MXRT_NOEXCEPT;

/*
 * Sleeping mutex (struct mutex; an rt_mutex underneath on PREEMPT_RT). Opaque storage of
 * MXRT_MUTEX_SIZE bytes, checked against sizeof(struct mutex) by the shim at build time.
 * @key: static storage of MXRT_LOCK_CLASS_KEY_SIZE bytes, one per init site (see Mutex in
 * platform.hpp), so lockdep gives every lock its own class.
 */
/* 64 bytes in a production kernel; lockdep adds a lockdep_map to the mutex and to its rt_mutex base
 * (the debug kernel flavour, scripts/build-debug-kernel.sh) */
#define MXRT_MUTEX_SIZE 192
#define MXRT_LOCK_CLASS_KEY_SIZE 128
struct mxrt_shim_mutex {
	unsigned char __attribute__((aligned(8))) opaque[MXRT_MUTEX_SIZE];
};
struct mxrt_shim_lock_class_key {
	unsigned char __attribute__((aligned(8))) opaque[MXRT_LOCK_CLASS_KEY_SIZE];
};
void mxrt_shim_mutex_init(struct mxrt_shim_mutex *m, const char *name,
			  struct mxrt_shim_lock_class_key *key) MXRT_NOEXCEPT;
void mxrt_shim_mutex_lock(struct mxrt_shim_mutex *m) MXRT_NOEXCEPT;
void mxrt_shim_mutex_unlock(struct mxrt_shim_mutex *m) MXRT_NOEXCEPT;
/* lockdep_assert_held (no-op when lockdep is off). */
void mxrt_shim_mutex_assert_held(struct mxrt_shim_mutex *m) MXRT_NOEXCEPT;
void mxrt_shim_mutex_destroy(struct mxrt_shim_mutex *m) MXRT_NOEXCEPT;

/*
 * Raw spinlock taken with interrupts disabled (raw_spinlock_t, raw_spin_lock_irqsave): any context,
 * never sleeps, also on PREEMPT_RT; for data that tracepoint probes change with preemption
 * disabled. Opaque storage of MXRT_SPINLOCK_SIZE bytes, checked against sizeof(raw_spinlock_t) by
 * the shim at build time; @key as for the mutex (one lockdep class per init site). Lock returns
 * the interrupt flags that unlock restores.
 */
#define MXRT_SPINLOCK_SIZE 128 /* with lockdep and DEBUG_SPINLOCK: about 80 */
struct mxrt_shim_spinlock {
	unsigned char __attribute__((aligned(8))) opaque[MXRT_SPINLOCK_SIZE];
};
void mxrt_shim_spin_init(struct mxrt_shim_spinlock *l, const char *name,
			 struct mxrt_shim_lock_class_key *key) MXRT_NOEXCEPT;
unsigned long mxrt_shim_spin_lock_irqsave(struct mxrt_shim_spinlock *l) MXRT_NOEXCEPT;
void mxrt_shim_spin_unlock_irqrestore(struct mxrt_shim_spinlock *l, unsigned long flags) MXRT_NOEXCEPT;
/* lockdep_assert_held (no-op when lockdep is off). */
void mxrt_shim_spin_assert_held(struct mxrt_shim_spinlock *l) MXRT_NOEXCEPT;

/*
 * A broken contract of the C++ core (kstd::ContractFailed, e.g. the value of a failed Result): the
 * kernel WARNs with the stack; the user-space fake aborts the test. Any context.
 */
void mxrt_contract_failed(const char *what) MXRT_NOEXCEPT;

/* might_sleep(): documents and (with CONFIG_DEBUG_ATOMIC_SLEEP) checks a sleepable caller. */
void mxrt_shim_might_sleep(void) MXRT_NOEXCEPT;

/* printk at a level; prefixed with the module name by the shim. Any context. */
enum mxrt_log_level { MXRT_LOG_ERR = 3, MXRT_LOG_WARN = 4, MXRT_LOG_INFO = 6, MXRT_LOG_DEBUG = 7 };
void mxrt_shim_log(enum mxrt_log_level level, const char *fmt, ...) MXRT_NOEXCEPT
	__attribute__((format(printf, 2, 3)));

/* scnprintf: formats into buf[size] (always terminated when size > 0) and returns the number of
 * characters written, not counting the NUL. Any context. %llu for mxrt_u64. */
int mxrt_shim_scnprintf(char *buf, mxrt_size size, const char *fmt, ...) MXRT_NOEXCEPT
	__attribute__((format(printf, 3, 4)));

MXRT_EXTERN_C_END

#endif /* MXRT_PLATFORM_SHIM_H */
