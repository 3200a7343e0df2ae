// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel. Linked into every module that contains C++ core code.
 *
 * The kernel implementation of the platform seam (kernel/lib/platform/shim.h): one-line forwarders
 * to kernel facilities, plus build-time checks that the opaque sizes and errno values the C++ side
 * relies on match this kernel.
 */
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <lib/platform/shim.h>

static inline gfp_t mxrt_gfp(enum mxrt_gfp gfp)
{
	return gfp == MXRT_GFP_ATOMIC ? GFP_ATOMIC : GFP_KERNEL;
}

void *mxrt_shim_zalloc(mxrt_size size, enum mxrt_gfp gfp, int node)
{
	return kvzalloc_node(size, mxrt_gfp(gfp), node);
}

void mxrt_shim_free(void *p)
{
	kvfree(p);
}

mxrt_u64 mxrt_shim_now_ns(void)
{
	return ktime_get_ns();
}

void mxrt_shim_rcu_read_lock(void)
{
	rcu_read_lock();
}

void mxrt_shim_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void mxrt_shim_synchronize_rcu(void)
{
	synchronize_rcu();
}

mxrt_u64 mxrt_shim_rcu_gp_start(void)
{
	return start_poll_synchronize_rcu();
}

mxrt_u64 mxrt_shim_rcu_gp_snapshot(void)
{
	return get_state_synchronize_rcu();
}

int mxrt_shim_rcu_gp_done(mxrt_u64 cookie)
{
	return poll_state_synchronize_rcu((unsigned long)cookie);
}

void mxrt_shim_rcu_gp_wait(mxrt_u64 cookie)
{
	cond_synchronize_rcu((unsigned long)cookie);
}

static inline struct mutex *mxrt_mutex(struct mxrt_shim_mutex *m)
{
	return (struct mutex *)m->opaque;
}

void mxrt_shim_mutex_init(struct mxrt_shim_mutex *m, const char *name,
			  struct mxrt_shim_lock_class_key *key)
{
	BUILD_BUG_ON(sizeof(struct mutex) > sizeof(m->opaque));
	BUILD_BUG_ON(__alignof__(struct mutex) > 8);
	BUILD_BUG_ON(sizeof(struct lock_class_key) > sizeof(key->opaque));
	/* The key is static storage of the C++ init site (MXRT_MUTEX_INIT): one lockdep class each. */
	__mutex_init(mxrt_mutex(m), name, (struct lock_class_key *)key->opaque);
}

void mxrt_shim_mutex_lock(struct mxrt_shim_mutex *m)
{
	mutex_lock(mxrt_mutex(m));
}

void mxrt_shim_mutex_unlock(struct mxrt_shim_mutex *m)
{
	mutex_unlock(mxrt_mutex(m));
}

void mxrt_shim_mutex_assert_held(struct mxrt_shim_mutex *m)
{
	lockdep_assert_held(mxrt_mutex(m));
}

void mxrt_shim_mutex_destroy(struct mxrt_shim_mutex *m)
{
	mutex_destroy(mxrt_mutex(m));
}

static inline raw_spinlock_t *mxrt_spinlock(struct mxrt_shim_spinlock *l)
{
	return (raw_spinlock_t *)l->opaque;
}

void mxrt_shim_spin_init(struct mxrt_shim_spinlock *l, const char *name,
			 struct mxrt_shim_lock_class_key *key)
{
	BUILD_BUG_ON(sizeof(raw_spinlock_t) > sizeof(l->opaque));
	BUILD_BUG_ON(__alignof__(raw_spinlock_t) > 8);
	raw_spin_lock_init(mxrt_spinlock(l));
	/* The key is static storage of the C++ init site (MXRT_SPINLOCK_INIT): one lockdep class each. */
	lockdep_set_class_and_name(mxrt_spinlock(l), (struct lock_class_key *)key->opaque, name);
}

unsigned long mxrt_shim_spin_lock_irqsave(struct mxrt_shim_spinlock *l)
{
	unsigned long flags;

	raw_spin_lock_irqsave(mxrt_spinlock(l), flags);
	return flags;
}

void mxrt_shim_spin_unlock_irqrestore(struct mxrt_shim_spinlock *l, unsigned long flags)
{
	raw_spin_unlock_irqrestore(mxrt_spinlock(l), flags);
}

void mxrt_shim_spin_assert_held(struct mxrt_shim_spinlock *l)
{
	lockdep_assert_held(mxrt_spinlock(l));
}

void mxrt_shim_might_sleep(void)
{
	might_sleep();
}

void mxrt_shim_log(enum mxrt_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	/* this object is linked into several modules: name the one it runs in */
	printk("%c%c%s: %pV", KERN_SOH_ASCII, '0' + level, module_name(THIS_MODULE), &vaf);
	va_end(args);
}

int mxrt_shim_scnprintf(char *buf, mxrt_size size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

/* A broken C++ contract (kstd::ContractFailed): a WARN with the stack that broke it. */
void mxrt_contract_failed(const char *what)
{
	WARN(1, "%s: contract failed: %s\n", module_name(THIS_MODULE), what);
}

/* The C++ side spells errno values as MXRT_E*; they must be the kernel's. */
static_assert(MXRT_EPERM == EPERM && MXRT_ENOENT == ENOENT && MXRT_ESRCH == ESRCH && MXRT_EINTR == EINTR);
static_assert(MXRT_EIO == EIO && MXRT_ENXIO == ENXIO && MXRT_EAGAIN == EAGAIN && MXRT_ENOMEM == ENOMEM);
static_assert(MXRT_EBUSY == EBUSY && MXRT_EEXIST == EEXIST && MXRT_ENODEV == ENODEV);
static_assert(MXRT_EINVAL == EINVAL && MXRT_ENOSPC == ENOSPC && MXRT_ERANGE == ERANGE);
static_assert(MXRT_ETIMEDOUT == ETIMEDOUT && MXRT_EALREADY == EALREADY && MXRT_ENODATA == ENODATA);
static_assert(MXRT_E2BIG == E2BIG && MXRT_EBADF == EBADF && MXRT_EFAULT == EFAULT && MXRT_ENOTTY == ENOTTY);
