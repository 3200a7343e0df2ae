// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel, module mxrt_max30102. The MAX30102 acquisition driver's kernel side: I2C
 * (regmap), the threaded interrupt, the polling thread, two watchdogs of mxrt_watchdog.ko (a stuck
 * I2C sequence, a lost interrupt), the RCU-protected sample ring behind /dev/max30102-N, sysfs,
 * hwmon, debugfs and runtime PM. Plumbing only: every decision (configuration rules and register
 * writes, the FIFO's full/empty state, timestamps, overflow accounting, the stuck- and
 * lost-interrupt detectors, the stuck bus's recovery, the priority boost, the chip's power state
 * after a failed write, the ring itself) is the C++ core's: kernel/max30102/acq.cpp and
 * kernel/max30102/ring.cpp, where the unit tests reach it.
 *
 * Locking (outermost first):
 *   sh->pm_lock (mutex): the runtime-PM references of this binding's open files (pm_refs) and
 *     sh->refs_gone, so that an unbind gives every file's reference back exactly once.
 *   sh->md_srcu (SRCU, not a lock: its read side never blocks): the device behind the open files
 *     (sh->md). An ioctl runs inside its read side; unbind clears sh->md and waits for the ioctls
 *     that run (synchronize_srcu; each waits for md->lock at most its file's lock timeout), so no
 *     ioctl touches a device that is going away, later ones get -ENODEV, and no ioctl ever waits
 *     behind an unbind.
 *   mf->lock (mutex, per open file): the file's reader state and bounce buffer; one read() of a
 *     file at a time (threads sharing a file would otherwise get records twice); flush and the
 *     file's counters. Never held together with md->lock.
 *   md->test_sem (semaphore, no priority inheritance): only with the test_hooks module parameter,
 *     the VM tests' control for priority inheritance (mx_test_hold_write); ioctl callers take it
 *     before md->lock.
 *   md->lock (rt_mutex, priority inheritance): the configuration, the core's acquisition state
 *     and every I2C sequence that must not interleave (status + pointers + FIFO burst; temperature
 *     start/read; configuration writes). The acquisition path is the ring's only producer because
 *     it holds md->lock. Each I2C sequence under it is guarded by the bus watchdog (below).
 *     ioctl callers wait for it at most their file's lock timeout, with
 *     priority inheritance while they wait (mx_lock_until; docs/max30102.md, "Waiting for the
 *     device lock").
 *   Inside md->lock, regmap/i2c_transfer take the I2C adapter's bus lock (the root adapter's
 *     rt_mutex), and an adapter its own locks (the simulator: its raw spinlock).
 *   mxrt_watchdog's locks: start/kick/cancel/set_timeout are lock-free and may be called under any
 *     of the above; add/remove take the library's table and expiry mutexes and are called with no
 *     driver lock held (probe, and devm at unbind). The library runs recovery functions in its
 *     mxrt_wd thread under its expiry mutex.
 *   RCU: the ring's lifetime. read()/poll() look at the ring inside rcu_read_lock() and never
 *     sleep there: a read copies a batch into the file's bounce buffer, leaves the read side and
 *     only then copies to user space (where it may fault and sleep). resize and unbind publish a
 *     new ring (or NULL) and free the old one after synchronize_rcu(). sh outlives the device
 *     while files are open (kref).
 *     Why a bounce buffer and plain RCU, not a copy straight from the ring under SRCU: the bounce
 *     buffer is where the ring's seqlock check drops records the producer overwrote during the
 *     copy and where the first record gets its overrun flag, before user space sees anything, and
 *     it lets a read that fails in the copy to user space consume nothing. What the extra copy costs
 *     (bench/kmod/ring_bench.c, 64-record reads into user memory, guests under TCG): x86_64 PREEMPT_RT
 *     66 ns per record against 58 ns for the lower bound of a direct copy under SRCU (no fix-ups at
 *     all), arm64 23 against 15: at most 8 ns per record, 26 us of CPU per second per reader at
 *     3200 samples/s. The read side: rcu_read_lock+unlock 22 ns (arm64: 1.5) against 34 (44) for
 *     SRCU's, and no per-CPU srcu_struct per device.
 *
 * The two recovery functions (mx_bus_recover, mx_irq_lost) run in the mxrt_wd thread while, for a
 * stuck bus, a sequence holds md->lock and the adapter's bus lock: they take NEITHER (nor sh->*,
 * mf->lock), do no I2C through regmap and never wait for this driver; they touch atomics, the
 * adapter's bus recovery (which must not need the bus lock: the simulator's does not) and
 * md->thread_wq's wait-queue lock (mx_kick_thread). So the holder of md->lock can always be freed:
 * the recovery ends its transfer, the transfer fails, the holder releases md->lock. Were a
 * recovery to wait for md->lock, it would wait for the very sequence it is there to end, and it
 * would hold up every other watchdog's recovery in the shared thread meanwhile.
 *
 * The bus watchdog (md->bus_wd, bus_timeout_ms): armed before each I2C sequence under md->lock
 * (mx_guard_at: on the interrupt path with the hard IRQ's timestamp, so no clock read) and cancelled
 * after it. Guards do not nest: the sequences are guarded at their top (an acquisition, a
 * reconfiguration, a suspend, a resume, a temperature step, probe's configuration), never inside
 * mx_read_fifo_locked/mx_stop_locked/mx_apply_locked. On expiry its recovery runs the root
 * adapter's bus recovery where it has one (i2c_recover_bus: it ends a hung transfer), counts, and
 * wakes the thread; the next acquisition re-initialises the chip (the configuration written
 * again after the FIFO was read out: RESTART, and FIFO_OVERFLOW with lost for what the stall cost).
 * Without a bus recovery the adapter's own timeout ends the transfer (1 s on most controllers).
 *
 * The lost-interrupt watchdog (md->irq_wd, with an IRQ only): kicked with the pointers' read time
 * by every acquisition that read them; its timeout is the lost-interrupt window, which follows the
 * configuration (mxrt_wd_set_timeout). Its recovery wakes the thread, which reads the FIFO if
 * nothing was acquired for the window. Cancelled while the chip is shut down.
 *
 * Record flow: INT -> hard handler (timestamp) -> IRQ thread: status, pointers, one burst read of
 * the whole FIFO (FIFO_DATA does not auto-increment, so regmap_noinc_read) -> records -> ring ->
 * wake readers -> the heart-rate/SpO2 estimator (kernel/max30102/vitals.h), inline, whose changes
 * go to the latest-vitals snapshot and the input device. Inline because it costs the IRQ thread
 * about a tenth of its CPU time per burst at 400 Hz, less than handing the burst to a thread of
 * its own would on PREEMPT_RT (measured: docs/max30102.md, "Heart rate and SpO2"). Without an IRQ
 * the poll thread does the same on a timer; with one, the same thread sleeps until the
 * lost-interrupt watchdog, a stuck bus's recovery or a change wakes it (the core says what to
 * do then: mxrt_irq_health_thread).
 *
 * Nothing is discarded on a restart: before the chip is reconfigured or shut down, sampling stops
 * and whatever the FIFO still holds is read out (mx_stop_locked). A failed write to the chip never
 * sticks: the chip is STALE and the configuration is written again from the acquisition path; a
 * failed runtime suspend is retried by the PM core. A chip that lost power (PWR_RDY in a status an
 * acquisition read, or MODE_CONFIG not as configured when the lost-interrupt watchdog's look found
 * an empty FIFO: mxrt_acq_status_seen, mxrt_acq_mode_seen) is made STALE by the core and configured
 * again at once (mx_reset_found_locked); what its FIFO held is gone with the power.
 *
 * Unbind, in this order (devm): no more opens (misc), hwmon (its reads over), the files' runtime-PM
 * references given back and the chip shut down (mx_unbind_readers), runtime PM off, the chip shut
 * down if the PM core could not (mx_shutdown_unbound: power/control=on), and only then, with the
 * FIFO's last samples in the ring, readers told the stream has ended (sh->dead), the thread, the
 * watchdogs (after everything that may run an I2C sequence, so a stuck one is still recovered;
 * mxrt_wd_remove waits for a recovery that is running), then the device's reference to the ring
 * and its readers (mx_teardown_shared; the ring goes with the last open file).
 */
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/freezer.h>
#include <linux/fs.h>
#include <linux/gpio/consumer.h>
#include <linux/hrtimer.h>
#include <linux/hwmon.h>
#include <linux/i2c.h>
#include <linux/idr.h>
#include <linux/input.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mod_devicetable.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/pm_runtime.h>
#include <linux/poll.h>
#include <linux/property.h>
#include <linux/rcupdate.h>
#include <linux/regmap.h>
#include <linux/regulator/consumer.h>
#include <linux/rtmutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <uapi/linux/sched/types.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <lib/platform/compat.h>
#include <lib/platform/param.h>
#include <lib/hist/log2_hist.h>
#include <watchdog/watchdog.h>
#include <max30102/acq.h>
#include <max30102/ioc.h>
#include <max30102/regs.h>
#include <max30102/ring.h>
#include <max30102/vitals.h>
#include <mxrt/max30102.h>

#define MX_DRIVER_VERSION "1.0.0" /* MXRT_MAX30102_IOC_GET_INFO, modinfo */

static_assert(sizeof(struct mxrt_max30102_record) == MXRT_MAX30102_RECORD_SIZE);
static_assert(MXRT_MAX30102_ABS_HEART_RATE == ABS_MISC && MXRT_MAX30102_ABS_SPO2 == ABS_MISC + 1 &&
	      MXRT_MAX30102_ABS_CONFIDENCE == ABS_MISC + 2);

/*
 * Module parameters. The writable ones are checked by the core (a threshold below 2 would never
 * lower a boosted thread again, a priority outside 1..99 is no SCHED_FIFO priority): anything
 * else, and anything that is not a decimal number, fails with -EINVAL and changes nothing. They
 * are read by the acquisition threads without a lock: WRITE_ONCE here, READ_ONCE there.
 */
static unsigned int boost_threshold = 28;
static unsigned int boost_prio = 80;

/*
 * A number from user space: decimal digits only (kstrtou32 also takes a leading '+'), and a sysfs
 * write is refused whole if it holds a NUL: the parsers stop at the first one, so "400\0junk" was
 * taken as 400 while the writer was told every byte was. A module parameter's text comes without
 * its length (param_attr_store), cut at the first NUL: "20\0junk" written there is "20" here.
 */
static bool mx_text_ok(const char *buf, size_t len)
{
	return !memchr(buf, '\0', len);
}

static int mx_parse_u32(const char *buf, size_t len, u32 *v)
{
	if (!mx_text_ok(buf, len) || buf[0] == '+' || kstrtou32(buf, 10, v))
		return -EINVAL;
	return 0;
}

static int mx_param_set(const char *val, const struct kernel_param *kp, int (*check)(u32))
{
	u32 v;

	if (mx_parse_u32(val, strlen(val), &v) || check(v))
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int mx_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*(unsigned int *)kp->arg));
}

static int mx_threshold_set(const char *val, const struct kernel_param *kp)
{
	return mx_param_set(val, kp, mxrt_boost_check_threshold);
}

static int mx_prio_set(const char *val, const struct kernel_param *kp)
{
	return mx_param_set(val, kp, mxrt_boost_check_prio);
}

static const struct kernel_param_ops mx_threshold_ops = { .set = mx_threshold_set, .get = mx_param_get };
static const struct kernel_param_ops mx_prio_ops = { .set = mx_prio_set, .get = mx_param_get };
module_param_cb(boost_threshold, &mx_threshold_ops, &boost_threshold, 0644);
MODULE_PARM_DESC(boost_threshold, "FIFO backlog (samples) above which the acquisition thread's priority is raised, 2..32 (32: never; default 28)");
module_param_cb(boost_prio, &mx_prio_ops, &boost_prio, 0644);
MODULE_PARM_DESC(boost_prio, "SCHED_FIFO priority while boosted, 51..99, above the threads' own 50 (default 80)");
static unsigned int autosuspend_ms = 1000;

static int mx_autosuspend_set(const char *val, const struct kernel_param *kp)
{
	return mx_param_set(val, kp, mxrt_pm_check_autosuspend);
}

static const struct kernel_param_ops mx_autosuspend_ops = { .set = mx_autosuspend_set, .get = mx_param_get };
module_param_cb(autosuspend_ms, &mx_autosuspend_ops, &autosuspend_ms, 0444);
MODULE_PARM_DESC(autosuspend_ms, "Runtime-PM autosuspend delay after the last reader closes, 0..3600000 (default 1000)");
/* Read-only: fixed for the module's lifetime, so every path sees the same value. */
static bool test_hooks;

/* Exactly 0, 1, n, y, N or Y, or nothing (on): kernel/lib/platform/param.h */
static const struct kernel_param_ops mx_test_hooks_ops = MXRT_PARAM_STRICT_BOOL_OPS;
module_param_cb(test_hooks, &mx_test_hooks_ops, &test_hooks, 0444);
MODULE_PARM_DESC(test_hooks, "Tests only: debugfs test_hold holds the device lock on request (default off)");

static unsigned int bus_timeout_ms = MXRT_BUS_TIMEOUT_MS_DEFAULT;

static int mx_bus_timeout_set(const char *val, const struct kernel_param *kp)
{
	return mx_param_set(val, kp, mxrt_bus_check_timeout);
}

static const struct kernel_param_ops mx_bus_timeout_ops = { .set = mx_bus_timeout_set, .get = mx_param_get };
module_param_cb(bus_timeout_ms, &mx_bus_timeout_ops, &bus_timeout_ms, 0444);
MODULE_PARM_DESC(bus_timeout_ms, "An I2C sequence that takes longer is a stuck bus: recovered and counted, 50..60000 (default 200)");

#define MX_READ_BATCH 64 /* records per read() round */
#define MX_LOOKS 3 /* reads of the pointers, at most, before a burst and after it (mxrt_acq_rolled) */

static DEFINE_IDA(mx_ida);
static struct dentry *mx_dbg_root;

/* What read()ers share with the device; lives until the last file is closed. */
struct mx_shared {
	struct kref ref;
	struct mxrt_ring __rcu *ring;
	wait_queue_head_t wq;
	struct mutex pm_lock;
	unsigned int pm_refs; /* runtime-PM references held by open files (pm_lock) */
	bool refs_gone;       /* unbind gave pm_refs back (pm_lock) */
	/*
	 * No record comes any more (unbound, the chip's last samples in the ring): reads return what
	 * the ring still holds for them, then -ENODEV (the ring stays until the last file closes).
	 * Written with WRITE_ONCE, then a wake-up (again by mx_teardown_shared), read with READ_ONCE.
	 */
	bool dead;
	struct mxrt_log2_hist lat; /* IRQ -> reader (kernel/lib/hist/log2_hist.h) */
	atomic_t readers;
	atomic64_t overruns, overrun_lost;
	struct srcu_struct md_srcu;
	struct mx_dev __rcu *md; /* md_srcu; NULL once unbound */
};

/* Counters bumped from several contexts (IRQ thread, poll thread, sysfs, hwmon, PM): atomics. */
struct mx_stats {
	atomic64_t i2c_errors, resizes, temp_reads, ring_syncs, ring_last_sync_ns, sys_suspends,
		sys_resumes;
};

/* What an acquisition thread last did about acq_cpus (mx_apply_cpus): only that thread touches it */
struct mx_cpus_applied {
	int gen;      /* the acq_cpus_gen it applied */
	bool latched; /* that move was refused or narrowed: not tried again until the next gen */
};

struct mx_dev {
	struct i2c_client *client;
	struct device *dev;
	struct regmap *map;
	struct rt_mutex lock;
	/* md->lock's waiters that are not acquisition threads (mx_lock, mx_lock_until), how many
	 * of them got it, and where an acquisition thread waits for one to (mx_lock_at) */
	atomic_t lock_waiters, lock_grants;
	wait_queue_head_t lock_wq;
	struct rt_mutex acq_lock; /* one acquisition thread at a time queues for md->lock (mx_lock_at) */
	atomic64_t lock_yields, lock_yield_timeouts; /* mx_lock_at let a waiter in / waited in vain */
	atomic64_t temp_voided; /* conversions a chip reset ended: their 0 °C was no reading */
	struct mxrt_max30102_config cfg; /* what the user asked for (md->lock); applied on resume */
	/*
	 * Die temperature conversions, shared by their callers (md->lock): when the running one was
	 * started (0: none), and the last result read with when its conversion was started.
	 */
	u64 temp_started_ns, temp_result_started_ns;
	long temp_result;
	u64 temp_resets_seen; /* acq.resets_seen when the running conversion was started */
	struct mxrt_acq acq;             /* md->lock */
	struct mxrt_boost boost;         /* md->lock */
	struct mxrt_irq_health health;   /* IRQ thread + poll thread + irq_wd's recovery, see acq.h */
	struct mxrt_bus_health bus;      /* bus_wd's recovery + md->lock holders, see acq.h */
	mxrt_wd_t bus_wd;                /* guards each I2C sequence under md->lock */
	mxrt_wd_t irq_wd;                /* lost interrupts (0: no IRQ) */
	enum mxrt_pm_kind pm_kind;       /* PM callbacks only: a system suspend is under way */
	struct mx_shared *sh;
	int irq, id;
	char name[24];
	struct miscdevice misc;
	struct task_struct *thread; /* polling, or reading when the lost-interrupt watchdog says */
	wait_queue_head_t thread_wq;
	atomic_t thread_kick; /* bumped to make the thread look again now (new intervals, CPUs) */
	u64 irq_ts;           /* hard handler -> thread: WRITE_ONCE/READ_ONCE */
	/* CPUs for acquisition (sysfs acq_cpus): each acquisition thread moves itself when gen moves */
	struct cpumask acq_cpus; /* in the devm-allocated struct: no off-stack mask to free */
	atomic_t acq_cpus_gen;
	int irq_aff_err; /* what irq_set_affinity said for the hard IRQ (0: it follows too) */
	struct mx_cpus_applied irq_cpus_applied;
	atomic_t acq_cpus_errors;   /* moves of an acquisition thread the scheduler refused */
	atomic_t acq_cpus_narrowed; /* ... it narrowed to the thread's own (taskset) mask */
	int acq_cpus_err;         /* the last refusal's errno: WRITE_ONCE/READ_ONCE */
	struct mx_stats st;
	u8 *burst;
	struct mxrt_max30102_record *recs;
	struct dentry *dbg;
	struct device *hwmon;
	/*
	 * Heart rate and SpO2 (kernel/max30102/vitals.h): the estimator is fed by the acquisition
	 * path under md->lock; its latest output is published to vitals_snap (written under
	 * md->lock with preemption off, read lock-free: mx_vitals_latest).
	 */
	struct mxrt_vitals vitals;                /* md->lock */
	struct mxrt_vitals_snapshot vitals_snap; /* written under md->lock; read: mx_vitals_latest */
	bool vitals_on;        /* sysfs vitals_enable: written under md->lock, read with READ_ONCE */
	u64 vitals_fed_ns;     /* md->lock: when records last reached the estimator (0: never) */
	bool vitals_starved;   /* md->lock: withdrawn for want of records since (mx_vitals_starved_locked) */
	struct input_dev *input; /* heart rate, SpO2, confidence, finger (devm) */
	atomic64_t vitals_refused; /* records the estimator refused (none expected: counted) */
	unsigned int rev_id; /* REV_ID, read at probe */
	/* test_hooks only (mx_test_hold_write): the lock without PI, and what the last hold saw */
	struct semaphore test_sem;
	struct mutex test_hold_mutex; /* one hold at a time */
	int test_holding, test_base_prio, test_max_prio; /* WRITE_ONCE by the holder, READ_ONCE */
	u64 test_boosted_us;
	const char *test_mode;
};

/*
 * The latest heart rate, SpO2, confidence and finger state, with the timestamp and seq of the
 * record at which they were evaluated: what the acquisition path last published. Lock-free for
 * the reader (the project's seqlock: a reader retries while a publication is being copied, never
 * blocks the acquisition path); any number of readers, in process context, any lock held or
 * none (not from hard IRQ, and not from softirq: on a kernel without PREEMPT_RT a softirq can run
 * on top of the publisher's preempt_disable() section and would spin there for ever; see
 * mxrt_vitals_snapshot in kernel/max30102/vitals.h).
 * Returns false (and *out zeroed) while there is no value yet: vitals are off, the sensor is
 * suspended (nobody reads it), or nothing was measured since it resumed, vitals were switched on
 * or the device was bound. true otherwise, with the
 * validity of each value in out->flags (MXRT_VITALS_HR_VALID, _SPO2_VALID, _FINGER_VALID,
 * _FINGER, ...): after finger-off, say, the published values are "no HR, no SpO2, no finger".
 */
static bool mx_vitals_latest(struct mx_dev *md, struct mxrt_vitals_out *out)
{
	return mxrt_vitals_snapshot_read(&md->vitals_snap, out);
}

/* ---- shared state ------------------------------------------------------------------------------- */

/*
 * The lock classes, named for lockdep (/proc/lockdep, and its reports), one per lock of the
 * order above: on the debug kernel lockdep checks that order at run time, and
 * tests/vm/guest/60-debug-kernel.sh checks the edges it recorded against the documented ones.
 */
static struct lock_class_key mx_pm_lock_key, mx_dev_lock_key, mx_file_lock_key;

static void mx_shared_free(struct kref *ref)
{
	struct mx_shared *sh = container_of(ref, struct mx_shared, ref);

	cleanup_srcu_struct(&sh->md_srcu); /* the last file is closed: no ioctl runs */
	mutex_destroy(&sh->pm_lock);
	/* no file and no device left: nobody is in the ring (RCU readers are inside a file's call) */
	mxrt_ring_destroy(rcu_dereference_protected(sh->ring, true));
	kfree(sh);
}

static void mx_shared_put(struct mx_shared *sh)
{
	kref_put(&sh->ref, mx_shared_free);
}

static void mx_kick_thread(struct mx_dev *md)
{
	atomic_inc(&md->thread_kick);
	wake_up(&md->thread_wq);
}

static int mx_io(struct mx_dev *md, int err)
{
	if (err)
		atomic64_inc(&md->st.i2c_errors);
	return err;
}

/* ---- the watchdogs ---------------------------------------------------------------------------- */

/*
 * Arms the bus watchdog for one I2C sequence under md->lock, due @now + bus_timeout_ms: @now is a
 * time the caller holds (the hard IRQ's on the interrupt path: the budget then also covers the
 * IRQ thread's wake-up). Every guard is at the top of a sequence, so the start always arms.
 */
static void mx_guard_at(struct mx_dev *md, u64 now)
{
	lockdep_assert_held(&md->lock);
	WARN_ON_ONCE(mxrt_wd_start_at(md->bus_wd, now) != 1);
}

static void mx_guard(struct mx_dev *md)
{
	mx_guard_at(md, ktime_get_ns());
}

static void mx_unguard(struct mx_dev *md)
{
	lockdep_assert_held(&md->lock);
	mxrt_wd_cancel(md->bus_wd);
}

/* A counted waiter (mx_lock, mx_lock_until) got md->lock, or gave up waiting (@granted false). */
static void mx_lock_done_waiting(struct mx_dev *md, bool granted)
{
	atomic_dec(&md->lock_waiters);
	if (granted)
		atomic_inc(&md->lock_grants);
	if (wq_has_sleeper(&md->lock_wq))
		wake_up(&md->lock_wq);
}

/*
 * md->lock for anyone but the acquisition threads (sysfs, debugfs, runtime PM, configuration):
 * counted as waiting while it waits, so that an acquisition thread lets it have the lock first.
 */
static void mx_lock(struct mx_dev *md)
{
	atomic_inc(&md->lock_waiters);
	rt_mutex_lock(&md->lock);
	mx_lock_done_waiting(md, true);
}

/*
 * md->lock for an acquisition thread (the IRQ thread, the poll thread), and the time its guard
 * counts from: @ts (the hard IRQ's time, or when the poll thread woke) if the lock was free, else
 * when it was obtained, so that waiting for a sequence that was itself stuck does not count
 * against this one. mx_acq_unlock lets it go. An rt_mutex lets a
 * waiter of higher priority take it ahead of the woken top waiter, so a thread that is never done
 * (a bus too slow for the rate, each burst ending with the next A_FULL pending) would take it back
 * at once, forever, and sysfs, debugfs and runtime PM would never get it. So:
 *  - the acquisition threads queue for md->acq_lock first: only one of them ever waits for
 *    md->lock, and the other (real-time too) cannot hand it on to the first past the others;
 *  - when others wait for md->lock (mx_lock), one of them has it first, for mx_yield_ns at most
 *    (docs/max30102.md, "Letting others in").
 */
/*
 * How long an acquisition thread waits for a waiter to take md->lock: half the time the FIFO lasts
 * past its interrupt ((32 - fifo_almost_full) records), 10 ms at most, 50 us at least. A waiter
 * the CPU does not run (any user's: GET_CONFIG, GET_STATS, GET_TEMP and the hwmon read need no
 * privilege, and a SCHED_IDLE or niced thread behind a busy CPU is not run) costs each burst that
 * much, which the FIFO absorbs. It was 10 ms, which overflowed the FIFO at high rates: a review's
 * unprivileged user made root's reader lose a third of its samples at 3200 Hz.
 */
static u64 mx_yield_ns(struct mx_dev *md)
{
	u32 rate = READ_ONCE(md->cfg.sample_rate_hz);
	u32 avg = max(READ_ONCE(md->cfg.sample_average), 1u);
	u32 afull = READ_ONCE(md->cfg.fifo_almost_full);
	u64 ns;

	if (!rate || afull > 32)
		return 10 * NSEC_PER_MSEC;
	ns = div_u64((u64)(32 - afull) * avg * NSEC_PER_SEC, rate) / 2;
	return clamp_t(u64, ns, 50 * NSEC_PER_USEC, 10 * NSEC_PER_MSEC);
}

static u64 mx_lock_at(struct mx_dev *md, u64 ts)
{
	if (!rt_mutex_trylock(&md->acq_lock)) {
		rt_mutex_lock(&md->acq_lock);
		ts = 0;
	}
	if (atomic_read(&md->lock_waiters)) {
		int grants = atomic_read(&md->lock_grants);

		atomic64_inc(&md->lock_yields);
		if (wait_event_hrtimeout(md->lock_wq, atomic_read(&md->lock_grants) != grants ||
					 !atomic_read(&md->lock_waiters), ns_to_ktime(mx_yield_ns(md))))
			atomic64_inc(&md->lock_yield_timeouts);
	}
	if (ts && rt_mutex_trylock(&md->lock))
		return ts;
	rt_mutex_lock(&md->lock);
	return ktime_get_ns();
}

static void mx_acq_unlock(struct mx_dev *md)
{
	rt_mutex_unlock(&md->lock);
	rt_mutex_unlock(&md->acq_lock);
}

/* An acquisition read the FIFO pointers at @now: the lost-interrupt window starts again. */
static void mx_looked(struct mx_dev *md, u64 now)
{
	mxrt_irq_health_looked(&md->health, now);
	if (md->irq_wd > 0)
		mxrt_wd_kick_at(md->irq_wd, now);
}

/* The root of the adapter tree (behind I2C muxes): where the wires and their bus recovery are. */
static struct i2c_adapter *mx_root_adapter(struct i2c_adapter *adap)
{
	struct i2c_adapter *parent;

	while ((parent = i2c_parent_is_i2c_adapter(adap)))
		adap = parent;
	return adap;
}

/*
 * The bus watchdog's recovery: an I2C sequence under md->lock overran bus_timeout_ms. The mxrt_wd
 * thread, while the sequence holds md->lock: no driver lock here (see the lock order above). The
 * core says what to do; the adapter's bus recovery ends a transfer hung on the bus (the sequence
 * then fails and releases md->lock); the thread re-initialises the chip.
 */
static void mx_bus_recover(void *data, const struct mxrt_wd_expiry *e)
{
	struct mx_dev *md = data;
	struct i2c_adapter *root = mx_root_adapter(md->client->adapter);
	u32 steps = mxrt_bus_stuck(&md->bus, e->count, root->bus_recovery_info != NULL);
	int err = 0;

	if (steps & MXRT_BUS_RECOVER)
		err = i2c_recover_bus(root);
	mxrt_bus_recovered(&md->bus, steps, err);
	if (steps & MXRT_BUS_FIRST)
		dev_warn_ratelimited(md->dev, "I2C sequence stuck for %u ms: %s\n", bus_timeout_ms,
				     !(steps & MXRT_BUS_RECOVER) ? "no bus recovery on this adapter, waiting for its timeout" :
				     err ? "bus recovery failed" : "bus recovered");
	else if (steps & MXRT_BUS_RECOVER)
		dev_warn_ratelimited(md->dev, "I2C sequence still stuck: bus recovery again (%d)\n", err);
	mx_kick_thread(md); /* the chip is re-initialised from the thread */
}

/* The lost-interrupt watchdog's recovery (the mxrt_wd thread, no lock): the thread looks. */
static void mx_irq_lost(void *data, const struct mxrt_wd_expiry *e)
{
	struct mx_dev *md = data;

	mxrt_irq_health_expired(&md->health);
	mx_kick_thread(md);
}

/* ---- acquisition ------------------------------------------------------------------------------- */

/*
 * Sends an output to the input device (docs/max30102.md, "Heart rate and SpO2"): the input core
 * passes on only what changed, with the time of the record at which the values were evaluated.
 */
static void mx_vitals_report(struct mx_dev *md, const struct mxrt_vitals_out *out)
{
	s32 ev[MXRT_VITALS_EVENTS];

	mxrt_vitals_event_values(out, ev);
	if (out->timestamp_ns)
		input_set_timestamp(md->input, ns_to_ktime(out->timestamp_ns));
	input_report_abs(md->input, MXRT_MAX30102_ABS_HEART_RATE, ev[MXRT_VITALS_EV_HR]);
	input_report_abs(md->input, MXRT_MAX30102_ABS_SPO2, ev[MXRT_VITALS_EV_SPO2]);
	input_report_abs(md->input, MXRT_MAX30102_ABS_CONFIDENCE, ev[MXRT_VITALS_EV_CONFIDENCE]);
	input_report_key(md->input, BTN_TOUCH, ev[MXRT_VITALS_EV_FINGER]);
	input_sync(md->input);
}

/* Publishes @out (NULL: nothing) to the snapshot's readers and the input device. md->lock held. */
static void mx_vitals_publish_locked(struct mx_dev *md, const struct mxrt_vitals_out *out)
{
	static const struct mxrt_vitals_out none;

	lockdep_assert_held(&md->lock);
	/* a reader spins while a publication is copied: the writer must not be preempted there */
	preempt_disable();
	if (out)
		mxrt_vitals_snapshot_publish(&md->vitals_snap, out);
	else
		mxrt_vitals_snapshot_clear(&md->vitals_snap);
	preempt_enable();
	mx_vitals_report(md, out ?: &none);
}

/* The sensor stopped or vitals were switched: the estimator starts afresh, no values meanwhile. */
static void mx_vitals_withdraw_locked(struct mx_dev *md)
{
	mxrt_vitals_reset(&md->vitals);
	mx_vitals_publish_locked(md, NULL);
}

/*
 * The records of one burst (md->recs[0..n)) to the estimator, in the order the ring got them;
 * its output is published when it moved (a change, or a beat evaluated). md->lock held.
 */
static void mx_vitals_feed_locked(struct mx_dev *md, u32 n)
{
	struct mxrt_vitals_out out;

	lockdep_assert_held(&md->lock);
	if (n) {
		md->vitals_fed_ns = ktime_get_ns();
		md->vitals_starved = false;
	}
	if (!md->vitals_on)
		return;
	if (mxrt_vitals_push_n(&md->vitals, md->recs, n, md->acq.period_ns) < 0)
		atomic64_inc(&md->vitals_refused); /* the records before the bad one were taken */
	mxrt_vitals_get(&md->vitals, &out);
	if (mxrt_vitals_snapshot_differs(&md->vitals_snap, &out))
		mx_vitals_publish_locked(md, &out);
}

/*
 * An acquisition that brought no record (a bus error, an empty FIFO): MXRT_VITALS_STALE_MS after
 * the records should have come (the last ones, and a FIFO's worth of periods: at 1.5625 Hz a
 * burst comes every 11 s), the values are withdrawn. The estimator's own expiry runs in the
 * records' time, so with no records (a bus failing every transfer, a chip that stopped) they
 * stayed published, valid, for good. md->lock held.
 */
static void mx_vitals_starved_locked(struct mx_dev *md)
{
	lockdep_assert_held(&md->lock);
	if (md->vitals_starved || !md->vitals_fed_ns ||
	    ktime_get_ns() - md->vitals_fed_ns <=
		    (u64)MXRT_VITALS_STALE_MS * NSEC_PER_MSEC + MAX30102_FIFO_DEPTH * md->acq.period_ns)
		return;
	md->vitals_starved = true;
	mx_vitals_withdraw_locked(md);
}

/*
 * INT_STATUS1 as read: true (and said once in a while) if PWR_RDY shows the chip was reset while
 * sampling. Then nothing of ours is left in its FIFO; the core made it STALE and the caller's
 * configuration writes it again (mxrt_acq_status_seen).
 */
static bool mx_reset_in_status(struct mx_dev *md, u8 status1)
{
	if (!mxrt_acq_status_seen(&md->acq, status1))
		return false;
	dev_warn_ratelimited(md->dev, "chip was reset (power-on, PWR_RDY): configuring it again\n");
	return true;
}

/*
 * MODE_CONFIG or FIFO_CONFIG showed a reset (mxrt_acq_mode_before_stop, mxrt_acq_mode_seen): said
 * once in a while, with the register that showed it. @fifo_config: as read, or -1 (not read).
 * FIFO_CONFIG without ROLLOVER_EN is the power-on value; MODE_CONFIG may then be a shutdown of
 * ours written after the reset, which alone would not say why.
 */
static void mx_reset_in_mode(struct mx_dev *md, int fifo_config, unsigned int mode)
{
	if (fifo_config >= 0 && !(fifo_config & MAX30102_FIFO_ROLLOVER_EN))
		dev_warn_ratelimited(md->dev,
				     "chip was reset (FIFO_CONFIG 0x%02x, MODE_CONFIG 0x%02x): configuring it again\n",
				     fifo_config, mode);
	else
		dev_warn_ratelimited(md->dev, "chip was reset (MODE_CONFIG 0x%02x): configuring it again\n",
				     mode);
}

/*
 * FIFO_WR_PTR, OVF_COUNTER and FIFO_RD_PTR into *@p, with the times around the transfer: from
 * @start_ts, taken before it, to its return (struct mxrt_acq_ptrs). *@p is left alone on an error.
 */
static int mx_read_ptrs(struct mx_dev *md, u64 start_ts, struct mxrt_acq_ptrs *p)
{
	u8 v[3];
	int err = regmap_bulk_read(md->map, MAX30102_REG_FIFO_WR_PTR, v, 3);

	if (!err)
		*p = (struct mxrt_acq_ptrs){ .start_ts = start_ts, .end_ts = ktime_get_ns(),
					     .wr = v[0], .ovf = v[1], .rd = v[2] };
	return err;
}

/*
 * Reads everything the FIFO holds and publishes it. md->lock held; the caller guards the sequence
 * (as for mx_stop_locked and mx_apply_locked). @irq_ts: the hard-IRQ timestamp, 0 otherwise.
 * *status: INT_STATUS1 as read (0 if it could not be read).
 * Returns the number of samples, or a negative errno (the samples stay in the FIFO).
 */
static int mx_read_fifo_locked(struct mx_dev *md, u64 irq_ts, u8 *status)
{
	struct mxrt_ring *ring;
	struct mxrt_acq_ptrs r = {}, a;
	u8 st[2];
	u64 look, now, again_ts, popped_ts;
	u32 n, rolled = 0;
	int err, reads = 0;

	lockdep_assert_held(&md->lock);
	*status = 0;
	look = ktime_get_ns();
	err = regmap_bulk_read(md->map, MAX30102_REG_INT_STATUS1, st, 2);
	if (err)
		goto io_error;
	/* PWR_RDY, which this read cleared, is acted on before a later read can fail and lose it */
	if (mx_reset_in_status(md, st[0])) {
		*status = st[0];
		mx_looked(md, ktime_get_ns());
		return 0; /* the caller configures the chip */
	}
	/*
	 * The pointers; again while a read took too long for its time to count by (nothing is
	 * popped yet, so any of the reads will do): the quickest counts. A read that fails fails the
	 * burst, a re-read too: the one before it was too slow to count by.
	 */
	do {
		err = mx_read_ptrs(md, ktime_get_ns(), &a);
		if (err)
			goto io_error;
		if (!reads || a.end_ts - a.start_ts < r.end_ts - r.start_ts)
			r = a;
	} while (++reads < MX_LOOKS && mxrt_acq_read_again(&md->acq, &r));
	*status = st[0]; /* which bits mean "the chip asked": mxrt_irq_health_irq */
	now = r.end_ts;
	mx_looked(md, now);
	n = mxrt_acq_unread(&md->acq, st[0], &r);
	if (n == 0) {
		mxrt_acq_found_empty(&md->acq, &r); /* a drain counts what a look left pending */
		return 0;
	}
	err = regmap_noinc_read(md->map, MAX30102_REG_FIFO_DATA, md->burst,
				n * mxrt_acq_sample_bytes(&md->acq));
	if (err) { /* what it popped, the next burst (or the drain) finds in FIFO_RD_PTR */
		mxrt_acq_read_failed(&md->acq, n, &r, ktime_get_ns());
		goto io_error;
	}
	/*
	 * Held off for longer than the free space lasts, the FIFO rolled over before the first pop
	 * cleared OVF_COUNTER: the pointers, read again, say how many (mxrt_acq_roll_possible). The
	 * samples are out of the chip: a failed look is counted as an I/O error, and the burst is
	 * published as read; the next burst finds those roll-overs in FIFO_RD_PTR and counts them.
	 * So it does when three looks could not tell how many.
	 */
	popped_ts = again_ts = ktime_get_ns();
	if (mxrt_acq_roll_possible(&md->acq, n, look, again_ts)) {
		int looks = 0, sure = 0;

		/* again while the look cannot tell the count (mxrt_acq_rolled) */
		do {
			err = mx_read_ptrs(md, again_ts, &a);
			if (err) { /* the next burst counts them (mxrt_acq_burst) */
				mx_io(md, err);
				rolled = MXRT_ACQ_ROLLED_UNKNOWN;
				break;
			}
			rolled = mxrt_acq_rolled(&md->acq, n, &r, &a, &sure);
			again_ts = ktime_get_ns();
		} while (!sure && ++looks < MX_LOOKS);
		if (!err && !sure) /* ... from FIFO_RD_PTR and the times, as after a failed look */
			rolled = MXRT_ACQ_ROLLED_UNSURE;
	}
	mxrt_acq_burst(&md->acq, md->burst, n, st[0], &r, rolled, irq_ts, popped_ts, md->recs);
	ring = rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock));
	mxrt_ring_push_n(ring, md->recs, n);
	wake_up_interruptible_poll(&md->sh->wq, EPOLLIN | EPOLLRDNORM);
	mx_vitals_feed_locked(md, n);
	return n;

io_error:
	mx_io(md, err);
	dev_warn_ratelimited(md->dev, "FIFO read failed: %d\n", err);
	return err;
}

/*
 * Stops sampling (MODE_CONFIG with SHDN, the configured mode kept) and reads out what the FIFO
 * still holds in the running configuration's format, so that what follows (a new configuration,
 * a shutdown) discards nothing. md->lock held.
 */
static int mx_stop_locked(struct mx_dev *md)
{
	unsigned int val;
	u8 status, regs[2]; /* FIFO_CONFIG, MODE_CONFIG */
	u64 stop_ts;
	int err;

	/*
	 * A sampling chip is asked first whether it was reset: the shutdown clears every interrupt
	 * status, PWR_RDY too (DS p.17), and the drain would then judge a reset chip's empty FIFO
	 * full by the time. So is one with a FIFO to drain (a system suspend's failed drain): its
	 * reset pointers must not be counted against the old ones. (This read clears what the
	 * interrupt path would have read; the drain reads everything anyway.)
	 */
	if (mxrt_acq_sampling(&md->acq) || mxrt_acq_drain_needed(&md->acq)) {
		err = mx_io(md, regmap_read(md->map, MAX30102_REG_INT_STATUS1, &val));
		if (err) {
			mxrt_acq_not_stopped(&md->acq); /* it samples on */
			return err;
		}
		mx_reset_in_status(md, (u8)val);
	}
	/*
	 * And still sampling as configured? A reset whose PWR_RDY went unseen (a status read that
	 * cleared it and failed; polling) shows in FIFO_CONFIG (ROLLOVER_EN cleared, even after a
	 * shutdown of ours rewrote MODE_CONFIG), a shutdown whose write failed but reached the chip
	 * in MODE_CONFIG. So does a configuration whose last write failed but reached it: then it
	 * samples as that one, and the drain reads out what it took. Asked too before a retried
	 * drain (mxrt_acq_mode_before_stop).
	 */
	if (mxrt_acq_mode_look_needed(&md->acq)) {
		err = mx_io(md, regmap_bulk_read(md->map, MAX30102_REG_FIFO_CONFIG, regs, 2));
		if (err) {
			mxrt_acq_not_stopped(&md->acq); /* it samples on */
			return err;
		}
		if (mxrt_acq_mode_before_stop(&md->acq, regs[0], regs[1]))
			mx_reset_in_mode(md, regs[0], regs[1]);
	}
	stop_ts = ktime_get_ns();
	err = mx_io(md, regmap_write(md->map, MAX30102_REG_MODE_CONFIG,
				     mxrt_acq_shutdown_value(&md->acq, &md->cfg)));
	if (err) /* it may or may not have reached the chip */
		mxrt_acq_stop_failed(&md->acq, stop_ts, ktime_get_ns());
	else /* A_FULL is cleared: a full FIFO is told by the time */
		mxrt_acq_stopping(&md->acq, stop_ts, ktime_get_ns());
	if (!err && mxrt_acq_drain_needed(&md->acq))
		err = min(mx_read_fifo_locked(md, 0, &status), 0);
	if (!err) /* nothing of ours is left: a retry after failed writes does not drain again */
		mxrt_acq_drained(&md->acq);
	return err;
}

/*
 * Writes configuration @c (after mx_stop_locked) and restarts the FIFO; the core records the
 * result (RUNNING, or STALE on a bus error). md->lock held.
 */
static int mx_apply_locked(struct mx_dev *md, const struct mxrt_max30102_config *c)
{
	struct mxrt_reg_write w[MXRT_MAX30102_CONFIG_WRITES];
	struct reg_sequence seq[MXRT_MAX30102_CONFIG_WRITES];
	u64 now, write_ts = 0;
	bool written = false;
	u32 i, n;
	int err;

	lockdep_assert_held(&md->lock);
	err = mx_stop_locked(md);
	if (!err) {
		n = mxrt_max30102_config_writes(c, md->irq > 0, w);
		for (i = 0; i < n; i++)
			seq[i] = (struct reg_sequence){ .reg = w[i].reg, .def = w[i].val };
		write_ts = ktime_get_ns();
		err = mx_io(md, regmap_multi_reg_write(md->map, seq, n));
		written = true;
	}
	err = mxrt_acq_applied(&md->acq, c, err);
	now = ktime_get_ns();
	if (err && written) /* its last write may have reached the chip: the retry's stop asks */
		mxrt_acq_config_failed(&md->acq, c, write_ts, now);
	if (!err) {
		/* sampling started at the last write: an early overflow counts from there */
		mxrt_acq_started(&md->acq, write_ts, now);
		mxrt_irq_health_looked(&md->health, now); /* the lost-interrupt window starts */
		mxrt_vitals_set_sensor(&md->vitals, c); /* finger thresholds for these LEDs and range */
	}
	/*
	 * The values of the configuration before are over either way: the estimator starts over at
	 * the new one's first record (RESTART), and a failed write delivers none until a retry
	 * succeeds. They stayed published until then (for good while the writes kept failing).
	 */
	mx_vitals_withdraw_locked(md);
	if (md->irq_wd > 0) {
		/*
		 * The window follows the configuration. Armed after a failed write too: the
		 * thread then writes the configuration again one window later, and again at every
		 * repeat, until it succeeds.
		 */
		mxrt_wd_set_timeout(md->irq_wd, md->acq.watchdog_ms);
		mxrt_wd_kick_at(md->irq_wd, now);
	}
	return err;
}

/*
 * Makes @c the configuration: written now unless the chip is off (then at the next resume). On a
 * bus error the old configuration stays (and is written again by the acquisition path: the chip
 * is STALE). The configuration the chip already runs is no change: nothing is written, and the
 * stream goes on without a restart (a write would stop the chip for a FIFO's time, RESTART the
 * stream and withdraw the vitals for seconds); on a STALE chip it is written, a retry. md->lock
 * held.
 */
static int mx_reconfigure_locked(struct mx_dev *md, const struct mxrt_max30102_config *c)
{
	int err = 0;

	/* all u32 fields: no padding */
	if (!memcmp(c, &md->cfg, sizeof(*c)) && mxrt_acq_begin(&md->acq) != MXRT_ACQ_APPLY)
		return 0;

	if (mxrt_acq_begin(&md->acq) != MXRT_ACQ_SKIP) {
		mx_guard(md);
		err = mx_apply_locked(md, c);
		mx_unguard(md);
	}
	if (!err)
		md->cfg = *c;
	return err;
}

/*
 * The chip was found reset (power-on values: mxrt_acq_status_seen, mxrt_acq_mode_seen), so the
 * core made it STALE: the configuration is written now, in the caller's guarded sequence, and if
 * that fails the acquisition path retries as after any bus error. md->lock held.
 */
static int mx_reset_found_locked(struct mx_dev *md)
{
	int err = mx_apply_locked(md, &md->cfg);

	if (err)
		dev_warn_ratelimited(md->dev, "configuration after a chip reset failed: %d, retrying\n", err);
	return err;
}

/*
 * One acquisition, as the core says: nothing (off), or the configuration first (stale, or a stuck
 * bus was recovered), then the FIFO; and the configuration again if that read found the chip reset
 * (PWR_RDY). Guarded from @guard_ts (mx_lock_at). @irq_ts: the hard-IRQ timestamp, 0 otherwise.
 */
static int mx_acquire_locked(struct mx_dev *md, u64 guard_ts, u64 irq_ts, u8 *status)
{
	int err = 0;

	*status = 0;
	mxrt_bus_take_reinit(&md->bus, &md->acq);
	switch (mxrt_acq_begin(&md->acq)) {
	case MXRT_ACQ_SKIP:
		return 0;
	case MXRT_ACQ_APPLY:
		mx_guard_at(md, guard_ts);
		err = mx_apply_locked(md, &md->cfg);
		if (err)
			dev_warn_ratelimited(md->dev, "configuration after a bus error failed again: %d\n", err);
		break;
	case MXRT_ACQ_READ:
		mx_guard_at(md, guard_ts);
		break;
	}
	if (!err)
		err = mx_read_fifo_locked(md, irq_ts, status);
	if (!err && mxrt_acq_begin(&md->acq) == MXRT_ACQ_APPLY) /* the read found PWR_RDY */
		err = mx_reset_found_locked(md);
	mx_unguard(md);
	if (err <= 0)
		mx_vitals_starved_locked(md);
	return err;
}

/*
 * The lost-interrupt watchdog's look found an empty FIFO in a chip that should be sampling: was
 * it reset with its PWR_RDY unseen? One read of MODE_CONFIG (guarded), and the configuration
 * again if the core says so. Returns 0 or a negative errno. md->lock held.
 */
static int mx_check_chip_locked(struct mx_dev *md)
{
	unsigned int mode;
	int err;

	mx_guard(md);
	err = mx_io(md, regmap_read(md->map, MAX30102_REG_MODE_CONFIG, &mode));
	if (!err && mxrt_acq_mode_seen(&md->acq, &md->cfg, mode)) {
		mx_reset_in_mode(md, -1, mode);
		err = mx_reset_found_locked(md);
	}
	mx_unguard(md);
	return err;
}

/*
 * The calling acquisition thread's priority, as the core decides from the backlog and what a prompt
 * read finds (@expected). md->lock held.
 */
static void mx_boost_locked(struct mx_dev *md, u32 backlog, u32 expected)
{
	struct sched_attr attr = { .size = sizeof(attr) };
	struct mxrt_boost_step step;

	step = mxrt_boost_decide(&md->boost, backlog, READ_ONCE(boost_threshold), expected,
				 READ_ONCE(boost_prio), current, current->rt_priority);
	if (step.action == MXRT_BOOST_NONE)
		return;
	attr.sched_policy = step.fifo ? SCHED_FIFO : SCHED_NORMAL;
	attr.sched_priority = step.prio;
	mxrt_boost_done(&md->boost, &step, current, sched_setattr_nocheck(current, &attr));
}

static irqreturn_t mx_hardirq(int irq, void *data)
{
	struct mx_dev *md = data;

	WRITE_ONCE(md->irq_ts, ktime_get_ns());
	return IRQ_WAKE_THREAD;
}

/*
 * An acquisition thread (the IRQ thread, the poll/watchdog thread) moves itself onto acq_cpus when
 * the generation it last applied is stale. Doing it from the thread itself needs no task pointer
 * that could outlive the thread, and works on interrupt chips that cannot steer the hard IRQ (the
 * Pi's GPIO chip): the handler's work is all in the thread.
 * Once acq_cpus was written (gen not 0) it also moves back when it finds itself elsewhere: the
 * kernel moves an IRQ thread with its IRQ (irq_thread_check_affinity, at the thread's next wake
 * after the IRQ's affinity changed), so irqbalance or a write to /proc/irq/N/smp_affinity took the
 * IRQ thread off acq_cpus for good. The check is a few words compared; the move takes md->lock.
 * A move the scheduler refuses (none of the CPUs online: a kthread ignores cpusets) is counted
 * in acq_cpus_errors, and one it narrows (a mask set on the thread with taskset since 6.2 is
 * kept, user_cpus_ptr, and the move gets acq_cpus within it) in acq_cpus_narrowed; neither is
 * tried again until acq_cpus is written again (the check would never see acq_cpus, and take
 * md->lock at every burst).
 */
static void mx_apply_cpus(struct mx_dev *md, struct mx_cpus_applied *ap)
{
	int gen = atomic_read(&md->acq_cpus_gen);
	bool narrowed = false;
	int err;

	if (likely(gen == ap->gen) &&
	    (gen == 0 || ap->latched || data_race(cpumask_equal(&current->cpus_mask, &md->acq_cpus))))
		return;
	rt_mutex_lock(&md->lock); /* an acquisition thread: not a waiter to let in */
	err = set_cpus_allowed_ptr(current, &md->acq_cpus);
	if (!err)
		narrowed = !cpumask_equal(&current->cpus_mask, &md->acq_cpus);
	rt_mutex_unlock(&md->lock);
	if (err) {
		WRITE_ONCE(md->acq_cpus_err, err);
		atomic_inc(&md->acq_cpus_errors);
	} else if (narrowed) {
		atomic_inc(&md->acq_cpus_narrowed);
	}
	ap->latched = err || narrowed;
	ap->gen = gen;
}

static irqreturn_t mx_irq_thread(int irq, void *data)
{
	struct mx_dev *md = data;
	u64 irq_ts, guard_ts;
	u8 status;
	int n;

	mx_apply_cpus(md, &md->irq_cpus_applied); /* only this thread touches it */
	irq_ts = READ_ONCE(md->irq_ts);
	guard_ts = mx_lock_at(md, irq_ts);
	n = mx_acquire_locked(md, guard_ts, irq_ts, &status);
	if (n > 0) /* a prompt read finds what raised the interrupt */
		mx_boost_locked(md, n, md->cfg.fifo_almost_full);
	mx_acq_unlock(md);
	switch (mxrt_irq_health_irq(&md->health, status, n, ktime_get_ns())) {
	case MXRT_IRQ_VERDICT_HANDLED:
		return IRQ_HANDLED;
	case MXRT_IRQ_VERDICT_NONE:
		return IRQ_NONE;
	case MXRT_IRQ_VERDICT_DISABLE:
		break;
	}
	/* INT keeps firing with nothing to read: off for a while, the thread polls meanwhile. */
	disable_irq_nosync(irq);
	dev_warn_ratelimited(md->dev, "interrupt stuck: polling for %d ms\n", MXRT_IRQ_STUCK_BACKOFF_MS);
	mx_kick_thread(md);
	return IRQ_NONE;
}

/*
 * Polls without an IRQ (and while a stuck IRQ is off); with one, sleeps until woken and reads the
 * FIFO when the core says: interrupts stopped coming, or a stuck bus wants the chip re-initialised.
 */
static int mx_thread_fn(void *data)
{
	struct mx_dev *md = data;
	struct mx_cpus_applied applied = {};
	int kick, n;
	u32 actions, ms;
	u64 now;
	u8 status;

	while (!kthread_should_stop()) {
		kick = atomic_read(&md->thread_kick);
		ms = mxrt_irq_health_sleep_ms(&md->health, &md->acq, md->irq > 0);
		/*
		 * About to sleep until woken (the interrupt reads again): a boost this thread took for
		 * a late read goes, or the idle thread would keep it at boost_prio, and the IRQ thread
		 * could not be boosted while it held the one slot.
		 */
		if (!ms && READ_ONCE(md->boost.task) == current) {
			mx_lock(md);
			mx_boost_locked(md, 0, 0);
			rt_mutex_unlock(&md->lock);
		}
		wait_event_interruptible_timeout(md->thread_wq, kthread_should_stop() ||
						 atomic_read(&md->thread_kick) != kick,
						 ms ? msecs_to_jiffies(ms) : MAX_SCHEDULE_TIMEOUT);
		if (kthread_should_stop())
			break;
		mx_apply_cpus(md, &applied);
		now = ktime_get_ns();
		actions = mxrt_irq_health_thread(&md->health, &md->bus, &md->acq, md->irq > 0, now);
		if (!actions)
			continue;
		n = mx_acquire_locked(md, mx_lock_at(md, now), 0, &status);
		if (n > 0) /* a prompt poll finds a period's samples */
			mx_boost_locked(md, n, min_t(u64, MAX30102_FIFO_DEPTH,
						     (u64)ms * md->cfg.sample_rate_hz /
							     (1000 * max(md->cfg.sample_average, 1u))));
		else if (mxrt_irq_health_check_chip(&md->acq, actions, n))
			n = mx_check_chip_locked(md);
		mx_acq_unlock(md);
		mxrt_irq_health_thread_done(&md->health, actions, n);
		if (actions & MXRT_THREAD_ENABLE_IRQ)
			enable_irq(md->irq);
	}
	return 0;
}

/* ---- the device lock for ioctl callers: bounded, with priority inheritance while waiting ---------- */

/*
 * 6.12 exports no timed rt_mutex lock. rt_mutex_lock_interruptible() enqueues the caller as a
 * waiter of md->lock, so the holder inherits its priority exactly as with rt_mutex_lock(), and
 * its wait loop (rt_mutex_slowlock_block) gives up when signal_pending_state() says a signal is
 * pending. An hrtimer at the deadline makes that happen: it sets TIF_SIGPENDING on the waiter and
 * wakes it, the freezer's fake-signal technique (fake_signal_wake_up() in the kernel's
 * freezer.c). The waiter then cancels the timer (hrtimer_cancel waits for a running callback, so
 * nothing sets the flag again) and recomputes the flag from its real pending signals under its
 * siglock with recalc_sigpending(), so no signal is ever seen by user space; a real signal that
 * came meanwhile keeps the flag (the call fails with EINTR once its handler ran:
 * mx_deadline_disarm; a notification alone does not end the wait: mx_deadline_notified). HARD mode: the callback only sets
 * a bit atomically and wakes a task, both fine in hard-IRQ context, and on PREEMPT_RT a soft timer
 * would expire in ksoftirqd (SCHED_OTHER), which any real-time task on that CPU could starve past
 * the deadline. Not bounded: while the holder runs on another CPU the waiter spins on it and
 * notices the deadline when the holder stops running (as FUTEX_LOCK_PI with a timeout does).
 * An ioctl waits for an open file's reader lock (a mutex, whose interruptible wait checks
 * signal_pending_state() the same way, on PREEMPT_RT too) by the same deadline: mx_file_lock_until.
 * Alternatives and what each loses: docs/max30102.md, "Waiting for the device lock".
 */
struct mx_deadline {
	struct hrtimer timer;
	struct task_struct *task;
	bool fired;    /* WRITE_ONCE in the callback, READ_ONCE after hrtimer_cancel */
	bool notified; /* TIF_NOTIFY_SIGNAL was taken off to go on waiting: put back at the end */
};

static enum hrtimer_restart mx_deadline_fire(struct hrtimer *t)
{
	struct mx_deadline *w = container_of(t, struct mx_deadline, timer);

	WRITE_ONCE(w->fired, true);
	set_tsk_thread_flag(w->task, TIF_SIGPENDING); /* ends an interruptible wait, as a signal would */
	wake_up_process(w->task);
	return HRTIMER_NORESTART;
}

/* Ends the current task's next interruptible wait at @deadline (CLOCK_MONOTONIC ns). */
static void mx_deadline_arm(struct mx_deadline *w, u64 deadline)
{
	w->task = current;
	w->fired = false;
	w->notified = false;
	hrtimer_init_on_stack(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	w->timer.function = mx_deadline_fire;
	hrtimer_start(&w->timer, ns_to_ktime(deadline), HRTIMER_MODE_ABS_HARD);
}

/*
 * Whether an interruptible wait that ended with @err should go on: it was ended by a notification
 * alone (TIF_NOTIFY_SIGNAL: io_uring's task work, a livepatch transition, which signal_pending()
 * counts too), neither by a signal (TIF_SIGPENDING: also a stop, ptrace, the freezer) nor by the
 * deadline. The flag is then taken off for the rest of the wait and put back by
 * mx_deadline_disarm, so that the task work runs when the call returns, as after an
 * uninterruptible wait. Ending the call instead gave EINTR without a signal, and restarting it
 * would start the timeout again at every notification (a ring's timer can come more often).
 */
static bool mx_deadline_notified(struct mx_deadline *w, int err)
{
	if (!err || READ_ONCE(w->fired) || task_sigpending(current) || !test_thread_flag(TIF_NOTIFY_SIGNAL))
		return false;
	clear_thread_flag(TIF_NOTIFY_SIGNAL);
	smp_mb__after_atomic(); /* as clear_notify_signal(): before the wait looks again */
	w->notified = true;
	return true;
}

/*
 * After the wait: @err is what the interruptible wait returned (0: got it). Returns 0,
 * -ETIMEDOUT (the deadline ended the wait) or -ERESTARTNOHAND (a signal did: EINTR once its
 * handler has run; without one to run, a stop and continue, ptrace or the freezer, the call is
 * restarted, with a fresh timeout, as the kernel's own waits are).
 */
static int mx_deadline_disarm(struct mx_deadline *w, int err)
{
	hrtimer_cancel(&w->timer); /* before anything that may sleep: the flag must not linger */
	destroy_hrtimer_on_stack(&w->timer);
	if (READ_ONCE(w->fired)) {
		/* clear what the timer set, unless a real signal (or the freezer) wants it */
		spin_lock_irq(&current->sighand->siglock);
		recalc_sigpending();
		spin_unlock_irq(&current->sighand->siglock);
	}
	if (w->notified)
		set_thread_flag(TIF_NOTIFY_SIGNAL); /* the task work runs on the way out */
	if (!err)
		return 0;
	return READ_ONCE(w->fired) ? -ETIMEDOUT : -ERESTARTNOHAND;
}

/*
 * md->lock, waiting until @deadline (CLOCK_MONOTONIC ns) at most. Process context, no other lock
 * of this driver held but md->test_sem. Returns 0 with md->lock held, -ETIMEDOUT
 * (not held: the deadline passed first, or had passed), -ERESTARTNOHAND (not held: a signal,
 * mx_deadline_disarm).
 */
static int mx_lock_until(struct mx_dev *md, u64 deadline)
{
	struct mx_deadline w;
	int err;

	if (rt_mutex_trylock(&md->lock))
		return 0;
	if (ktime_get_ns() >= deadline)
		return -ETIMEDOUT;
	mx_deadline_arm(&w, deadline);
	atomic_inc(&md->lock_waiters);
	do {
		err = rt_mutex_lock_interruptible(&md->lock);
	} while (mx_deadline_notified(&w, err));
	mx_lock_done_waiting(md, !err);
	return mx_deadline_disarm(&w, err);
}

/* The test hook's semaphore (test_hooks only), until @deadline: 0, or -ETIMEDOUT. */
static int mx_test_sem_until(struct mx_dev *md, u64 deadline)
{
	u64 now = ktime_get_ns();

	if (!down_trylock(&md->test_sem))
		return 0;
	if (now >= deadline)
		return -ETIMEDOUT;
	return down_timeout(&md->test_sem, nsecs_to_jiffies(deadline - now) + 1) ? -ETIMEDOUT : 0;
}

/*
 * md->lock for an ioctl caller by @deadline (see mx_lock_until); with test_hooks, the test's
 * semaphore first. Unlock with mx_ioc_unlock.
 */
static int mx_ioc_lock(struct mx_dev *md, u64 deadline)
{
	int err;

	if (test_hooks) {
		err = mx_test_sem_until(md, deadline);
		if (err)
			return err;
	}
	err = mx_lock_until(md, deadline);
	if (err && test_hooks)
		up(&md->test_sem);
	return err;
}

static void mx_ioc_unlock(struct mx_dev *md)
{
	lockdep_assert_held(&md->lock);
	rt_mutex_unlock(&md->lock);
	if (test_hooks)
		up(&md->test_sem);
}

/* ---- /dev/max30102-N ------------------------------------------------------------------------------ */

struct mx_file {
	struct mx_shared *sh;
	struct device *dev; /* a reference, for runtime PM; the driver data may be gone */
	struct mutex lock;  /* one read() at a time: rd and buf are the file's */
	struct mxrt_ring_reader rd;
	struct mxrt_max30102_record buf[MX_READ_BATCH];
	u32 lock_timeout_ms; /* ioctl callers' wait for md->lock: WRITE_ONCE/READ_ONCE */
};

/*
 * Open files keep the sensor running. Their references belong to the binding they were opened
 * on: an unbind gives them all back (mx_unbind_readers), so that a file left open neither keeps a
 * later binding of the same device awake nor drops that binding's references when it closes.
 */
static int mx_pm_get(struct mx_shared *sh, struct device *dev)
{
	int err = -ENODEV;

	mutex_lock(&sh->pm_lock);
	if (!sh->refs_gone) {
		err = pm_runtime_resume_and_get(dev);
		if (!err)
			sh->pm_refs++;
	}
	mutex_unlock(&sh->pm_lock);
	return err;
}

static void mx_pm_put(struct mx_shared *sh, struct device *dev)
{
	mutex_lock(&sh->pm_lock);
	if (!sh->refs_gone) { /* else the unbind gave it back already */
		sh->pm_refs--;
		pm_runtime_mark_last_busy(dev);
		pm_runtime_put_autosuspend(dev);
	}
	mutex_unlock(&sh->pm_lock);
}

static int mx_open(struct inode *inode, struct file *file)
{
	struct mx_dev *md = container_of(file->private_data, struct mx_dev, misc);
	struct mx_file *mf;
	struct mxrt_ring *ring;
	int err;

	/* charged to the opener's memory cgroup: any user may open the node, as often as it likes */
	mf = kzalloc_node(sizeof(*mf), GFP_KERNEL_ACCOUNT, dev_to_node(md->dev));
	if (!mf)
		return -ENOMEM;
	err = mx_pm_get(md->sh, md->dev);
	if (err) {
		kfree(mf);
		return err;
	}
	__mutex_init(&mf->lock, "mxrt_max30102:file_lock", &mx_file_lock_key);
	mf->dev = get_device(md->dev);
	kref_get(&md->sh->ref);
	mf->sh = md->sh;
	rcu_read_lock();
	ring = rcu_dereference(mf->sh->ring);
	if (ring)
		mxrt_ring_reader_init(ring, &mf->rd);
	rcu_read_unlock();
	atomic_inc(&mf->sh->readers);
	mf->lock_timeout_ms = MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS;
	file->private_data = mf;
	/*
	 * read_iter honours IOCB_NOWAIT: io_uring tries the read in the submitter's context and,
	 * when nothing is there, waits for poll (our wq) and retries, instead of a blocking read
	 * parked in an io-wq worker. RWF_NOWAIT works for preadv2() as well.
	 */
	file->f_mode |= FMODE_NOWAIT;
	return stream_open(inode, file);
}

static int mx_release(struct inode *inode, struct file *file)
{
	struct mx_file *mf = file->private_data;

	/* the last reference to the file: no read() runs any more */
	atomic64_add(mf->rd.overruns, &mf->sh->overruns);
	atomic64_add(mf->rd.lost, &mf->sh->overrun_lost);
	atomic_dec(&mf->sh->readers);
	mx_pm_put(mf->sh, mf->dev);
	put_device(mf->dev);
	mx_shared_put(mf->sh);
	mutex_destroy(&mf->lock);
	kfree(mf);
	return 0;
}

/* Whether a read would return something now; any thread, without mf->lock (the cursor is atomic). */
static bool mx_readable(struct mx_file *mf)
{
	struct mxrt_ring *ring;
	bool ok;

	rcu_read_lock();
	ring = rcu_dereference(mf->sh->ring);
	ok = ring && mxrt_ring_readable(ring, &mf->rd);
	rcu_read_unlock();
	return ok;
}

/*
 * Whole records, at most MX_READ_BATCH per call. The file's lock is held from the ring to the user
 * copy, not while waiting for data; a non-blocking read (O_NONBLOCK, or IOCB_NOWAIT from io_uring
 * and RWF_NOWAIT) never waits for it either (-EAGAIN: another thread is reading this file). The
 * records are consumed only once the copy to user space succeeded: a read into a bad buffer fails
 * with -EFAULT and the next read returns the same records (or reports the ones the producer
 * overwrote meanwhile as lost).
 */
static ssize_t mx_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct mx_file *mf = file->private_data;
	struct mx_shared *sh = mf->sh;
	struct mxrt_ring_reader next;
	struct mxrt_ring *ring;
	u32 max = min_t(size_t, iov_iter_count(to) / sizeof(struct mxrt_max30102_record), MX_READ_BATCH);
	bool nowait = (file->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT);
	ssize_t ret;
	size_t bytes;
	u32 n, i;
	u64 now;

	if (max == 0)
		return -EINVAL; /* whole records only */
	for (;;) {
		/* the end seen before the ring is looked at: its last records are seen with it */
		bool ended = READ_ONCE(sh->dead);

		smp_rmb(); /* pairs with mx_end_stream's smp_wmb */
		if (nowait) {
			if (!mutex_trylock(&mf->lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&mf->lock)) {
			return -ERESTARTSYS;
		}
		rcu_read_lock();
		ring = rcu_dereference(sh->ring);
		n = ring ? mxrt_ring_peek(ring, &mf->rd, &next, mf->buf, max) : 0;
		rcu_read_unlock();
		if (n)
			break; /* with mf->lock held */
		mutex_unlock(&mf->lock);
		if (ended)
			return -ENODEV; /* and nothing left to read */
		if (nowait)
			return -EAGAIN;
		ret = wait_event_interruptible(sh->wq, READ_ONCE(sh->dead) || mx_readable(mf));
		if (ret)
			return ret;
	}
	now = ktime_get_ns();
	bytes = n * sizeof(mf->buf[0]);
	if (copy_to_iter(mf->buf, bytes, to) != bytes) {
		ret = -EFAULT; /* nothing consumed, nothing measured: the records come again */
	} else {
		mxrt_ring_reader_commit(&mf->rd, &next);
		/* IRQ-to-reader latency of the records delivered, each once */
		for (i = 0; i < n; i++)
			if (mf->buf[i].flags & MXRT_MAX30102_REC_IRQ && now > mf->buf[i].timestamp_ns)
				mxrt_log2_hist_add(&sh->lat, now - mf->buf[i].timestamp_ns);
		ret = bytes;
	}
	mutex_unlock(&mf->lock);
	return ret;
}

static __poll_t mx_poll(struct file *file, poll_table *wait)
{
	struct mx_file *mf = file->private_data;

	__poll_t readable;

	poll_wait(file, &mf->sh->wq, wait);
	/* dead before readable: records pushed before the end are seen with it */
	if (READ_ONCE(mf->sh->dead)) {
		smp_rmb(); /* pairs with mx_end_stream's smp_wmb */
		readable = mx_readable(mf) ? EPOLLIN | EPOLLRDNORM : 0;
		return readable | EPOLLHUP | EPOLLERR; /* what the ring holds is still read first */
	}
	return mx_readable(mf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long mx_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

static const struct file_operations mx_fops = {
	.owner = THIS_MODULE,
	.open = mx_open,
	.release = mx_release,
	.read_iter = mx_read_iter,
	.poll = mx_poll,
	.unlocked_ioctl = mx_ioctl,
	.compat_ioctl = compat_ptr_ioctl, /* one layout for 32- and 64-bit programs (UAPI) */
};

/* ---- ring resize ---------------------------------------------------------------------------------- */

/*
 * The driver's smallest ring: two full FIFO bursts. A burst is pushed at once, so a ring smaller
 * than one loses records at every burst with no reader behind (counted as overruns, but the
 * reader never fell behind); two give a reader waiting in read() a whole burst's time to take one.
 */
#define MX_RING_MIN (2 * MAX30102_FIFO_DEPTH)

/* 0 if @records is a ring size this driver takes, else -EINVAL. */
static int mx_ring_size_check(u32 records)
{
	return records < MX_RING_MIN ? -EINVAL : mxrt_ring_check_size(records);
}

/* -EINVAL for a size that is no ring size, -ENOMEM without memory: nothing changes then. */
static int mx_resize(struct mx_dev *md, u32 records)
{
	struct mxrt_ring *ring, *old;
	u64 t0;
	int err;

	err = mx_ring_size_check(records);
	if (err)
		return err;
	err = mxrt_ring_create(records, dev_to_node(md->dev), &ring);
	if (err)
		return err;
	mx_lock(md); /* no producer runs while the new ring takes over */
	old = rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock));
	mxrt_ring_continue(ring, old);
	rcu_assign_pointer(md->sh->ring, ring);
	atomic64_inc(&md->st.resizes);
	rt_mutex_unlock(&md->lock);
	t0 = ktime_get_ns();
	synchronize_rcu(); /* readers still in the old ring finish first */
	atomic64_set(&md->st.ring_last_sync_ns, ktime_get_ns() - t0);
	atomic64_inc(&md->st.ring_syncs);
	mxrt_ring_destroy(old);
	return 0;
}

/* ---- sysfs ------------------------------------------------------------------------------------ */

static const char *const mx_mode_names[8] = {
	[MAX30102_MODE_HR] = "hr", [MAX30102_MODE_SPO2] = "spo2", [MAX30102_MODE_MULTI] = "multi",
};

/* Read, modify and apply under md->lock: two writers of two fields never undo each other. */
static int mx_set_field(struct mx_dev *md, enum mxrt_max30102_field f, u32 v)
{
	struct mxrt_max30102_config c;
	int err;

	mx_lock(md);
	c = md->cfg;
	err = mxrt_max30102_config_set(&c, f, v);
	if (!err)
		err = mx_reconfigure_locked(md, &c);
	rt_mutex_unlock(&md->lock);
	if (!err)
		mx_kick_thread(md); /* the poll and watchdog intervals may have changed */
	return err;
}

static u32 mx_get_field(struct mx_dev *md, enum mxrt_max30102_field f)
{
	u32 v;

	mx_lock(md);
	v = mxrt_max30102_config_get(&md->cfg, f);
	rt_mutex_unlock(&md->lock);
	return v;
}

/* Numbers are decimal: "062" is 62, "0x40" is no number (-EINVAL). */
#define MX_CFG_ATTR(attr, field)                                                               \
	static ssize_t attr##_show(struct device *dev, struct device_attribute *a, char *buf)  \
	{                                                                                      \
		return sysfs_emit(buf, "%u\n", mx_get_field(dev_get_drvdata(dev), field));     \
	}                                                                                      \
	static ssize_t attr##_store(struct device *dev, struct device_attribute *a,            \
				    const char *buf, size_t len)                               \
	{                                                                                      \
		u32 v;                                                                         \
		if (mx_parse_u32(buf, len, &v))                                                \
			return -EINVAL;                                                        \
		return mx_set_field(dev_get_drvdata(dev), field, v) ?: len;                    \
	}                                                                                      \
	static DEVICE_ATTR_RW(attr)

MX_CFG_ATTR(sample_rate, MXRT_MAX30102_SAMPLE_RATE);
MX_CFG_ATTR(pulse_width, MXRT_MAX30102_PULSE_WIDTH);
MX_CFG_ATTR(adc_range, MXRT_MAX30102_ADC_RANGE);
MX_CFG_ATTR(sample_average, MXRT_MAX30102_SAMPLE_AVERAGE);
MX_CFG_ATTR(fifo_almost_full, MXRT_MAX30102_FIFO_ALMOST_FULL);
MX_CFG_ATTR(led_red_current, MXRT_MAX30102_RED_CURRENT);
MX_CFG_ATTR(led_ir_current, MXRT_MAX30102_IR_CURRENT);

static ssize_t mode_show(struct device *dev, struct device_attribute *a, char *buf)
{
	u32 mode = mx_get_field(dev_get_drvdata(dev), MXRT_MAX30102_MODE);

	return sysfs_emit(buf, "%s\n", mx_mode_names[FIELD_GET(MAX30102_MODE, mode)]);
}

static ssize_t mode_store(struct device *dev, struct device_attribute *a, const char *buf,
			  size_t len)
{
	int m;

	for (m = 0; m < ARRAY_SIZE(mx_mode_names) && mx_text_ok(buf, len); m++)
		if (mx_mode_names[m] && sysfs_streq(buf, mx_mode_names[m]))
			return mx_set_field(dev_get_drvdata(dev), MXRT_MAX30102_MODE, m) ?: len;
	return -EINVAL;
}
static DEVICE_ATTR_RW(mode);

static ssize_t ring_size_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	u32 size;

	mx_lock(md);
	size = mxrt_ring_size(rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock)));
	rt_mutex_unlock(&md->lock);
	return sysfs_emit(buf, "%u\n", size);
}

static ssize_t ring_size_store(struct device *dev, struct device_attribute *a, const char *buf,
			       size_t len)
{
	u32 v;

	if (mx_parse_u32(buf, len, &v))
		return -EINVAL;
	return mx_resize(dev_get_drvdata(dev), v) ?: len;
}
static DEVICE_ATTR_RW(ring_size);

/*
 * The CPUs acquisition runs on: the hard IRQ (where the interrupt chip can steer it, as
 * /proc/irq/N/smp_affinity would) and both acquisition threads (always). A list the kernel cannot
 * parse, or naming no online CPU or an offline one, is refused with -EINVAL and changes nothing.
 */
static ssize_t acq_cpus_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	ssize_t n;

	mx_lock(md);
	n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&md->acq_cpus));
	rt_mutex_unlock(&md->lock);
	return n;
}

static ssize_t acq_cpus_store(struct device *dev, struct device_attribute *a, const char *buf,
			      size_t len)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	cpumask_var_t m;
	int err;

	if (!mx_text_ok(buf, len))
		return -EINVAL;
	if (!alloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	err = cpulist_parse(buf, m);
	if (!err && (cpumask_empty(m) || !cpumask_subset(m, cpu_online_mask)))
		err = -EINVAL;
	if (err) {
		free_cpumask_var(m);
		return -EINVAL;
	}
	mx_lock(md);
	cpumask_copy(&md->acq_cpus, m);
	/* the hard IRQ too, where the chip can; the threads follow regardless */
	md->irq_aff_err = md->irq > 0 ? irq_set_affinity(md->irq, m) : 0;
	atomic_inc(&md->acq_cpus_gen);
	rt_mutex_unlock(&md->lock);
	free_cpumask_var(m);
	mx_kick_thread(md); /* the thread re-checks and applies the mask */
	return len;
}
static DEVICE_ATTR_RW(acq_cpus);

static const char *const mx_state_names[] = {
	[MXRT_CHIP_OFF] = "suspended", [MXRT_CHIP_RUNNING] = "running", [MXRT_CHIP_STALE] = "retrying",
};

static ssize_t status_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	u64 samples, lost;
	u32 state;

	mx_lock(md);
	state = md->acq.state;
	samples = md->acq.samples;
	lost = md->acq.lost;
	rt_mutex_unlock(&md->lock);
	return sysfs_emit(buf, "%s %s samples=%llu lost=%llu readers=%d\n",
			  state < ARRAY_SIZE(mx_state_names) ? mx_state_names[state] : "?",
			  md->irq > 0 ? (READ_ONCE(md->health.off) ? "irq-stuck-polling" : "irq") : "polling",
			  samples, lost, atomic_read(&md->sh->readers));
}
static DEVICE_ATTR_RO(status);

/*
 * Heart rate and SpO2 (docs/max30102.md): the latest published values, lock-free. No value (vitals
 * off, nothing measured yet, or not valid now) reads as -ENODATA, as hwmon does.
 */
static ssize_t mx_vitals_show(struct device *dev, char *buf, u32 field)
{
	struct mxrt_vitals_out out;
	bool present = mx_vitals_latest(dev_get_drvdata(dev), &out);
	u32 v;
	int err = mxrt_vitals_field(&out, present, field, &v);

	return err ?: sysfs_emit(buf, "%u\n", v);
}

static ssize_t heart_rate_show(struct device *dev, struct device_attribute *a, char *buf)
{
	return mx_vitals_show(dev, buf, MXRT_VITALS_FIELD_HR);
}
static DEVICE_ATTR_RO(heart_rate);

static ssize_t spo2_show(struct device *dev, struct device_attribute *a, char *buf)
{
	return mx_vitals_show(dev, buf, MXRT_VITALS_FIELD_SPO2);
}
static DEVICE_ATTR_RO(spo2);

static ssize_t confidence_show(struct device *dev, struct device_attribute *a, char *buf)
{
	return mx_vitals_show(dev, buf, MXRT_VITALS_FIELD_CONFIDENCE);
}
static DEVICE_ATTR_RO(confidence);

static ssize_t finger_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mxrt_vitals_out out;
	bool present = mx_vitals_latest(dev_get_drvdata(dev), &out);
	u32 v;
	int err = mxrt_vitals_field(&out, present, MXRT_VITALS_FIELD_FINGER, &v);

	return err ?: sysfs_emit(buf, "%s\n", v ? "present" : "absent");
}
static DEVICE_ATTR_RO(finger);

static ssize_t vitals_enable_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(md->vitals_on) ? 1 : 0);
}

/*
 * 1: the estimator runs on every record from the next burst on, from scratch; 0: it stops and
 * its values are withdrawn (sysfs reads -ENODATA, the input device reports 0). Decimal 0 or 1
 * only; anything else is -EINVAL and changes nothing.
 */
static ssize_t vitals_enable_store(struct device *dev, struct device_attribute *a, const char *buf,
				   size_t len)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	u32 v;

	if (mx_parse_u32(buf, len, &v) || v > 1)
		return -EINVAL;
	mx_lock(md);
	if (v != md->vitals_on) {
		mx_vitals_withdraw_locked(md);
		WRITE_ONCE(md->vitals_on, v);
	}
	rt_mutex_unlock(&md->lock);
	return len;
}
static DEVICE_ATTR_RW(vitals_enable);

/* I2C sequences that overran bus_timeout_ms (a stuck bus). No lock: readable while one is stuck. */
static ssize_t bus_stuck_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(md->bus.stuck));
}
static DEVICE_ATTR_RO(bus_stuck);

static struct attribute *mx_attrs[] = {
	&dev_attr_mode.attr, &dev_attr_sample_rate.attr, &dev_attr_pulse_width.attr,
	&dev_attr_adc_range.attr, &dev_attr_sample_average.attr, &dev_attr_fifo_almost_full.attr,
	&dev_attr_led_red_current.attr, &dev_attr_led_ir_current.attr, &dev_attr_ring_size.attr,
	&dev_attr_acq_cpus.attr,
	&dev_attr_status.attr, &dev_attr_bus_stuck.attr, &dev_attr_heart_rate.attr, &dev_attr_spo2.attr,
	&dev_attr_confidence.attr, &dev_attr_finger.attr, &dev_attr_vitals_enable.attr, NULL,
};
ATTRIBUTE_GROUPS(mx);

/* ---- hwmon: die temperature ------------------------------------------------------------------- */

#define MX_NO_DEADLINE U64_MAX

/*
 * md->lock for one step of the temperature read, and its bus guard: hwmon waits (MX_NO_DEADLINE),
 * an ioctl until its deadline.
 */
static int mx_temp_lock(struct mx_dev *md, u64 deadline)
{
	int err = 0;

	if (deadline != MX_NO_DEADLINE)
		err = mx_ioc_lock(md, deadline);
	else
		mx_lock(md);
	if (!err)
		mx_guard(md); /* each step is one guarded I2C sequence */
	return err;
}

static void mx_temp_unlock(struct mx_dev *md, u64 deadline)
{
	mx_unguard(md);
	if (deadline != MX_NO_DEADLINE)
		mx_ioc_unlock(md);
	else
		rt_mutex_unlock(&md->lock);
}

/*
 * @deadline pushed out by the time since @t0 that the caller spent on its own (a resume, the
 * conversion's sleeps): an ioctl's lock timeout bounds its waits for the lock, not the driver's
 * work. It used to count them, so GET_TEMP with a timeout under about 40 ms found the deadline
 * past after the conversion and failed with -ETIMEDOUT when the lock was busy for a moment.
 */
static u64 mx_deadline_past(u64 deadline, u64 t0)
{
	return deadline == MX_NO_DEADLINE ? deadline : deadline + (ktime_get_ns() - t0);
}

/*
 * md->lock held: TEMP_EN clear, so the conversion md->temp_started_ns names (if any) is over: its
 * result is read and kept for every caller that came before it started. 0, an I/O error, or
 * -ECANCELED when a power-on reset came since it started: the reset cleared TEMP_EN and the
 * result registers with it, and their 0 °C is no reading (it was returned as one). A reset the
 * acquisition found counts in acq.resets_seen; one it has not found yet shows in FIFO_CONFIG,
 * whose ROLLOVER_EN every configuration sets and only a reset clears (mxrt_acq_mode_before_stop).
 */
static int mx_temp_collect_locked(struct mx_dev *md)
{
	unsigned int ti, tf, fc = MAX30102_FIFO_ROLLOVER_EN;
	int err;

	if (!md->temp_started_ns)
		return 0;
	err = regmap_read(md->map, MAX30102_REG_TEMP_INT, &ti);
	err = err ?: regmap_read(md->map, MAX30102_REG_TEMP_FRAC, &tf);
	if (!err && md->acq.configured)
		err = regmap_read(md->map, MAX30102_REG_FIFO_CONFIG, &fc);
	if (err)
		return err;
	if (md->acq.resets_seen != md->temp_resets_seen || !(fc & MAX30102_FIFO_ROLLOVER_EN)) {
		md->temp_started_ns = 0;
		atomic64_inc(&md->temp_voided);
		return -ECANCELED;
	}
	md->temp_result = mxrt_max30102_temp_millic(ti, tf);
	md->temp_result_started_ns = md->temp_started_ns;
	md->temp_started_ns = 0;
	atomic64_inc(&md->st.temp_reads);
	return 0;
}

/*
 * The die temperature in m°C, from a conversion started after this call began. Each step takes
 * md->lock by @deadline (MX_NO_DEADLINE: waits): -ETIMEDOUT or -ERESTARTNOHAND from an ioctl
 * caller's wait, a bus error, or -ETIMEDOUT if the chip never finishes the conversion. A
 * conversion that was started stays harmless (TEMP_EN clears itself). Conversions are shared: a
 * caller that finds one running does not start its own (writing TEMP_EN again started the chip
 * over, and callers kept each other's conversions from finishing: any local user could make
 * root's reads time out with GET_TEMP or hwmon reads), and whoever finds it finished reads it
 * for all. A caller waits for at most the running conversion and one it starts after it.
 */
static int mx_read_temp(struct mx_dev *md, long *millic, u64 deadline)
{
	unsigned int busy;
	u64 t0 = ktime_get_ns(), since = t0;
	bool mine = false; /* a conversion started at or after `since` has been read */
	bool voided;
	int err, tries;

	err = pm_runtime_resume_and_get(md->dev);
	if (err)
		return err;
	deadline = mx_deadline_past(deadline, t0);
	/* The conversion takes 29 ms; the lock is not held meanwhile, acquisition goes on. */
	for (tries = 0; tries < 12; tries++) {
		if (tries) {
			t0 = ktime_get_ns();
			msleep(tries == 1 ? 30 : 5);
			deadline = mx_deadline_past(deadline, t0);
		}
		err = mx_temp_lock(md, deadline);
		if (err)
			break;
		err = regmap_read(md->map, MAX30102_REG_TEMP_CONFIG, &busy);
		busy = FIELD_GET(MAX30102_TEMP_EN, busy);
		if (!err && !busy)
			err = mx_temp_collect_locked(md);
		/*
		 * A reset ended it: the next try starts another, after the acquisition has found the
		 * reset (one started before that would count it as its own and be void too).
		 */
		voided = err == -ECANCELED;
		if (voided)
			err = 0;
		/*
		 * Whoever read it: a caller that looked only when TEMP_EN was clear could find it set
		 * again every time (others start the next one as soon as they read one) and wait for ever.
		 */
		mine = !err && md->temp_result_started_ns >= since;
		if (!err && !mine && !busy && !voided) { /* none running: start one, which will be ours */
			err = regmap_write(md->map, MAX30102_REG_TEMP_CONFIG, MAX30102_TEMP_EN);
			if (!err) {
				md->temp_started_ns = ktime_get_ns();
				md->temp_resets_seen = md->acq.resets_seen;
			}
		}
		if (mine)
			*millic = md->temp_result;
		mx_temp_unlock(md, deadline);
		mx_io(md, err);
		if (err || mine)
			break;
	}
	pm_runtime_mark_last_busy(md->dev);
	pm_runtime_put_autosuspend(md->dev);
	if (err)
		return err;
	return mine ? 0 : -ETIMEDOUT;
}

static umode_t mx_hwmon_visible(const void *data, enum hwmon_sensor_types type, u32 attr, int ch)
{
	return type == hwmon_temp && attr == hwmon_temp_input ? 0444 : 0;
}

static int mx_hwmon_read(struct device *dev, enum hwmon_sensor_types type, u32 attr, int ch,
			 long *val)
{
	return mx_read_temp(dev_get_drvdata(dev), val, MX_NO_DEADLINE);
}

static const struct hwmon_channel_info *MXRT_HWMON_INFO_CONST mx_hwmon_info[] = {
	HWMON_CHANNEL_INFO(temp, HWMON_T_INPUT), NULL,
};
static const struct hwmon_ops mx_hwmon_ops = { .is_visible = mx_hwmon_visible, .read = mx_hwmon_read };
static const struct hwmon_chip_info mx_hwmon_chip = { .ops = &mx_hwmon_ops, .info = mx_hwmon_info };

/* ---- ioctl (include/uapi/mxrt/max30102.h; the decisions are kernel/max30102/ioc.cpp) ------------ */

/* The argument of any command, in the driver's layout (sized structs start with their size). */
union mx_ioc_arg {
	u32 size;
	struct mxrt_max30102_ioc_info info;
	struct mxrt_max30102_ioc_config config;
	struct mxrt_max30102_ioc_stats stats;
	struct mxrt_max30102_ioc_vitals vitals;
	struct mxrt_max30102_ioc_temp temp;
	u64 u64;
	u32 u32;
};

static void mx_ioc_info(struct mx_dev *md, struct mxrt_max30102_ioc_info *i)
{
	i->abi_version = MXRT_MAX30102_ABI_VERSION;
	i->part_id = MAX30102_PART_ID_VALUE; /* probe refuses any other */
	i->revision_id = md->rev_id;
	i->device_index = md->id;
	i->flags = md->irq > 0 ? MXRT_MAX30102_INFO_IRQ : 0;
	strscpy(i->driver_version, MX_DRIVER_VERSION, sizeof(i->driver_version));
}

/* As a sysfs write, for the whole configuration at once (mx_set_field). */
static int mx_ioc_set_config(struct mx_dev *md, const struct mxrt_max30102_ioc_config *u, u32 usize,
			     u64 deadline)
{
	struct mxrt_max30102_config c;
	int err;

	err = mxrt_ioc_config_in(u, usize, &c);
	err = err ?: mx_ioc_lock(md, deadline);
	if (err)
		return err;
	err = mx_reconfigure_locked(md, &c);
	mx_ioc_unlock(md);
	if (!err)
		mx_kick_thread(md); /* the poll and watchdog intervals may have changed */
	return err;
}

static int mx_ioc_get_config(struct mx_dev *md, struct mxrt_max30102_ioc_config *u, u64 deadline)
{
	int err = mx_ioc_lock(md, deadline);

	if (err)
		return err;
	mxrt_ioc_config_out(&md->cfg, u);
	mx_ioc_unlock(md);
	return 0;
}

/* What debugfs `stats` shows (this file's reader counters: mx_ioctl_call, before md_srcu). */
static int mx_ioc_stats(struct mx_dev *md, struct mxrt_max30102_ioc_stats *s, u64 deadline)
{
	struct mx_shared *sh = md->sh;
	struct mxrt_ring *ring;
	int err;

	err = mx_ioc_lock(md, deadline);
	if (err)
		return err;
	ring = rcu_dereference_protected(sh->ring, lockdep_is_held(&md->lock));
	s->ring_size = mxrt_ring_size(ring);
	s->ring_head = mxrt_ring_head(ring);
	mxrt_ioc_stats_acq(&md->acq, &md->health, md->irq > 0, s);
	s->boosts = md->boost.boosts;
	mx_ioc_unlock(md);
	s->readers = atomic_read(&sh->readers);
	s->i2c_errors = atomic64_read(&md->st.i2c_errors);
	s->bus_stuck = READ_ONCE(md->bus.stuck);
	s->bus_recoveries = READ_ONCE(md->bus.recoveries);
	s->bus_reinits = READ_ONCE(md->bus.reinits);
	s->temp_reads = atomic64_read(&md->st.temp_reads);
	s->system_suspends = atomic64_read(&md->st.sys_suspends);
	s->system_resumes = atomic64_read(&md->st.sys_resumes);
	s->ring_resizes = atomic64_read(&md->st.resizes);
	s->ring_syncs = atomic64_read(&md->st.ring_syncs);
	s->ring_last_sync_ns = atomic64_read(&md->st.ring_last_sync_ns);
	s->reader_overruns_closed = atomic64_read(&sh->overruns);
	s->reader_lost_closed = atomic64_read(&sh->overrun_lost);
	s->latency_count = READ_ONCE(sh->lat.count);
	s->latency_p50_ns = mxrt_log2_hist_percentile(&sh->lat, 500);
	s->latency_p99_ns = mxrt_log2_hist_percentile(&sh->lat, 990);
	s->latency_max_ns = READ_ONCE(sh->lat.max);
	return 0;
}

static int mx_ioc_temp(struct mx_dev *md, struct mxrt_max30102_ioc_temp *t, u64 deadline)
{
	long millic;
	int err = mx_read_temp(md, &millic, deadline);

	if (err)
		return err;
	t->millicelsius = millic;
	t->timestamp_ns = ktime_get_ns();
	return 0;
}

/*
 * The file's reader lock for an ioctl, by @deadline as mx_lock_until: a read() holds it across its
 * copy to user space, which a page fault can hold up for as long as user space likes (a FUSE or
 * userfaultfd mapping). 0 with mf->lock held, -ETIMEDOUT, -ERESTARTNOHAND.
 */
static int mx_file_lock_until(struct mx_file *mf, u64 deadline)
{
	struct mx_deadline w;
	int err;

	if (mutex_trylock(&mf->lock))
		return 0;
	if (ktime_get_ns() >= deadline)
		return -ETIMEDOUT;
	mx_deadline_arm(&w, deadline);
	do {
		err = mutex_lock_interruptible(&mf->lock);
	} while (mx_deadline_notified(&w, err));
	return mx_deadline_disarm(&w, err);
}

/*
 * Under the file's reader lock, as a read(): the ring's cursor is the reader's. Not inside
 * md_srcu (it needs no device): mx_ioctl_call says why. -ENODEV once the device is gone.
 */
static int mx_ioc_flush(struct mx_file *mf, u64 *flushed, u64 deadline)
{
	struct mxrt_ring *ring;
	int err = mx_file_lock_until(mf, deadline);

	if (err)
		return err;
	/*
	 * -ENODEV from the moment the unbind forgets the device, as for every other ioctl: not only
	 * once the stream has ended (dead), or a FLUSH in between discarded the FIFO's last read-out.
	 */
	if (!rcu_access_pointer(mf->sh->md) || READ_ONCE(mf->sh->dead)) {
		mutex_unlock(&mf->lock);
		return -ENODEV;
	}
	rcu_read_lock();
	ring = rcu_dereference(mf->sh->ring);
	*flushed = ring ? mxrt_ring_reader_flush(ring, &mf->rd) : 0;
	rcu_read_unlock();
	mutex_unlock(&mf->lock);
	return 0;
}

/* One decoded command on a bound device (inside sh->md_srcu's read side). */
static int mx_ioc_run(struct mx_dev *md, struct mx_file *mf, const struct mxrt_ioc_cmd *c,
		      union mx_ioc_arg *k, u32 usize, u64 deadline)
{
	struct mxrt_vitals_out v;
	int err;

	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&md->sh->md_srcu), "md used outside md_srcu");
	switch (c->op) {
	case MXRT_MAX30102_NR_GET_INFO:
		mx_ioc_info(md, &k->info);
		return 0;
	case MXRT_MAX30102_NR_GET_CONFIG:
		return mx_ioc_get_config(md, &k->config, deadline);
	case MXRT_MAX30102_NR_SET_CONFIG:
		return mx_ioc_set_config(md, &k->config, usize, deadline);
	case MXRT_MAX30102_NR_GET_STATS:
		return mx_ioc_stats(md, &k->stats, deadline);
	case MXRT_MAX30102_NR_GET_VITALS:
		mxrt_ioc_vitals_out(&v, mx_vitals_latest(md, &v), &k->vitals);
		return 0;
	case MXRT_MAX30102_NR_GET_TEMP:
		return mx_ioc_temp(md, &k->temp, deadline);
	case MXRT_MAX30102_NR_GET_LOCK_TIMEOUT:
		k->u32 = READ_ONCE(mf->lock_timeout_ms);
		return 0;
	case MXRT_MAX30102_NR_SET_LOCK_TIMEOUT:
		err = mxrt_ioc_check_lock_timeout(k->u32);
		if (!err)
			WRITE_ONCE(mf->lock_timeout_ms, k->u32);
		return err;
	}
	return -ENOTTY;
}

/*
 * Copies the argument in as the core says (a sized struct: its size, then copy_struct_from_user
 * for input; a scalar: its bytes), runs the command on the device if it is still bound, copies the
 * result out. An output scalar's buffer is checked writable before the command runs, so a bad
 * pointer gets -EFAULT with nothing done (FLUSH discards nothing).
 */
static long mx_ioctl_call(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mx_file *mf = file->private_data;
	struct mx_shared *sh = mf->sh;
	void __user *uarg = (void __user *)arg;
	struct mxrt_ioc_cmd c;
	union mx_ioc_arg k;
	struct mx_dev *md;
	u32 dir = 0, usize = 0, n, clear;
	u64 deadline;
	int err, idx;

	if (_IOC_DIR(cmd) & _IOC_WRITE)
		dir |= MXRT_IOC_DIR_WRITE;
	if (_IOC_DIR(cmd) & _IOC_READ)
		dir |= MXRT_IOC_DIR_READ;
	err = mxrt_ioc_decode(_IOC_TYPE(cmd), _IOC_NR(cmd), dir, _IOC_SIZE(cmd), &c);
	if (err)
		return err;
	if (c.needs_write && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	memset(&k, 0, sizeof(k));
	if (c.sized) {
		if (get_user(usize, (u32 __user *)uarg))
			return -EFAULT;
		err = mxrt_ioc_check_size(&c, _IOC_SIZE(cmd), usize);
		if (!err && c.in)
			err = copy_struct_from_user(&k, c.ksize, uarg, usize);
		if (err)
			return err;
		/*
		 * An output the caller cannot take is refused before the command does its work (a
		 * GET_TEMP converted and counted, then failed at the copy): the pages are faulted in
		 * for writing without being written. One unmapped meanwhile still fails at the copy.
		 */
		if (c.out && fault_in_safe_writeable((const char __user *)uarg, usize))
			return -EFAULT;
	} else if (c.in) {
		if (copy_from_user(&k, uarg, c.ksize))
			return -EFAULT;
	} else if (c.out && clear_user(uarg, c.ksize)) {
		return -EFAULT;
	}

	/*
	 * This file's reader lock is taken outside md_srcu, whose readers unbind waits for: a read()
	 * holds it across its copy to user space, which can wait on a page fault for as long as
	 * user space likes (a FUSE or userfaultfd mapping), and an ioctl waiting for it inside
	 * md_srcu would hold unbind up as long. Inside md_srcu only md->lock is waited for. Both
	 * waits together end by one deadline: the file's lock timeout from now.
	 */
	deadline = ktime_get_ns() + (u64)READ_ONCE(mf->lock_timeout_ms) * NSEC_PER_MSEC;
	if (c.op == MXRT_MAX30102_NR_FLUSH) {
		err = mx_ioc_flush(mf, &k.u64, deadline);
	} else {
		if (c.op == MXRT_MAX30102_NR_GET_STATS) {
			err = mx_file_lock_until(mf, deadline);
			if (err)
				return err;
			mxrt_ioc_stats_file(&mf->rd, &k.stats);
			mutex_unlock(&mf->lock);
		}
		idx = srcu_read_lock(&sh->md_srcu);
		md = srcu_dereference(sh->md, &sh->md_srcu);
		err = md ? mx_ioc_run(md, mf, &c, &k, usize, deadline) : -ENODEV;
		srcu_read_unlock(&sh->md_srcu, idx);
	}
	if (err || !c.out)
		return err;
	if (!c.sized)
		return copy_to_user(uarg, &k, c.ksize) ? -EFAULT : 0;
	n = mxrt_ioc_out(&c, usize, &k, &clear);
	if (copy_to_user(uarg, &k, n) || clear_user(uarg + n, clear))
		return -EFAULT;
	return 0;
}

/*
 * test_hooks only: ioctls that returned with TIF_SIGPENDING set and no signal, stop or freeze
 * behind it, which only a deadline's fake signal (mx_deadline_fire) that mx_deadline_disarm did
 * not take back leaves. User space cannot see one (the way out recomputes the flag), and no wait
 * the driver has now comes after a fired one with time left (each later wait of the call finds
 * the deadline past: a trylock or -ETIMEDOUT), so this count is the only place it shows; it
 * would end at once any interruptible wait added after one. debugfs test_hold shows it.
 */
static atomic_t mx_test_stray_sigpending;

static void mx_test_count_stray_sigpending(void)
{
	struct task_struct *t = current;
	bool stray;

	if (!test_thread_flag(TIF_SIGPENDING))
		return;
	spin_lock_irq(&t->sighand->siglock);
	stray = sigisemptyset(&t->pending.signal) && sigisemptyset(&t->signal->shared_pending.signal) &&
		!(t->jobctl & (JOBCTL_PENDING_MASK | JOBCTL_TRAP_FREEZE)) && !freezing(t);
	spin_unlock_irq(&t->sighand->siglock);
	if (stray)
		atomic_inc(&mx_test_stray_sigpending);
}

static long mx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	long ret = mx_ioctl_call(file, cmd, arg);

	if (test_hooks)
		mx_test_count_stray_sigpending();
	return ret;
}

/* ---- debugfs ---------------------------------------------------------------------------------- */

/*
 * acq_cpus, where the hard IRQ is (it follows acq_cpus where the interrupt chip can steer it,
 * until irqbalance or /proc/irq/N/smp_affinity sets it elsewhere: the threads stay, the hard
 * IRQ goes), and the thread moves the scheduler refused or narrowed. Without md->lock (each
 * takes one from the acquisition thread): the masks are read as they are, a debugfs view.
 */
static void mx_show_cpus(struct seq_file *s, struct mx_dev *md)
{
	struct irq_data *d = md->irq > 0 ? irq_get_irq_data(md->irq) : NULL;
	const struct cpumask *eff = d ? irq_data_get_effective_affinity_mask(d) : NULL;
	bool written = atomic_read(&md->acq_cpus_gen) != 0;

	seq_printf(s, "acq_cpus: %*pbl\n", cpumask_pr_args(&md->acq_cpus));
	if (!eff)
		seq_puts(s, "irq_affinity: no irq\n");
	else if (md->irq_aff_err)
		seq_printf(s, "irq_affinity: not steerable, threads only (%d)\n", md->irq_aff_err);
	else if (written && data_race(!cpumask_subset(eff, &md->acq_cpus)))
		seq_printf(s, "irq_affinity: set elsewhere, %*pbl (irqbalance or /proc/irq/%d/smp_affinity)\n",
			   cpumask_pr_args(eff), md->irq);
	else
		seq_puts(s, "irq_affinity: follows\n");
	seq_printf(s, "acq_cpus_errors: %d (last %d)\nacq_cpus_narrowed: %d\n", atomic_read(&md->acq_cpus_errors),
		   READ_ONCE(md->acq_cpus_err), atomic_read(&md->acq_cpus_narrowed));
}

static int mx_stats_show(struct seq_file *s, void *unused)
{
	struct mx_dev *md = s->private;
	struct mx_shared *sh = md->sh;
	struct mxrt_irq_health *h = &md->health;
	struct mxrt_ring *ring;
	struct mxrt_acq acq;
	struct mxrt_vitals_config vcfg;
	struct mxrt_vitals_trace vtr;
	struct mxrt_vitals_out vout;
	bool vpresent;
	u64 boosts, head;
	u32 size;
	int b;

	mx_lock(md); /* one consistent snapshot of what md->lock guards */
	ring = rcu_dereference_protected(sh->ring, lockdep_is_held(&md->lock));
	size = mxrt_ring_size(ring);
	head = mxrt_ring_head(ring);
	acq = md->acq;
	boosts = md->boost.boosts;
	mxrt_vitals_get_config(&md->vitals, &vcfg);
	mxrt_vitals_get_trace(&md->vitals, &vtr);
	rt_mutex_unlock(&md->lock);
	vpresent = mx_vitals_latest(md, &vout);
	seq_printf(s, "irq: %d%s\nirqs: %llu\nirq_spurious: %llu\nirq_missed: %llu\nirq_stuck: %llu\n"
		   "irq_watchdog_expiries: %llu\nirq_watchdog_ms: %u\nirq_missed_gap_us: last=%llu max=%llu\n",
		   md->irq, READ_ONCE(h->off) ? " (disabled: stuck)" : "", READ_ONCE(h->irqs),
		   READ_ONCE(h->spurious), READ_ONCE(h->missed), READ_ONCE(h->stuck),
		   READ_ONCE(h->expiries), md->irq > 0 ? acq.watchdog_ms : 0,
		   READ_ONCE(h->missed_gap_ns) / 1000, READ_ONCE(h->missed_gap_max_ns) / 1000);
	seq_printf(s, "bus_timeout_ms: %u\nbus_stuck: %llu\nbus_watchdog_expiries: %llu\n"
		   "bus_recoveries: %llu\nbus_recovery_errors: %llu\nbus_no_recovery: %llu\nbus_reinits: %llu\n",
		   bus_timeout_ms, READ_ONCE(md->bus.stuck), READ_ONCE(md->bus.expiries),
		   READ_ONCE(md->bus.recoveries), READ_ONCE(md->bus.recovery_errors),
		   READ_ONCE(md->bus.no_recovery), READ_ONCE(md->bus.reinits));
	seq_printf(s, "system_suspends: %lld\nsystem_resumes: %lld\n", atomic64_read(&md->st.sys_suspends),
		   atomic64_read(&md->st.sys_resumes));
	seq_printf(s, "lock_yields: %lld\nlock_yield_timeouts: %lld\n", atomic64_read(&md->lock_yields),
		   atomic64_read(&md->lock_yield_timeouts));
	mx_show_cpus(s, md);
	seq_printf(s, "polls: %llu\ni2c_errors: %lld\nbursts: %llu\nmax_backlog: %llu\nboosts: %llu\n",
		   READ_ONCE(h->polls), atomic64_read(&md->st.i2c_errors), acq.bursts, acq.max_backlog,
		   boosts);
	seq_printf(s, "samples: %llu\nfifo_overflows: %llu\nfifo_lost: %llu\nfifo_lost_estimated: %llu\n"
		   "fifo_late_rollovers: %llu\nfifo_look_errors: %llu\nfifo_looks_unsure: %llu\n"
		   "fifo_reads_again: %llu\nfifo_lost_unseen: %llu\nreanchors: %llu\nnext_seq: %llu\n"
		   "chip_resets: %llu\nconfigs_took: %llu\n",
		   acq.samples, acq.fifo_overflows, acq.lost, acq.lost_estimated, acq.late_rollovers,
		   acq.look_errors, acq.looks_unsure, acq.reads_again, acq.lost_unseen, acq.reanchors,
		   acq.next_seq, acq.chip_resets, acq.configs_took);
	seq_printf(s, "ring_size: %u\nring_head: %llu\nring_resizes: %lld\nreaders: %d\n"
		   "reader_overruns_closed: %lld\nreader_lost_closed: %lld\n", size, head,
		   atomic64_read(&md->st.resizes), atomic_read(&sh->readers), atomic64_read(&sh->overruns),
		   atomic64_read(&sh->overrun_lost));
	/* RCU progress: the grace-period cookie advances as grace periods end */
	seq_printf(s, "rcu_gp_cookie: %lu\nring_syncs: %lld\nring_last_sync_ns: %lld\ntemp_reads: %lld\n"
		   "temp_voided: %lld\n",
		   get_state_synchronize_rcu(), atomic64_read(&md->st.ring_syncs),
		   atomic64_read(&md->st.ring_last_sync_ns), atomic64_read(&md->st.temp_reads),
		   atomic64_read(&md->temp_voided));
	/* the estimator: its configuration (mxrt-vitals-eval --cal A,B --finger ON,OFF) and output */
	seq_printf(s, "vitals_enable: %d\nvitals_config: cal=%d,%d finger=%u,%u\n"
		   "vitals_beats: %llu\nvitals_restarts: %u\nvitals_refused: %lld\n",
		   READ_ONCE(md->vitals_on), vcfg.spo2_a_milli, vcfg.spo2_b_milli, vcfg.finger_on_level,
		   vcfg.finger_off_level, vtr.beats, vtr.restarts, atomic64_read(&md->vitals_refused));
	seq_printf(s, "vitals: present=%d seq=%llu timestamp_ns=%llu hr_mbpm=%u spo2_mpct=%u confidence=%u flags=0x%x\n",
		   vpresent, vout.seq, vout.timestamp_ns, vout.hr_mbpm, vout.spo2_mpct, vout.confidence,
		   vout.flags);
	seq_printf(s, "irq_to_reader_ns: count=%llu p50=%llu p99=%llu max=%llu\n", READ_ONCE(sh->lat.count),
		   mxrt_log2_hist_percentile(&sh->lat, 500), mxrt_log2_hist_percentile(&sh->lat, 990),
		   READ_ONCE(sh->lat.max));
	for (b = 0; b < MXRT_LOG2_BUCKETS; b++)
		if (READ_ONCE(sh->lat.bucket[b]))
			seq_printf(s, "  [%llu, %llu] ns: %llu\n", mxrt_log2_bucket_low(b),
				   mxrt_log2_bucket_high(b), READ_ONCE(sh->lat.bucket[b]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mx_stats);

/*
 * locks (0400): the addresses of the locks this device waits on, one "ADDRESS NAME" line each, so
 * that a lock-contention tool (mxrt-contention, docs/contention.md) names them: the device lock,
 * the acquisition threads' queue for it (acq_lock, mx_lock_at), the test semaphore (only with
 * test_hooks), the runtime-PM lock of open files, the spinlocks of the three wait queues and the
 * root I2C adapter's bus lock, which every transfer of this device takes. Kernel addresses, deliberately unhashed (%px): root-only, like
 * /proc/kallsyms to root; the addresses are what the kernel's lock:contention_* tracepoints report.
 */
static int mx_locks_show(struct seq_file *s, void *unused)
{
	struct mx_dev *md = s->private;
	struct i2c_adapter *root = mx_root_adapter(md->client->adapter);

	seq_printf(s, "%px %s.lock\n", &md->lock, md->name);
	seq_printf(s, "%px %s.acq_lock\n", &md->acq_lock, md->name);
	if (test_hooks)
		seq_printf(s, "%px %s.test_sem\n", &md->test_sem, md->name);
	seq_printf(s, "%px %s.pm_lock\n", &md->sh->pm_lock, md->name);
	/* the wait queues' own locks: readers' (the ring), waiters for md->lock, the poll thread's */
	seq_printf(s, "%px %s.readers_wq\n", &md->sh->wq.lock, md->name);
	seq_printf(s, "%px %s.lock_wq\n", &md->lock_wq.lock, md->name);
	seq_printf(s, "%px %s.thread_wq\n", &md->thread_wq.lock, md->name);
	seq_printf(s, "%px i2c-%d.bus_lock\n", &root->bus_lock, root->nr);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mx_locks);

/*
 * test_hold (only with the test_hooks module parameter, for the VM tests of priority inheritance
 * and lock timeouts: tests/vm/guest/27-max30102-ioctl.sh). A write of "pi MS" holds md->lock, one
 * of "nopi MS" holds md->test_sem (a semaphore: no priority inheritance; ioctl callers take it
 * before md->lock in this mode), while the writer does MS ms of CPU work (udelay in 100 us steps,
 * with cond_resched so that a kernel without forced preemption can preempt it too). Meanwhile it
 * records its own priority: the base one, the highest it ran at (a waiter's, once it was boosted)
 * and how long it ran boosted. "sleep MS" holds md->lock while sleeping, as an I2C transfer does.
 * Reading shows the last hold. One hold at a time (-EBUSY).
 */
static int mx_rt_prio(int prio)
{
	return prio < MAX_RT_PRIO ? MAX_RT_PRIO - 1 - prio : 0;
}

static ssize_t mx_test_hold_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	struct mx_dev *md = file->private_data;
	char buf[32], mode[8], num[12];
	unsigned int ms, i;
	int base, prio, boosted = 0, end = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	/*
	 * "MODE MS" and nothing after it but blanks ("pi 10xyz", "sleep 5 9" were taken; "pi 10\0junk"
	 * too, sscanf stopping at the NUL); MS as kstrtouint reads it ("%u" wrapped 4294967297 to 1,
	 * inside the range check)
	 */
	if (!mx_text_ok(buf, len) || sscanf(buf, "%7s %11s%n", mode, num, &end) != 2 ||
	    *skip_spaces(buf + end) || num[0] == '+' || kstrtouint(num, 10, &ms) || ms == 0 || ms > 5000 ||
	    (strcmp(mode, "pi") && strcmp(mode, "nopi") && strcmp(mode, "sleep")))
		return -EINVAL;
	if (!mutex_trylock(&md->test_hold_mutex))
		return -EBUSY;
	base = mx_rt_prio(current->normal_prio);
	WRITE_ONCE(md->test_mode, mode[0] == 'p' ? "pi" : mode[0] == 's' ? "sleep" : "nopi");
	WRITE_ONCE(md->test_base_prio, base);
	WRITE_ONCE(md->test_max_prio, base);
	WRITE_ONCE(md->test_boosted_us, 0);
	if (mode[0] == 's') {
		mx_lock(md);
		WRITE_ONCE(md->test_holding, 1);
		msleep(ms);
		WRITE_ONCE(md->test_holding, 0);
		rt_mutex_unlock(&md->lock);
		mutex_unlock(&md->test_hold_mutex);
		return len;
	}
	if (mode[0] == 'p')
		mx_lock(md);
	else
		down(&md->test_sem);
	WRITE_ONCE(md->test_holding, 1);
	for (i = 0; i < ms * 10; i++) {
		udelay(100);
		prio = mx_rt_prio(READ_ONCE(current->prio)); /* the effective priority, with PI */
		if (prio > base)
			boosted++;
		if (prio > READ_ONCE(md->test_max_prio))
			WRITE_ONCE(md->test_max_prio, prio);
		cond_resched();
	}
	WRITE_ONCE(md->test_boosted_us, boosted * 100ull);
	WRITE_ONCE(md->test_holding, 0);
	if (mode[0] == 'p')
		rt_mutex_unlock(&md->lock);
	else
		up(&md->test_sem);
	mutex_unlock(&md->test_hold_mutex);
	return len;
}

static ssize_t mx_test_hold_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct mx_dev *md = file->private_data;
	const char *mode = READ_ONCE(md->test_mode);
	char buf[160];
	int n;

	n = scnprintf(buf, sizeof(buf),
		      "holding=%d mode=%s base_rt_prio=%d max_rt_prio=%d boosted_us=%llu stray_sigpending=%d\n",
		      READ_ONCE(md->test_holding), mode ? mode : "none", READ_ONCE(md->test_base_prio),
		      READ_ONCE(md->test_max_prio), READ_ONCE(md->test_boosted_us),
		      atomic_read(&mx_test_stray_sigpending));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations mx_test_hold_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = mx_test_hold_read,
	.write = mx_test_hold_write,
	.llseek = default_llseek,
};

/* ---- probe / remove --------------------------------------------------------------------------- */

/* The chip is shut down: the lost-interrupt watchdog rests until the next configuration. */
static void mx_irq_watch_off(struct mx_dev *md)
{
	if (md->irq_wd > 0)
		mxrt_wd_cancel(md->irq_wd);
}

/* After everything that may run an I2C sequence is gone: waits for a recovery that is running. */
static void mx_remove_watchdogs(void *data)
{
	struct mx_dev *md = data;

	if (md->irq_wd > 0)
		mxrt_wd_remove(md->irq_wd);
	mxrt_wd_remove(md->bus_wd);
}

/* The bus watchdog, and with an IRQ the lost-interrupt watchdog (its timeout is set at each apply). */
static int mx_add_watchdogs(struct mx_dev *md)
{
	char name[MXRT_WD_NAME_LEN];

	snprintf(name, sizeof(name), "max30102@%s:bus", dev_name(md->dev));
	md->bus_wd = mxrt_wd_add(bus_timeout_ms, mx_bus_recover, md, name);
	if (md->bus_wd < 0)
		return dev_err_probe(md->dev, md->bus_wd, "bus watchdog\n");
	if (md->irq > 0) {
		snprintf(name, sizeof(name), "max30102@%s:irq", dev_name(md->dev));
		md->irq_wd = mxrt_wd_add(MXRT_WD_MAX_TIMEOUT_MS, mx_irq_lost, md, name);
		if (md->irq_wd < 0) {
			mxrt_wd_remove(md->bus_wd);
			return dev_err_probe(md->dev, md->irq_wd, "lost-interrupt watchdog\n");
		}
	}
	return devm_add_action_or_reset(md->dev, mx_remove_watchdogs, md);
}

static bool mx_precious(struct device *dev, unsigned int reg)
{
	return reg == MAX30102_REG_INT_STATUS1 || reg == MAX30102_REG_INT_STATUS2 ||
	       reg == MAX30102_REG_FIFO_DATA;
}

static bool mx_noinc(struct device *dev, unsigned int reg)
{
	return reg == MAX30102_REG_FIFO_DATA;
}

static const struct regmap_config mx_regmap = {
	.reg_bits = 8,
	.val_bits = 8,
	.max_register = MAX30102_REG_PART_ID,
	.precious_reg = mx_precious,
	.readable_noinc_reg = mx_noinc,
	.disable_locking = true, /* md->lock serialises every sequence */
	.cache_type = REGCACHE_NONE,
};

/*
 * One u32 device property into *val, left as it is when the property is absent. Exactly one cell:
 * "mxrt,sample-rate-hz = <100 400>;" was read as 100, the rest ignored unsaid.
 */
static int mx_prop_u32(struct device *dev, const char *name, u32 *val)
{
	int n;

	if (!device_property_present(dev, name))
		return 0;
	n = device_property_count_u32(dev, name);
	if (n != 1)
		return dev_err_probe(dev, -EINVAL, "property %s: one u32 cell expected, %s%d\n", name,
				     n < 0 ? "unreadable: " : "found ", n);
	n = device_property_read_u32(dev, name, val);
	if (n)
		return dev_err_probe(dev, n, "property %s unreadable\n", name);
	return 0;
}

static int mx_read_props(struct mx_dev *md, u32 *ring_size)
{
	struct device *dev = md->dev;
	struct mxrt_max30102_config c;
	static const struct {
		const char *name;
		size_t off;
	} props[] = {
		{ "maxim,red-led-current-microamp", offsetof(struct mxrt_max30102_config, red_current_ua) },
		{ "maxim,ir-led-current-microamp", offsetof(struct mxrt_max30102_config, ir_current_ua) },
		{ "mxrt,sample-rate-hz", offsetof(struct mxrt_max30102_config, sample_rate_hz) },
		{ "mxrt,pulse-width-us", offsetof(struct mxrt_max30102_config, pulse_width_us) },
		{ "mxrt,adc-range-na", offsetof(struct mxrt_max30102_config, adc_range_na) },
		{ "mxrt,sample-average", offsetof(struct mxrt_max30102_config, sample_average) },
		{ "mxrt,fifo-almost-full", offsetof(struct mxrt_max30102_config, fifo_almost_full) },
	};
	int i, err;

	mxrt_max30102_config_default(&c);
	for (i = 0; i < ARRAY_SIZE(props); i++) {
		u32 *field = (u32 *)((char *)&c + props[i].off);

		err = mx_prop_u32(dev, props[i].name, field);
		if (err)
			return err;
	}
	/* 400 Hz with 411 us is allowed in SpO2 mode; faster rates need shorter pulses. */
	if (mxrt_max30102_config_validate(&c)) {
		/*
		 * Named: the one property that, put back to its default with the others as given,
		 * makes the configuration one the chip allows; else (none, or several) the
		 * combination of the properties given is said to be refused.
		 */
		struct mxrt_max30102_config def, one;
		const char *bad = NULL;
		int culprits = 0;

		mxrt_max30102_config_default(&def);
		for (i = 0; i < ARRAY_SIZE(props); i++) {
			const size_t off = props[i].off;

			if (!device_property_present(dev, props[i].name))
				continue;
			one = c;
			*(u32 *)((char *)&one + off) = *(const u32 *)((const char *)&def + off);
			if (!mxrt_max30102_config_validate(&one)) {
				bad = props[i].name;
				culprits++;
			}
		}
		if (culprits != 1)
			bad = NULL;
		return dev_err_probe(dev, -EINVAL,
				     "invalid configuration%s%s: %u Hz, %u us, %u nA, average %u, almost-full %u, LEDs %u/%u uA\n",
				     bad ? ": property " : " (more than one property, or their combination)",
				     bad ? bad : "", c.sample_rate_hz, c.pulse_width_us, c.adc_range_na,
				     c.sample_average, c.fifo_almost_full, c.red_current_ua, c.ir_current_ua);
	}
	*ring_size = 4096;
	err = mx_prop_u32(dev, "mxrt,ring-size", ring_size);
	if (err)
		return err;
	if (mx_ring_size_check(*ring_size))
		return dev_err_probe(dev, -EINVAL, "mxrt,ring-size %u: a power of two in [%u, %u]\n",
				     *ring_size, MX_RING_MIN, MXRT_RING_MAX_RECORDS);
	/*
	 * An interrupt the firmware describes but the I2C core could not map (a line its controller
	 * refuses, a parent that is no interrupt controller, a trigger type another device already
	 * has the line with) leaves client->irq 0, as if none were described: the driver would poll
	 * without a word. Refused instead, with the mapping's error (the controller's own message,
	 * when it gave one, comes before this one).
	 */
	if (md->irq <= 0 && (device_property_present(dev, "interrupts") ||
			     device_property_present(dev, "interrupts-extended"))) {
		int irq = fwnode_irq_get(dev_fwnode(dev), 0);

		if (irq == -EPROBE_DEFER)
			return dev_err_probe(dev, irq, "interrupt controller\n");
		if (irq <= 0)
			return dev_err_probe(dev, -EINVAL,
					     "property interrupts: described but cannot be used (%d): fix it, or remove it to poll\n",
					     irq);
		md->irq = irq;
	}
	md->cfg = c;
	return 0;
}

static void mx_disable_regulator(void *r)
{
	regulator_disable(r);
}

static void mx_enable_off(void *en)
{
	gpiod_set_value_cansleep(en, 0);
}

static int mx_supply(struct mx_dev *md, const char *name)
{
	struct regulator *r = devm_regulator_get_optional(md->dev, name);
	int err;

	if (IS_ERR(r)) {
		if (PTR_ERR(r) == -ENODEV)
			return 0; /* optional: not described */
		return dev_err_probe(md->dev, PTR_ERR(r), "%s supply\n", name);
	}
	err = regulator_enable(r);
	if (err)
		return dev_err_probe(md->dev, err, "%s supply enable\n", name);
	return devm_add_action_or_reset(md->dev, mx_disable_regulator, r);
}

/*
 * The first step of unbind after the misc device is gone (no new opens): readers are told
 * (-ENODEV, EPOLLHUP), the files' runtime-PM references are given back, and the chip is shut down
 * while runtime PM still works.
 */
/* Unbind (devm actions, one thread): later ioctls get -ENODEV, the running ones finish first. */
static void mx_forget_device(struct mx_shared *sh)
{
	if (!rcu_access_pointer(sh->md))
		return;
	rcu_assign_pointer(sh->md, NULL);
	synchronize_srcu(&sh->md_srcu);
}

static void mx_unbind_readers(void *data)
{
	struct mx_dev *md = data;
	struct mx_shared *sh = md->sh;
	unsigned int refs;

	mx_forget_device(sh);
	mutex_lock(&sh->pm_lock);
	sh->refs_gone = true;
	refs = sh->pm_refs;
	sh->pm_refs = 0;
	mutex_unlock(&sh->pm_lock);
	while (refs--)
		pm_runtime_put_noidle(md->dev);
	/*
	 * The shutdown reads the FIFO out into the ring: readers are told of the end only after it
	 * (mx_shutdown_unbound), or one that woke first got -ENODEV while another got those records.
	 * Refused while power/control=on holds a reference: mx_shutdown_unbound shuts it down then.
	 */
	pm_runtime_suspend(md->dev);
}

/* No record comes any more: reads return what the ring still holds for them, then -ENODEV. */
static void mx_end_stream(struct mx_shared *sh)
{
	smp_wmb(); /* the ring's last records before dead: pairs with mx_poll's smp_rmb */
	WRITE_ONCE(sh->dead, true);
	wake_up_interruptible_all(&sh->wq);
}

static int mx_runtime_suspend(struct device *dev);

/*
 * After runtime PM is disabled at unbind (it waits for a callback under way): a chip the PM core
 * could not suspend (power/control=on, or a reference still held) is shut down here, so that an
 * unbound chip never samples on with its LEDs lit. Its status says suspended, as it now is.
 */
static void mx_shutdown_unbound(void *data)
{
	struct mx_dev *md = data;

	if (!pm_runtime_status_suspended(md->dev)) {
		/*
		 * The last read-out failed here too (the PM core's try above did): what the FIFO
		 * still held, and what the chip sampled since, reach no record, and the counters go
		 * with the device. Said, so that no loss goes without a word.
		 */
		if (mx_runtime_suspend(md->dev))
			dev_warn(md->dev, "unbound with the chip unreachable: the samples its FIFO still held are lost, uncounted\n");
		pm_runtime_set_suspended(md->dev);
	}
	mx_end_stream(md->sh);
}

/*
 * Last: the device's reference to the ring and its readers. The ring stays while a file holds sh,
 * so that a reader the unbind woke reads the last records whenever it runs, and then gets -ENODEV
 * (mx_shared_free frees it with the last file).
 */
static void mx_teardown_shared(void *data)
{
	struct mx_dev *md = data;
	struct mx_shared *sh = md->sh;

	mx_end_stream(sh);    /* already, unless probe failed before mx_shutdown_unbound */
	mx_forget_device(sh); /* already, unless probe failed before mx_unbind_readers */
	mx_shared_put(sh);
}

static void mx_stop_thread(void *data)
{
	struct mx_dev *md = data;

	kthread_stop(md->thread);
	mx_lock(md);
	mxrt_boost_forget(&md->boost, md->thread);
	rt_mutex_unlock(&md->lock);
}

static void mx_misc_deregister(void *data)
{
	misc_deregister(data);
}

static void mx_dbg_remove(void *data)
{
	debugfs_remove_recursive(data);
}

static void mx_ida_free(void *data)
{
	ida_free(&mx_ida, (long)data);
}

/* Opening the input device keeps the sensor running, as an open /dev/max30102-N does. */
static int mx_input_open(struct input_dev *in)
{
	struct mx_dev *md = input_get_drvdata(in);

	return mx_pm_get(md->sh, md->dev);
}

static void mx_input_close(struct input_dev *in)
{
	struct mx_dev *md = input_get_drvdata(in);

	mx_pm_put(md->sh, md->dev);
}

/* The input device's events and ranges: docs/max30102.md, "Heart rate and SpO2". */
static int mx_input_alloc(struct mx_dev *md)
{
	struct input_dev *in = devm_input_allocate_device(md->dev);

	if (!in)
		return -ENOMEM;
	in->name = "MAX30102 pulse oximeter";
	in->phys = md->name; /* "max30102-N", written before the device is registered */
	in->id.bustype = BUS_I2C;
	in->open = mx_input_open;
	in->close = mx_input_close;
	input_set_abs_params(in, MXRT_MAX30102_ABS_HEART_RATE, 0, MXRT_VITALS_EV_HR_MAX, 0, 0);
	input_abs_set_res(in, MXRT_MAX30102_ABS_HEART_RATE, 10); /* units per bpm */
	input_set_abs_params(in, MXRT_MAX30102_ABS_SPO2, 0, MXRT_VITALS_EV_SPO2_MAX, 0, 0);
	input_abs_set_res(in, MXRT_MAX30102_ABS_SPO2, 10); /* units per % */
	input_set_abs_params(in, MXRT_MAX30102_ABS_CONFIDENCE, 0, 100, 0, 0);
	input_set_capability(in, EV_KEY, BTN_TOUCH);
	input_set_drvdata(in, md);
	md->input = in;
	return 0;
}

static int mx_probe(struct i2c_client *client)
{
	struct device *dev = &client->dev;
	struct mx_dev *md;
	struct mxrt_ring *ring;
	unsigned int part;
	u32 ring_size;
	int err, node = dev_to_node(dev);

	md = devm_kzalloc(dev, sizeof(*md), GFP_KERNEL);
	if (!md)
		return -ENOMEM;
	md->client = client;
	md->dev = dev;
	md->irq = client->irq;
	md->pm_kind = MXRT_PM_RUNTIME;
	__rt_mutex_init(&md->lock, "mxrt_max30102:dev_lock", &mx_dev_lock_key);
	init_waitqueue_head(&md->lock_wq);
	rt_mutex_init(&md->acq_lock);
	sema_init(&md->test_sem, 1);
	mutex_init(&md->test_hold_mutex);
	init_waitqueue_head(&md->thread_wq);
	cpumask_copy(&md->acq_cpus, cpu_possible_mask);
	i2c_set_clientdata(client, md);
	err = mx_read_props(md, &ring_size);
	if (err)
		return err;

	err = mx_supply(md, "vdd");
	err = err ?: mx_supply(md, "vled");
	if (err)
		return err;
	{
		struct gpio_desc *en = devm_gpiod_get_optional(dev, "enable", GPIOD_OUT_HIGH);

		if (IS_ERR(en))
			return dev_err_probe(dev, PTR_ERR(en), "enable GPIO\n");
		/*
		 * High while bound, as the binding says, and low again at unbind or a failed probe:
		 * freeing the line leaves it as it was, so the LDO or level shifter stayed on with no
		 * driver. (A supply with a ramp to wait for is a regulator: vdd-supply, whose
		 * startup-delay-us the regulator core honours.)
		 */
		if (en) {
			err = devm_add_action_or_reset(dev, mx_enable_off, en);
			if (err)
				return err;
		}
	}

	md->map = devm_regmap_init_i2c(client, &mx_regmap);
	if (IS_ERR(md->map))
		return dev_err_probe(dev, PTR_ERR(md->map), "regmap\n");
	err = regmap_read(md->map, MAX30102_REG_PART_ID, &part);
	if (err)
		return dev_err_probe(dev, err, "no answer at 0x%02x\n", client->addr);
	if (part != MAX30102_PART_ID_VALUE)
		return dev_err_probe(dev, -ENODEV, "part ID 0x%02x, not a MAX30102 (0x%02x)\n", part,
				     MAX30102_PART_ID_VALUE);
	err = regmap_read(md->map, MAX30102_REG_REV_ID, &md->rev_id);
	if (err)
		return dev_err_probe(dev, err, "revision ID\n");
	/* Reset: every register to its power-on value; the bit clears itself within 1 ms. */
	err = regmap_write(md->map, MAX30102_REG_MODE_CONFIG, MAX30102_MODE_RESET);
	if (!err) {
		unsigned int mode;

		err = regmap_read_poll_timeout(md->map, MAX30102_REG_MODE_CONFIG, mode,
					       !(mode & MAX30102_MODE_RESET), 1000, 100000);
	}
	if (err)
		return dev_err_probe(dev, err, "reset\n");
	{
		unsigned int st;

		regmap_read(md->map, MAX30102_REG_INT_STATUS1, &st); /* clears PWR_RDY: INT released */
	}

	md->burst = devm_kzalloc(dev, MAX30102_FIFO_DEPTH * MAX30102_MAX_CHANNELS *
				 MAX30102_BYTES_PER_CHANNEL, GFP_KERNEL);
	md->recs = devm_kcalloc(dev, MAX30102_FIFO_DEPTH, sizeof(*md->recs), GFP_KERNEL);
	md->sh = kzalloc_node(sizeof(*md->sh), GFP_KERNEL, node);
	if (!md->burst || !md->recs || !md->sh) {
		kfree(md->sh);
		return -ENOMEM;
	}
	{
		struct mxrt_vitals_config vc;

		mxrt_vitals_config_default(&vc);
		err = mxrt_vitals_init(&md->vitals, &vc);
		if (err) {
			kfree(md->sh);
			return err;
		}
		mxrt_vitals_set_sensor(&md->vitals, &md->cfg);
		mxrt_vitals_snapshot_init(&md->vitals_snap);
		md->vitals_on = true;
	}
	err = init_srcu_struct(&md->sh->md_srcu);
	if (err) {
		kfree(md->sh);
		return err;
	}
	kref_init(&md->sh->ref);
	RCU_INIT_POINTER(md->sh->md, md);
	init_waitqueue_head(&md->sh->wq);
	mxrt_log2_hist_init(&md->sh->lat);
	__mutex_init(&md->sh->pm_lock, "mxrt_max30102:pm_lock", &mx_pm_lock_key);
	err = mxrt_ring_create(ring_size, node, &ring);
	if (err) {
		mx_shared_put(md->sh);
		return err;
	}
	RCU_INIT_POINTER(md->sh->ring, ring);
	err = devm_add_action_or_reset(dev, mx_teardown_shared, md);
	if (err)
		return err;

	err = mx_add_watchdogs(md);
	if (err)
		return err;

	/*
	 * The input device exists before anything acquires (the acquisition path reports to it);
	 * it is registered last, once opening it can resume the chip.
	 */
	err = mx_input_alloc(md);
	if (err)
		return err;

	/* Configure once (errors show now), then shut down until somebody reads (runtime PM resumes). */
	mx_lock(md);
	mx_guard(md);
	err = mx_apply_locked(md, &md->cfg);
	err = err ?: mx_stop_locked(md);
	mx_unguard(md);
	if (!err) {
		mxrt_acq_suspended(&md->acq, MXRT_PM_RUNTIME, 0);
		/* what the FIFO held at the stop was fed to the estimator: off means no values */
		mx_vitals_withdraw_locked(md);
	}
	rt_mutex_unlock(&md->lock);
	if (err)
		return dev_err_probe(dev, err, "configure\n");
	mx_irq_watch_off(md); /* shut down: no interrupt expected */

	if (md->irq > 0) {
		u32 trigger = irq_get_trigger_type(md->irq);

		/*
		 * INT is active low (open drain, held low until the status is read): a rising-edge or
		 * high-level sense fires for every idle moment, and the driver then sees a "stuck"
		 * interrupt and polls. Said once, with what to write in the device tree.
		 */
		if (trigger & (IRQ_TYPE_EDGE_RISING | IRQ_TYPE_LEVEL_HIGH))
			dev_warn(dev, "interrupt %d is sensed %s, but INT is active low: give it IRQ_TYPE_EDGE_FALLING or IRQ_TYPE_LEVEL_LOW (interrupts = <... 2> or <... 8>)\n",
				 md->irq, trigger & IRQ_TYPE_LEVEL_HIGH ? "high" : "on rising edges");
		err = devm_request_threaded_irq(dev, md->irq, mx_hardirq, mx_irq_thread,
						IRQF_ONESHOT | IRQF_NO_AUTOEN, dev_name(dev), md);
		if (err) /* -EBUSY: the line is another device's (two chips on one INT line?) */
			return dev_err_probe(dev, err, "interrupt %d%s\n", md->irq,
					     err == -EBUSY ? ": another device has it (see genirq's message above): one INT line a chip" : "");
	}
	md->thread = kthread_create_on_node(mx_thread_fn, md, node, "max30102-%s",
					    md->irq > 0 ? "wd" : "poll");
	if (IS_ERR(md->thread))
		return PTR_ERR(md->thread);
	sched_set_fifo(md->thread); /* the same class as IRQ threads */
	wake_up_process(md->thread);
	err = devm_add_action_or_reset(dev, mx_stop_thread, md);
	if (err)
		return err;

	/* runs after runtime PM is disabled (devm: reverse order) */
	err = devm_add_action_or_reset(dev, mx_shutdown_unbound, md);
	if (err)
		return err;
	pm_runtime_set_suspended(dev);
	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_use_autosuspend(dev);
	err = devm_pm_runtime_enable(dev);
	if (err)
		return err;
	err = devm_add_action_or_reset(dev, mx_unbind_readers, md); /* runs before runtime PM goes */
	if (err)
		return err;
	/*
	 * After mx_unbind_readers: gone (its reads over) before the unbind's shutdown. A temperature
	 * read holds a runtime-PM reference: one under way then kept the chip sampling, unbound.
	 */
	md->hwmon = devm_hwmon_device_register_with_info(dev, "max30102", md, &mx_hwmon_chip, NULL);
	if (IS_ERR(md->hwmon))
		return dev_err_probe(dev, PTR_ERR(md->hwmon), "hwmon\n");

	md->id = ida_alloc(&mx_ida, GFP_KERNEL);
	if (md->id < 0)
		return md->id;
	err = devm_add_action_or_reset(dev, mx_ida_free, (void *)(long)md->id);
	if (err)
		return err;
	snprintf(md->name, sizeof(md->name), "max30102-%d", md->id);
	md->dbg = debugfs_create_dir(md->name, mx_dbg_root);
	debugfs_create_file("stats", 0444, md->dbg, md, &mx_stats_fops);
	debugfs_create_file("locks", 0400, md->dbg, md, &mx_locks_fops);
	if (test_hooks)
		debugfs_create_file("test_hold", 0600, md->dbg, md, &mx_test_hold_fops);
	err = devm_add_action_or_reset(dev, mx_dbg_remove, md->dbg);
	if (err)
		return err;
	md->misc.minor = MISC_DYNAMIC_MINOR;
	md->misc.name = md->name;
	md->misc.fops = &mx_fops;
	md->misc.parent = dev;
	/*
	 * Readable by all; writable (SET_CONFIG) by its owner, root. 0444 left writing to
	 * CAP_DAC_OVERRIDE, which mxrtd.service's bounding set (CAP_SYS_NICE CAP_IPC_LOCK) does not
	 * hold: the daemon opened it read-only and could not configure the chip (EBADF, exit 1).
	 */
	md->misc.mode = 0644;
	err = misc_register(&md->misc);
	if (err)
		return dev_err_probe(dev, err, "misc device\n");
	err = devm_add_action_or_reset(dev, mx_misc_deregister, &md->misc);
	if (err)
		return err;
	/* after mx_unbind_readers: unregistered (and closed) before the readers' references go */
	err = input_register_device(md->input);
	if (err)
		return dev_err_probe(dev, err, "input device\n");
	/*
	 * power/control=on outlives a binding: set before this one, the chip runs now, as it says.
	 * It stayed suspended (not sampling) until the first open, and was shut down at its close.
	 */
	if (!dev->power.runtime_auto)
		pm_runtime_resume(dev);
	dev_info(dev, "MAX30102 as /dev/%s: %s, %u Hz, %u us, ring %u, %s\n", md->name,
		 mx_mode_names[FIELD_GET(MAX30102_MODE, md->cfg.mode)], md->cfg.sample_rate_hz,
		 md->cfg.pulse_width_us, ring_size, md->irq > 0 ? "interrupt" : "polling");
	return 0;
}

/* ---- power management -------------------------------------------------------------------------- */

/*
 * Shut down, with the FIFO read out first. A bus error: the core says what the PM core hears
 * (a runtime suspend is retried at the next autosuspend expiry: hence mark_last_busy; a system
 * suspend goes on).
 */
static int mx_runtime_suspend(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err;

	mx_lock(md);
	mx_guard(md);
	err = mx_stop_locked(md);
	mx_unguard(md);
	if (err)
		dev_warn(dev, "shutdown failed: %d\n", err);
	err = mxrt_acq_suspended(&md->acq, READ_ONCE(md->pm_kind), err);
	if (!err) { /* the sensor is off: no values until it runs again */
		mx_vitals_withdraw_locked(md);
		md->temp_started_ns = 0; /* a conversion under way does not survive it */
	}
	rt_mutex_unlock(&md->lock);
	if (err) {
		pm_runtime_mark_last_busy(dev);
		return err;
	}
	mx_irq_watch_off(md);
	if (md->irq > 0)
		disable_irq(md->irq);
	return 0;
}

/*
 * Everything written again (the chip may have lost power). A bus error does not fail the resume,
 * which would stick until rebind: the chip is STALE and the acquisition path writes the
 * configuration again until it succeeds.
 */
static int mx_runtime_resume(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err;

	mx_lock(md);
	mx_guard(md);
	err = mx_apply_locked(md, &md->cfg);
	mx_unguard(md);
	if (err)
		dev_warn(dev, "configuration at resume failed (%d): retrying\n", err);
	err = mxrt_acq_resumed(&md->acq, err);
	rt_mutex_unlock(&md->lock);
	if (!err && md->irq > 0)
		enable_irq(md->irq);
	mx_kick_thread(md); /* a stale chip gets its configuration from the thread without delay */
	return err;
}

/* System sleep: the runtime-PM path (shut down, IRQ off; everything re-applied on resume). */
static int mx_system_suspend(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err;

	WRITE_ONCE(md->pm_kind, MXRT_PM_SYSTEM);
	err = pm_runtime_force_suspend(dev);
	WRITE_ONCE(md->pm_kind, MXRT_PM_RUNTIME);
	if (!err)
		atomic64_inc(&md->st.sys_suspends);
	return err;
}

static int mx_system_resume(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err = pm_runtime_force_resume(dev);

	if (!err)
		atomic64_inc(&md->st.sys_resumes);
	return err;
}

static const struct dev_pm_ops mx_pm = {
	SYSTEM_SLEEP_PM_OPS(mx_system_suspend, mx_system_resume)
	RUNTIME_PM_OPS(mx_runtime_suspend, mx_runtime_resume, NULL)
};

static const struct i2c_device_id mx_id[] = {
	{ "max30102" },
	{}
};
MODULE_DEVICE_TABLE(i2c, mx_id);

static const struct of_device_id mx_of_match[] = {
	{ .compatible = "maxim,max30102" },
	{}
};
MODULE_DEVICE_TABLE(of, mx_of_match);

static struct i2c_driver mx_driver = {
	.driver = {
		.name = "mxrt_max30102",
		.of_match_table = mx_of_match,
		.dev_groups = mx_groups,
		.pm = pm_ptr(&mx_pm),
	},
	.MXRT_I2C_PROBE = mx_probe,
	.id_table = mx_id,
};

static int __init mx_init(void)
{
	int err;

	mx_dbg_root = debugfs_create_dir("mxrt_max30102", NULL);
	err = i2c_add_driver(&mx_driver);
	if (err)
		debugfs_remove_recursive(mx_dbg_root);
	return err;
}

static void __exit mx_exit(void)
{
	i2c_del_driver(&mx_driver);
	debugfs_remove_recursive(mx_dbg_root);
}

module_init(mx_init);
module_exit(mx_exit);
MODULE_DESCRIPTION("MAX30102 pulse oximeter: real-time acquisition into a lock-free multi-reader ring");
MODULE_VERSION(MX_DRIVER_VERSION);
MODULE_LICENSE("GPL");
