// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel, module mxrt_max30102. The MAX30102 acquisition driver's kernel side: I2C
 * (regmap), the threaded interrupt, the polling/lost-interrupt thread, the SRCU-protected sample
 * ring behind /dev/max30102-N, sysfs, hwmon, debugfs and runtime PM. The decisions (configuration
 * rules, FIFO decoding, sequence numbers, timestamps, overflow accounting, the ring itself) are
 * the C++ core's: kernel/max30102/acq.cpp and kernel/max30102/ring.cpp.
 *
 * Locking:
 *   md->lock (rt_mutex, priority inheritance): the configuration and every I2C sequence that must
 *     not interleave (status + pointers + FIFO burst; temperature start/read; configuration
 *     writes). The acquisition path is the ring's only producer because it holds md->lock.
 *   mf->lock (mutex, per open file): the file's reader state and bounce buffer; one read() of a
 *     file at a time (threads sharing a file would otherwise get records twice).
 *   sh->srcu: the ring's lifetime. Readers (read/poll) hold the SRCU read side while they copy
 *     from the ring into the file's bounce buffer; resize and unbind publish a new ring (or NULL)
 *     and free the old one after a grace period. sh outlives the device while files are open (kref).
 *
 * Record flow: INT -> hard handler (timestamp) -> IRQ thread: status, pointers, one burst read of
 * the whole FIFO (FIFO_DATA does not auto-increment, so regmap_noinc_read) -> records -> ring ->
 * wake readers. Without an IRQ the poll thread does the same on a timer; with one, the same thread
 * is the lost-interrupt watchdog: if no acquisition happened for 1.25 almost-full periods it reads
 * the FIFO itself (counted as irq_missed when it finds samples).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/gpio/consumer.h>
#include <linux/hwmon.h>
#include <linux/i2c.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mod_devicetable.h>
#include <linux/pm_runtime.h>
#include <linux/poll.h>
#include <linux/property.h>
#include <linux/regmap.h>
#include <linux/regulator/consumer.h>
#include <linux/rtmutex.h>
#include <linux/sched.h>
#include <uapi/linux/sched/types.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <lib/hist/log2_hist.h>
#include <max30102/acq.h>
#include <max30102/regs.h>
#include <max30102/ring.h>
#include <mxrt/max30102.h>

static_assert(sizeof(struct mxrt_max30102_record) == MXRT_MAX30102_RECORD_SIZE);

static unsigned int boost_threshold = 28;
module_param(boost_threshold, uint, 0644);
MODULE_PARM_DESC(boost_threshold, "FIFO backlog (samples) above which the acquisition thread's priority is raised (default 28)");
static unsigned int boost_prio = 80;
module_param(boost_prio, uint, 0644);
MODULE_PARM_DESC(boost_prio, "SCHED_FIFO priority while boosted (default 80)");
static unsigned int autosuspend_ms = 1000;
module_param(autosuspend_ms, uint, 0444);
MODULE_PARM_DESC(autosuspend_ms, "Runtime-PM autosuspend delay after the last reader closes (default 1000)");

#define MX_READ_BATCH 64 /* records per read() round */
#define MX_STUCK_RUN 1000 /* consecutive interrupts with nothing to do: the line is stuck */
#define MX_STUCK_BACKOFF_MS 1000

static DEFINE_IDA(mx_ida);
static struct dentry *mx_dbg_root;

/* What read()ers share with the device; lives until the last file is closed. */
struct mx_shared {
	struct kref ref;
	struct srcu_struct srcu;
	struct mxrt_ring __rcu *ring;
	wait_queue_head_t wq;
	bool dead;
	struct mxrt_log2_hist lat; /* IRQ -> reader (kernel/lib/hist/log2_hist.h) */
	atomic_t readers;
	atomic64_t overruns, overrun_lost;
};

struct mx_stats {
	u64 irqs, irq_spurious, irq_missed, irq_stuck, polls, i2c_errors, bursts, boosts, resizes,
		temp_reads, max_backlog, srcu_syncs, srcu_last_sync_ns, sys_suspends, sys_resumes;
};

struct mx_dev {
	struct i2c_client *client;
	struct device *dev;
	struct regmap *map;
	struct rt_mutex lock;
	struct mxrt_max30102_config cfg; /* what the user asked for; applied on resume */
	struct mxrt_acq acq;
	bool suspended;
	struct mx_shared *sh;
	int irq, id;
	char name[24];
	struct miscdevice misc;
	struct task_struct *thread; /* polling, or the lost-interrupt watchdog */
	wait_queue_head_t thread_wq;
	u64 irq_ts;    /* hard handler -> thread */
	u64 last_acq_ns;
	bool irq_off;  /* disabled because it was stuck */
	u64 irq_off_until;
	unsigned int unhandled_run;
	bool boosted;
	struct task_struct *boosted_task;
	unsigned int saved_prio;
	u32 poll_ms;
	/* CPUs for acquisition (sysfs acq_cpus): each acquisition thread moves itself when gen moves */
	struct cpumask acq_cpus; /* in the devm-allocated struct: no off-stack mask to free */
	atomic_t acq_cpus_gen;
	int irq_aff_err; /* what irq_set_affinity said for the hard IRQ (0: it follows too) */
	int irq_cpus_applied;
	struct mx_stats st;
	u8 *burst;
	struct mxrt_max30102_record *recs;
	struct dentry *dbg;
	struct device *hwmon;
};

/* ---- shared state ------------------------------------------------------------------------------- */

static void mx_shared_free(struct kref *ref)
{
	struct mx_shared *sh = container_of(ref, struct mx_shared, ref);

	cleanup_srcu_struct(&sh->srcu);
	kfree(sh);
}

static void mx_shared_put(struct mx_shared *sh)
{
	kref_put(&sh->ref, mx_shared_free);
}

/* ---- configuration -------------------------------------------------------------------------------- */

static u64 mx_period_ns(const struct mxrt_max30102_config *c)
{
	return div_u64((u64)c->sample_average * NSEC_PER_SEC, c->sample_rate_hz);
}

/* Writes the whole configuration and restarts the FIFO. md->lock held. */
static int mx_apply_locked(struct mx_dev *md, const struct mxrt_max30102_config *c)
{
	u8 r[MXRT_MAX30102_NREGS];
	int err;

	lockdep_assert_held(&md->lock);
	mxrt_max30102_config_encode(c, r);
	/* Shut down while changing, then clear the FIFO pointers so no stale sample survives. */
	err = regmap_write(md->map, MAX30102_REG_MODE_CONFIG, MAX30102_MODE_SHDN | r[1]);
	err = err ?: regmap_write(md->map, MAX30102_REG_FIFO_CONFIG, r[0] | MAX30102_FIFO_ROLLOVER_EN);
	err = err ?: regmap_write(md->map, MAX30102_REG_SPO2_CONFIG, r[2]);
	err = err ?: regmap_write(md->map, MAX30102_REG_LED1_PA, r[3]);
	err = err ?: regmap_write(md->map, MAX30102_REG_LED2_PA, r[4]);
	err = err ?: regmap_write(md->map, MAX30102_REG_MULTI_LED1, r[5]);
	err = err ?: regmap_write(md->map, MAX30102_REG_MULTI_LED2, r[6]);
	err = err ?: regmap_write(md->map, MAX30102_REG_FIFO_WR_PTR, 0);
	err = err ?: regmap_write(md->map, MAX30102_REG_OVF_COUNTER, 0);
	err = err ?: regmap_write(md->map, MAX30102_REG_FIFO_RD_PTR, 0);
	err = err ?: regmap_write(md->map, MAX30102_REG_INT_ENABLE1, md->irq > 0 ? MAX30102_INT_A_FULL : 0);
	err = err ?: regmap_write(md->map, MAX30102_REG_INT_ENABLE2, 0);
	err = err ?: regmap_write(md->map, MAX30102_REG_MODE_CONFIG, r[1]);
	if (err) {
		md->st.i2c_errors++;
		return err;
	}
	mxrt_acq_configure(&md->acq, c->mode, c->sample_rate_hz, c->sample_average, c->pulse_width_us);
	/* Without an IRQ: poll at half the time the FIFO takes to reach almost-full. */
	md->poll_ms = max_t(u32, 1, div_u64(mx_period_ns(c) * c->fifo_almost_full / 2, NSEC_PER_MSEC));
	md->last_acq_ns = ktime_get_ns();
	return 0;
}

/* Validates and applies a new configuration; on any error the old one stays. */
static int mx_set_config(struct mx_dev *md, const struct mxrt_max30102_config *c)
{
	int err;

	if (mxrt_max30102_config_validate(c))
		return -EINVAL;
	rt_mutex_lock(&md->lock);
	err = md->suspended ? 0 : mx_apply_locked(md, c);
	if (!err)
		md->cfg = *c;
	else
		mx_apply_locked(md, &md->cfg); /* put the chip back as it was */
	rt_mutex_unlock(&md->lock);
	wake_up(&md->thread_wq); /* the poll interval may have changed */
	return err;
}

/* ---- acquisition ------------------------------------------------------------------------------- */

static void mx_boost(struct mx_dev *md, u32 backlog)
{
	struct sched_attr attr = { .size = sizeof(attr), .sched_policy = SCHED_FIFO };

	if (!md->boosted && backlog > boost_threshold && current->rt_priority < boost_prio) {
		md->saved_prio = current->rt_priority;
		md->boosted_task = current;
		attr.sched_priority = boost_prio;
		if (!sched_setattr_nocheck(current, &attr)) {
			md->boosted = true;
			md->st.boosts++;
		}
	} else if (md->boosted && md->boosted_task == current && backlog <= boost_threshold / 2) {
		attr.sched_priority = md->saved_prio;
		if (!md->saved_prio)
			attr.sched_policy = SCHED_NORMAL;
		sched_setattr_nocheck(current, &attr);
		md->boosted = false;
	}
}

/*
 * Reads everything the FIFO holds and publishes it. @irq_ts: the hard-IRQ timestamp, 0 when called
 * from the poll thread. Returns the number of samples, or a negative errno.
 */
static int mx_acquire(struct mx_dev *md, u64 irq_ts, u8 *status)
{
	struct mxrt_ring *ring;
	u8 st[2], ptr[3];
	u32 n, bytes, anchor;
	u64 anchor_ts;
	int err;

	*status = 0;
	rt_mutex_lock(&md->lock);
	if (md->suspended) {
		rt_mutex_unlock(&md->lock);
		return 0;
	}
	err = regmap_bulk_read(md->map, MAX30102_REG_INT_STATUS1, st, 2);
	err = err ?: regmap_bulk_read(md->map, MAX30102_REG_FIFO_WR_PTR, ptr, 3);
	if (err)
		goto io_error;
	/* Only what we enabled asked for this interrupt: the chip sets every status bit on its
	 * event (PPG_RDY each sample) whether or not it is enabled; INT follows the enabled ones. */
	*status = st[0] & MAX30102_INT_A_FULL;
	/* WR == RD is full, not empty, when samples were lost or A_FULL fires at 32 */
	n = mxrt_max30102_fifo_unread(ptr[0], ptr[2],
				      ptr[1] > 0 || ((st[0] & MAX30102_INT_A_FULL) && md->cfg.fifo_almost_full == 32));
	md->last_acq_ns = ktime_get_ns();
	if (n == 0) {
		rt_mutex_unlock(&md->lock);
		return 0;
	}
	bytes = mxrt_acq_sample_bytes(&md->acq);
	err = regmap_noinc_read(md->map, MAX30102_REG_FIFO_DATA, md->burst, n * bytes);
	if (err)
		goto io_error;
	if (irq_ts && (st[0] & MAX30102_INT_A_FULL)) {
		anchor = md->cfg.fifo_almost_full - 1; /* the sample that reached the threshold */
		anchor_ts = irq_ts;
	} else {
		anchor = n - 1;
		anchor_ts = md->last_acq_ns;
	}
	mxrt_acq_decode(&md->acq, md->burst, n, ptr[1], anchor, anchor_ts,
			irq_ts && (st[0] & MAX30102_INT_A_FULL), md->recs);
	ring = rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock));
	mxrt_ring_push_n(ring, md->recs, n);
	md->st.bursts++;
	if (n > md->st.max_backlog)
		md->st.max_backlog = n;
	mx_boost(md, n);
	rt_mutex_unlock(&md->lock);
	wake_up_interruptible_poll(&md->sh->wq, EPOLLIN | EPOLLRDNORM);
	return n;

io_error:
	md->st.i2c_errors++;
	rt_mutex_unlock(&md->lock);
	dev_warn_ratelimited(md->dev, "FIFO read failed: %d\n", err);
	return err;
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
 */
static void mx_apply_cpus(struct mx_dev *md, int *applied)
{
	int gen = atomic_read(&md->acq_cpus_gen);

	if (likely(gen == *applied))
		return;
	rt_mutex_lock(&md->lock);
	set_cpus_allowed_ptr(current, &md->acq_cpus);
	rt_mutex_unlock(&md->lock);
	*applied = gen;
}

static irqreturn_t mx_irq_thread(int irq, void *data)
{
	struct mx_dev *md = data;
	u8 status;
	int n;

	mx_apply_cpus(md, &md->irq_cpus_applied); /* only this thread touches it */
	md->st.irqs++;
	n = mx_acquire(md, READ_ONCE(md->irq_ts), &status);
	if (status || n < 0) {
		md->unhandled_run = 0;
		return IRQ_HANDLED; /* the chip asked, or an I/O error (retried by the watchdog) */
	}
	/* No status bit: not the chip's interrupt (a storm, a stuck line). Any samples found on
	 * the way are kept, but the line is judged by the status register alone. */
	md->st.irq_spurious++;
	if (++md->unhandled_run < MX_STUCK_RUN)
		return n > 0 ? IRQ_HANDLED : IRQ_NONE;
	{
		/* INT stays asserted with nothing to read: stop listening for a while and poll. */
		md->st.irq_stuck++;
		md->unhandled_run = 0;
		WRITE_ONCE(md->irq_off_until, ktime_get_ns() + MX_STUCK_BACKOFF_MS * NSEC_PER_MSEC);
		WRITE_ONCE(md->irq_off, true);
		disable_irq_nosync(irq);
		dev_warn_ratelimited(md->dev, "interrupt stuck: polling for %d ms\n", MX_STUCK_BACKOFF_MS);
		wake_up(&md->thread_wq);
	}
	return IRQ_NONE;
}

/* Polls without an IRQ; with one, reads the FIFO when interrupts stopped coming. */
static int mx_thread_fn(void *data)
{
	struct mx_dev *md = data;
	int applied = 0;

	while (!kthread_should_stop()) {
		bool polling = md->irq <= 0 || READ_ONCE(md->irq_off);
		u64 window = mx_period_ns(&md->cfg) * md->cfg.fifo_almost_full * 5 / 4;
		u32 ms = polling ? md->poll_ms : max_t(u32, 2, div_u64(window, 4 * NSEC_PER_MSEC));
		u64 now;
		u8 status;
		int n;

		wait_event_interruptible_timeout(md->thread_wq, kthread_should_stop() ||
						 atomic_read(&md->acq_cpus_gen) != applied,
						 msecs_to_jiffies(ms));
		if (kthread_should_stop())
			break;
		mx_apply_cpus(md, &applied);
		now = ktime_get_ns();
		if (polling) {
			md->st.polls++;
			mx_acquire(md, 0, &status);
			if (md->irq > 0 && now >= READ_ONCE(md->irq_off_until)) {
				WRITE_ONCE(md->irq_off, false);
				enable_irq(md->irq);
			}
		} else if (now - READ_ONCE(md->last_acq_ns) > window) {
			n = mx_acquire(md, 0, &status);
			if (n > 0)
				md->st.irq_missed++;
		}
	}
	return 0;
}

/* ---- /dev/max30102-N ------------------------------------------------------------------------------ */

struct mx_file {
	struct mx_shared *sh;
	struct device *dev; /* a reference, for runtime PM; the driver data may be gone */
	struct mutex lock;  /* one read() at a time: rd and buf are the file's */
	struct mxrt_ring_reader rd;
	struct mxrt_max30102_record buf[MX_READ_BATCH];
};

static int mx_open(struct inode *inode, struct file *file)
{
	struct mx_dev *md = container_of(file->private_data, struct mx_dev, misc);
	struct mx_file *mf;
	struct mxrt_ring *ring;
	int err, idx;

	mf = kzalloc_node(sizeof(*mf), GFP_KERNEL, dev_to_node(md->dev));
	if (!mf)
		return -ENOMEM;
	err = pm_runtime_resume_and_get(md->dev); /* readers keep the sensor running */
	if (err) {
		kfree(mf);
		return err;
	}
	mutex_init(&mf->lock);
	mf->dev = get_device(md->dev);
	kref_get(&md->sh->ref);
	mf->sh = md->sh;
	idx = srcu_read_lock(&mf->sh->srcu);
	ring = srcu_dereference(mf->sh->ring, &mf->sh->srcu);
	if (ring)
		mxrt_ring_reader_init(ring, &mf->rd);
	srcu_read_unlock(&mf->sh->srcu, idx);
	atomic_inc(&mf->sh->readers);
	file->private_data = mf;
	return stream_open(inode, file);
}

static int mx_release(struct inode *inode, struct file *file)
{
	struct mx_file *mf = file->private_data;

	atomic64_add(mf->rd.overruns, &mf->sh->overruns);
	atomic64_add(mf->rd.lost, &mf->sh->overrun_lost);
	atomic_dec(&mf->sh->readers);
	pm_runtime_mark_last_busy(mf->dev);
	pm_runtime_put_autosuspend(mf->dev);
	put_device(mf->dev);
	mx_shared_put(mf->sh);
	mutex_destroy(&mf->lock);
	kfree(mf);
	return 0;
}

static bool mx_readable(struct mx_file *mf)
{
	struct mxrt_ring *ring;
	bool ok;
	int idx;

	idx = srcu_read_lock(&mf->sh->srcu);
	ring = srcu_dereference(mf->sh->ring, &mf->sh->srcu);
	ok = ring && mxrt_ring_readable(ring, &mf->rd);
	srcu_read_unlock(&mf->sh->srcu, idx);
	return ok;
}

/*
 * Whole records, at most MX_READ_BATCH per call. The file's lock is held from the ring to the user
 * copy, not while waiting for data; O_NONBLOCK never waits for it either (-EAGAIN: another thread
 * is reading this file). The records are consumed only once copy_to_user succeeded: a read into a
 * bad buffer fails with -EFAULT and the next read returns the same records (or reports the ones
 * the producer overwrote meanwhile as lost).
 */
static ssize_t mx_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct mx_file *mf = file->private_data;
	struct mx_shared *sh = mf->sh;
	struct mxrt_ring_reader next;
	struct mxrt_ring *ring;
	u32 max = min_t(size_t, count / sizeof(struct mxrt_max30102_record), MX_READ_BATCH);
	ssize_t ret;
	u32 n, i;
	u64 now;
	int idx;

	if (max == 0)
		return -EINVAL; /* whole records only */
	for (;;) {
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&mf->lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&mf->lock)) {
			return -ERESTARTSYS;
		}
		idx = srcu_read_lock(&sh->srcu);
		ring = srcu_dereference(sh->ring, &sh->srcu);
		n = ring ? mxrt_ring_peek(ring, &mf->rd, &next, mf->buf, max) : 0;
		srcu_read_unlock(&sh->srcu, idx);
		if (n)
			break; /* with mf->lock held */
		mutex_unlock(&mf->lock);
		if (READ_ONCE(sh->dead))
			return -ENODEV;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(sh->wq, READ_ONCE(sh->dead) || mx_readable(mf));
		if (ret)
			return ret;
	}
	now = ktime_get_ns();
	for (i = 0; i < n; i++)
		if (mf->buf[i].flags & MXRT_MAX30102_REC_IRQ && now > mf->buf[i].timestamp_ns)
			mxrt_log2_hist_add(&sh->lat, now - mf->buf[i].timestamp_ns);
	if (copy_to_user(ubuf, mf->buf, n * sizeof(mf->buf[0]))) {
		ret = -EFAULT; /* nothing consumed */
	} else {
		mxrt_ring_reader_commit(&mf->rd, &next);
		ret = n * sizeof(mf->buf[0]);
	}
	mutex_unlock(&mf->lock);
	return ret;
}

static __poll_t mx_poll(struct file *file, poll_table *wait)
{
	struct mx_file *mf = file->private_data;

	poll_wait(file, &mf->sh->wq, wait);
	if (READ_ONCE(mf->sh->dead))
		return EPOLLHUP | EPOLLERR;
	return mx_readable(mf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations mx_fops = {
	.owner = THIS_MODULE,
	.open = mx_open,
	.release = mx_release,
	.read = mx_read,
	.poll = mx_poll,
};

/* ---- ring resize ---------------------------------------------------------------------------------- */

/* -EINVAL for a size that is no ring size, -ENOMEM without memory: nothing changes then. */
static int mx_resize(struct mx_dev *md, u32 records)
{
	struct mxrt_ring *ring, *old;
	u64 t0;
	int err;

	err = mxrt_ring_create(records, dev_to_node(md->dev), &ring);
	if (err)
		return err;
	rt_mutex_lock(&md->lock); /* no producer runs while the new ring takes over */
	old = rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock));
	mxrt_ring_continue(ring, old);
	rcu_assign_pointer(md->sh->ring, ring);
	md->st.resizes++;
	rt_mutex_unlock(&md->lock);
	t0 = ktime_get_ns();
	synchronize_srcu(&md->sh->srcu); /* readers still in the old ring finish first */
	md->st.srcu_last_sync_ns = ktime_get_ns() - t0;
	md->st.srcu_syncs++;
	mxrt_ring_destroy(old);
	return 0;
}

/* ---- sysfs ------------------------------------------------------------------------------------ */

static const char *const mx_mode_names[8] = {
	[MAX30102_MODE_HR] = "hr", [MAX30102_MODE_SPO2] = "spo2", [MAX30102_MODE_MULTI] = "multi",
};

#define MX_CFG_ATTR(attr, field)                                                               \
	static ssize_t attr##_show(struct device *dev, struct device_attribute *a, char *buf)  \
	{                                                                                      \
		struct mx_dev *md = dev_get_drvdata(dev);                                      \
		return sysfs_emit(buf, "%u\n", READ_ONCE(md->cfg.field));                      \
	}                                                                                      \
	static ssize_t attr##_store(struct device *dev, struct device_attribute *a,            \
				    const char *buf, size_t len)                               \
	{                                                                                      \
		struct mx_dev *md = dev_get_drvdata(dev);                                      \
		struct mxrt_max30102_config c;                                                 \
		u32 v;                                                                         \
		int err;                                                                       \
		if (kstrtou32(buf, 0, &v))                                                     \
			return -EINVAL;                                                        \
		rt_mutex_lock(&md->lock);                                                      \
		c = md->cfg;                                                                   \
		rt_mutex_unlock(&md->lock);                                                    \
		c.field = v;                                                                   \
		err = mx_set_config(md, &c);                                                   \
		return err ?: len;                                                             \
	}                                                                                      \
	static DEVICE_ATTR_RW(attr)

MX_CFG_ATTR(sample_rate, sample_rate_hz);
MX_CFG_ATTR(pulse_width, pulse_width_us);
MX_CFG_ATTR(adc_range, adc_range_na);
MX_CFG_ATTR(sample_average, sample_average);
MX_CFG_ATTR(fifo_almost_full, fifo_almost_full);
MX_CFG_ATTR(led_red_current, red_current_ua);
MX_CFG_ATTR(led_ir_current, ir_current_ua);

static ssize_t mode_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", mx_mode_names[md->cfg.mode & 7]);
}

static ssize_t mode_store(struct device *dev, struct device_attribute *a, const char *buf,
			  size_t len)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	struct mxrt_max30102_config c;
	int m, err;

	for (m = 0; m < ARRAY_SIZE(mx_mode_names); m++)
		if (mx_mode_names[m] && sysfs_streq(buf, mx_mode_names[m]))
			break;
	if (m == ARRAY_SIZE(mx_mode_names))
		return -EINVAL;
	rt_mutex_lock(&md->lock);
	c = md->cfg;
	rt_mutex_unlock(&md->lock);
	c.mode = m;
	err = mx_set_config(md, &c);
	return err ?: len;
}
static DEVICE_ATTR_RW(mode);

static ssize_t ring_size_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	u32 size;

	rt_mutex_lock(&md->lock);
	size = mxrt_ring_size(rcu_dereference_protected(md->sh->ring, lockdep_is_held(&md->lock)));
	rt_mutex_unlock(&md->lock);
	return sysfs_emit(buf, "%u\n", size);
}

static ssize_t ring_size_store(struct device *dev, struct device_attribute *a, const char *buf,
			       size_t len)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	u32 v;

	if (kstrtou32(buf, 0, &v))
		return -EINVAL;
	return mx_resize(md, v) ?: len;
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

	rt_mutex_lock(&md->lock);
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

	if (!alloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	err = cpulist_parse(buf, m);
	if (!err && (cpumask_empty(m) || !cpumask_subset(m, cpu_online_mask)))
		err = -EINVAL;
	if (err) {
		free_cpumask_var(m);
		return -EINVAL;
	}
	rt_mutex_lock(&md->lock);
	cpumask_copy(&md->acq_cpus, m);
	/* the hard IRQ too, where the chip can; the threads follow regardless */
	md->irq_aff_err = md->irq > 0 ? irq_set_affinity(md->irq, m) : 0;
	atomic_inc(&md->acq_cpus_gen);
	rt_mutex_unlock(&md->lock);
	free_cpumask_var(m);
	wake_up(&md->thread_wq); /* not as a stop: the thread re-checks and applies the mask */
	return len;
}
static DEVICE_ATTR_RW(acq_cpus);

static ssize_t status_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct mx_dev *md = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s %s samples=%llu lost=%llu readers=%d\n",
			  md->suspended ? "suspended" : "running",
			  md->irq > 0 ? (READ_ONCE(md->irq_off) ? "irq-stuck-polling" : "irq") : "polling",
			  md->acq.samples, md->acq.lost, atomic_read(&md->sh->readers));
}
static DEVICE_ATTR_RO(status);

static struct attribute *mx_attrs[] = {
	&dev_attr_mode.attr, &dev_attr_sample_rate.attr, &dev_attr_pulse_width.attr,
	&dev_attr_adc_range.attr, &dev_attr_sample_average.attr, &dev_attr_fifo_almost_full.attr,
	&dev_attr_led_red_current.attr, &dev_attr_led_ir_current.attr, &dev_attr_ring_size.attr,
	&dev_attr_acq_cpus.attr,
	&dev_attr_status.attr, NULL,
};
ATTRIBUTE_GROUPS(mx);

/* ---- hwmon: die temperature ------------------------------------------------------------------- */

static int mx_read_temp(struct mx_dev *md, long *millic)
{
	unsigned int busy = 1, ti, tf;
	int err, tries;

	err = pm_runtime_resume_and_get(md->dev);
	if (err)
		return err;
	rt_mutex_lock(&md->lock);
	err = regmap_write(md->map, MAX30102_REG_TEMP_CONFIG, 1);
	rt_mutex_unlock(&md->lock);
	/* The conversion takes 29 ms; the lock is not held meanwhile, acquisition goes on. */
	for (tries = 0; !err && busy && tries < 10; tries++) {
		msleep(tries ? 5 : 30);
		rt_mutex_lock(&md->lock);
		err = regmap_read(md->map, MAX30102_REG_TEMP_CONFIG, &busy);
		if (!err && !(busy & 1)) {
			err = regmap_read(md->map, MAX30102_REG_TEMP_INT, &ti);
			err = err ?: regmap_read(md->map, MAX30102_REG_TEMP_FRAC, &tf);
		}
		rt_mutex_unlock(&md->lock);
		busy &= 1;
	}
	pm_runtime_mark_last_busy(md->dev);
	pm_runtime_put_autosuspend(md->dev);
	if (err) {
		md->st.i2c_errors++;
		return err;
	}
	if (busy)
		return -ETIMEDOUT;
	md->st.temp_reads++;
	*millic = (s8)ti * 1000L + (tf & 0xf) * 625L / 10;
	return 0;
}

static umode_t mx_hwmon_visible(const void *data, enum hwmon_sensor_types type, u32 attr, int ch)
{
	return type == hwmon_temp && attr == hwmon_temp_input ? 0444 : 0;
}

static int mx_hwmon_read(struct device *dev, enum hwmon_sensor_types type, u32 attr, int ch,
			 long *val)
{
	return mx_read_temp(dev_get_drvdata(dev), val);
}

static const struct hwmon_channel_info *const mx_hwmon_info[] = {
	HWMON_CHANNEL_INFO(temp, HWMON_T_INPUT), NULL,
};
static const struct hwmon_ops mx_hwmon_ops = { .is_visible = mx_hwmon_visible, .read = mx_hwmon_read };
static const struct hwmon_chip_info mx_hwmon_chip = { .ops = &mx_hwmon_ops, .info = mx_hwmon_info };

/* ---- debugfs ---------------------------------------------------------------------------------- */

static int mx_stats_show(struct seq_file *s, void *unused)
{
	struct mx_dev *md = s->private;
	struct mx_shared *sh = md->sh;
	struct mxrt_ring *ring;
	u32 size;
	u64 head;
	int b;

	rt_mutex_lock(&md->lock);
	ring = rcu_dereference_protected(sh->ring, lockdep_is_held(&md->lock));
	size = mxrt_ring_size(ring);
	head = mxrt_ring_head(ring);
	rt_mutex_unlock(&md->lock);
	seq_printf(s, "irq: %d%s\nirqs: %llu\nirq_spurious: %llu\nirq_missed: %llu\nirq_stuck: %llu\n",
		   md->irq, READ_ONCE(md->irq_off) ? " (disabled: stuck)" : "", md->st.irqs,
		   md->st.irq_spurious, md->st.irq_missed, md->st.irq_stuck);
	seq_printf(s, "system_suspends: %llu\nsystem_resumes: %llu\n", md->st.sys_suspends,
		   md->st.sys_resumes);
	seq_printf(s, "acq_cpus: %*pbl\nirq_affinity: %s (%d)\n", cpumask_pr_args(&md->acq_cpus),
		   md->irq <= 0 ? "no irq" : md->irq_aff_err ? "not steerable, threads only" : "follows",
		   md->irq_aff_err);
	seq_printf(s, "polls: %llu\ni2c_errors: %llu\nbursts: %llu\nmax_backlog: %llu\nboosts: %llu\n",
		   md->st.polls, md->st.i2c_errors, md->st.bursts, md->st.max_backlog, md->st.boosts);
	seq_printf(s, "samples: %llu\nfifo_overflows: %llu\nfifo_lost: %llu\nfifo_lost_estimated: %llu\n"
		   "reanchors: %llu\nnext_seq: %llu\n", md->acq.samples, md->acq.fifo_overflows,
		   md->acq.lost, md->acq.lost_estimated, md->acq.reanchors, md->acq.next_seq);
	seq_printf(s, "ring_size: %u\nring_head: %llu\nring_resizes: %llu\nreaders: %d\n"
		   "reader_overruns_closed: %lld\nreader_lost_closed: %lld\n", size, head,
		   md->st.resizes, atomic_read(&sh->readers), atomic64_read(&sh->overruns),
		   atomic64_read(&sh->overrun_lost));
	/* SRCU progress: the grace-period cookie advances as grace periods start and end */
	seq_printf(s, "srcu_gp_cookie: %lu\nsrcu_syncs: %llu\nsrcu_last_sync_ns: %llu\ntemp_reads: %llu\n",
		   get_state_synchronize_srcu(&sh->srcu), md->st.srcu_syncs, md->st.srcu_last_sync_ns,
		   md->st.temp_reads);
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

/* ---- probe / remove --------------------------------------------------------------------------- */

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

		err = device_property_read_u32(dev, props[i].name, field);
		if (err && err != -EINVAL) /* -EINVAL: absent, keep the default */
			return dev_err_probe(dev, err, "property %s unreadable\n", props[i].name);
	}
	/* 400 Hz with 411 us is allowed in SpO2 mode; faster rates need shorter pulses. */
	if (mxrt_max30102_config_validate(&c))
		return dev_err_probe(dev, -EINVAL,
				     "invalid configuration: %u Hz, %u us, %u nA, average %u, almost-full %u, LEDs %u/%u uA\n",
				     c.sample_rate_hz, c.pulse_width_us, c.adc_range_na, c.sample_average,
				     c.fifo_almost_full, c.red_current_ua, c.ir_current_ua);
	*ring_size = 4096;
	err = device_property_read_u32(dev, "mxrt,ring-size", ring_size);
	if (err && err != -EINVAL)
		return dev_err_probe(dev, err, "property mxrt,ring-size unreadable\n");
	if (mxrt_ring_check_size(*ring_size))
		return dev_err_probe(dev, -EINVAL, "mxrt,ring-size %u: a power of two in [%u, %u]\n",
				     *ring_size, MXRT_RING_MIN_RECORDS, MXRT_RING_MAX_RECORDS);
	md->cfg = c;
	return 0;
}

static void mx_disable_regulator(void *r)
{
	regulator_disable(r);
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

/* Unbind, in this order: no more opens, no more producers, then the ring and its readers. */
static void mx_teardown_shared(void *data)
{
	struct mx_dev *md = data;
	struct mx_shared *sh = md->sh;
	struct mxrt_ring *old;

	WRITE_ONCE(sh->dead, true);
	wake_up_interruptible_all(&sh->wq);
	old = rcu_replace_pointer(sh->ring, NULL, true);
	synchronize_srcu(&sh->srcu); /* readers in the ring leave it */
	mxrt_ring_destroy(old);
	mx_shared_put(sh);
}

static void mx_stop_thread(void *data)
{
	struct mx_dev *md = data;

	kthread_stop(md->thread);
	if (md->boosted_task == md->thread)
		md->boosted = false;
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
	rt_mutex_init(&md->lock);
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

	md->burst = devm_kzalloc(dev, MAX30102_FIFO_DEPTH * MAX30102_MAX_CHANNELS * 3, GFP_KERNEL);
	md->recs = devm_kcalloc(dev, MAX30102_FIFO_DEPTH, sizeof(*md->recs), GFP_KERNEL);
	md->sh = kzalloc_node(sizeof(*md->sh), GFP_KERNEL, node);
	if (!md->burst || !md->recs || !md->sh) {
		kfree(md->sh);
		return -ENOMEM;
	}
	kref_init(&md->sh->ref);
	init_waitqueue_head(&md->sh->wq);
	mxrt_log2_hist_init(&md->sh->lat);
	err = init_srcu_struct(&md->sh->srcu);
	if (err) {
		kfree(md->sh);
		return err;
	}
	err = mxrt_ring_create(ring_size, node, &ring);
	if (err) {
		mx_shared_put(md->sh);
		return err;
	}
	RCU_INIT_POINTER(md->sh->ring, ring);
	err = devm_add_action_or_reset(dev, mx_teardown_shared, md);
	if (err)
		return err;

	/* Shut down until somebody reads (runtime PM resumes it). */
	rt_mutex_lock(&md->lock);
	err = mx_apply_locked(md, &md->cfg);
	err = err ?: regmap_write(md->map, MAX30102_REG_MODE_CONFIG, MAX30102_MODE_SHDN | md->cfg.mode);
	md->suspended = true;
	rt_mutex_unlock(&md->lock);
	if (err)
		return dev_err_probe(dev, err, "configure\n");

	if (md->irq > 0) {
		err = devm_request_threaded_irq(dev, md->irq, mx_hardirq, mx_irq_thread,
						IRQF_ONESHOT | IRQF_NO_AUTOEN, dev_name(dev), md);
		if (err)
			return dev_err_probe(dev, err, "irq %d\n", md->irq);
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

	md->hwmon = devm_hwmon_device_register_with_info(dev, "max30102", md, &mx_hwmon_chip, NULL);
	if (IS_ERR(md->hwmon))
		return dev_err_probe(dev, PTR_ERR(md->hwmon), "hwmon\n");

	pm_runtime_set_suspended(dev);
	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_use_autosuspend(dev);
	err = devm_pm_runtime_enable(dev);
	if (err)
		return err;

	md->id = ida_alloc(&mx_ida, GFP_KERNEL);
	if (md->id < 0)
		return md->id;
	err = devm_add_action_or_reset(dev, mx_ida_free, (void *)(long)md->id);
	if (err)
		return err;
	snprintf(md->name, sizeof(md->name), "max30102-%d", md->id);
	md->dbg = debugfs_create_dir(md->name, mx_dbg_root);
	debugfs_create_file("stats", 0444, md->dbg, md, &mx_stats_fops);
	err = devm_add_action_or_reset(dev, mx_dbg_remove, md->dbg);
	if (err)
		return err;
	md->misc.minor = MISC_DYNAMIC_MINOR;
	md->misc.name = md->name;
	md->misc.fops = &mx_fops;
	md->misc.parent = dev;
	md->misc.mode = 0444;
	err = misc_register(&md->misc);
	if (err)
		return dev_err_probe(dev, err, "misc device\n");
	err = devm_add_action_or_reset(dev, mx_misc_deregister, &md->misc);
	if (err)
		return err;
	dev_info(dev, "MAX30102 as /dev/%s: %s, %u Hz, %u us, ring %u, %s\n", md->name,
		 mx_mode_names[md->cfg.mode & 7], md->cfg.sample_rate_hz, md->cfg.pulse_width_us,
		 ring_size, md->irq > 0 ? "interrupt" : "polling");
	return 0;
}

/* ---- power management -------------------------------------------------------------------------- */

static int mx_runtime_suspend(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err;

	rt_mutex_lock(&md->lock);
	err = regmap_write(md->map, MAX30102_REG_MODE_CONFIG, MAX30102_MODE_SHDN | md->cfg.mode);
	if (!err)
		md->suspended = true;
	rt_mutex_unlock(&md->lock);
	if (!err && md->irq > 0)
		disable_irq(md->irq);
	return err;
}

static int mx_runtime_resume(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err;

	rt_mutex_lock(&md->lock);
	err = mx_apply_locked(md, &md->cfg); /* the chip may have lost power: everything again */
	if (!err)
		md->suspended = false;
	rt_mutex_unlock(&md->lock);
	if (!err && md->irq > 0)
		enable_irq(md->irq);
	return err;
}

/* System sleep: the runtime-PM path (shut down, IRQ off; everything re-applied on resume). */
static int mx_system_suspend(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err = pm_runtime_force_suspend(dev);

	if (!err)
		md->st.sys_suspends++;
	return err;
}

static int mx_system_resume(struct device *dev)
{
	struct mx_dev *md = dev_get_drvdata(dev);
	int err = pm_runtime_force_resume(dev);

	if (!err)
		md->st.sys_resumes++;
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
	.probe = mx_probe,
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
MODULE_LICENSE("GPL");
