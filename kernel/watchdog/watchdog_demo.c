// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel. An example driver for the watchdog library (`make demo` loads it in the VM).
 *
 * A kthread performs a "bus transfer" every @period_ms, guarded by a watchdog of @timeout_ms:
 * start before, cancel after. Every @stuck_every-th transfer hangs for @stuck_ms; the recovery
 * function, running in the mxrt_wd thread, "resets the bus" (logs and counts) and repeats every
 * timeout until the transfer finally completes and cancels the watchdog. A hung transfer is an
 * interruptible wait: unloading the module ends it at once (rmmod never waits for @stuck_ms).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include <lib/platform/param.h>
#include <watchdog/watchdog.h>

/* decimal only: the kernel's uint took 010 as 8 and 0x10 as 16 */
static const struct kernel_param_ops demo_uint_ops = MXRT_PARAM_STRICT_UINT_OPS;
static unsigned int timeout_ms = 100;
module_param_cb(timeout_ms, &demo_uint_ops, &timeout_ms, 0444);
MODULE_PARM_DESC(timeout_ms, "transfer timeout (1 .. 86400000)");
static unsigned int period_ms = 20;
module_param_cb(period_ms, &demo_uint_ops, &period_ms, 0444);
MODULE_PARM_DESC(period_ms, "time between transfers (1 .. 60000)");
static unsigned int stuck_every = 25;
module_param_cb(stuck_every, &demo_uint_ops, &stuck_every, 0444);
MODULE_PARM_DESC(stuck_every, "every Nth transfer hangs (0: never)");
static unsigned int stuck_ms = 350;
module_param_cb(stuck_ms, &demo_uint_ops, &stuck_ms, 0444);
MODULE_PARM_DESC(stuck_ms, "how long a hung transfer takes (0 .. 60000)");
#define DEMO_MAX_MS 60000

static mxrt_wd_t demo_wd;
static struct task_struct *demo_task;
/* shared by the transfer thread and the recovery (mxrt_wd) thread */
static atomic_long_t transfers, resets;

static void demo_recover(void *data, const struct mxrt_wd_expiry *e)
{
	atomic_long_inc(&resets);
	pr_info("transfer %ld stuck: recovery #%u, %llu us after the deadline; resetting the bus\n",
		atomic_long_read(&transfers), e->count, (e->now_ns - e->deadline_ns) / 1000);
}

/* Sleeps @ms, or less if the module is being unloaded (kthread_stop() wakes us). */
static void demo_sleep(unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!kthread_should_stop() && time_before(jiffies, end))
		schedule_timeout_interruptible(end - jiffies);
}

static int demo_thread(void *data)
{
	while (!kthread_should_stop()) {
		long n = atomic_long_inc_return(&transfers);

		mxrt_wd_start(demo_wd);
		if (stuck_every && n % stuck_every == 0)
			demo_sleep(stuck_ms);	/* the device stops answering */
		else
			usleep_range(500, 1000);
		mxrt_wd_cancel(demo_wd);
		demo_sleep(period_ms);
	}
	return 0;
}

static int __init demo_init(void)
{
	if (!period_ms || period_ms > DEMO_MAX_MS || stuck_ms > DEMO_MAX_MS) {
		pr_err("period_ms=%u stuck_ms=%u: period_ms must be 1..%u and stuck_ms 0..%u\n",
		       period_ms, stuck_ms, DEMO_MAX_MS, DEMO_MAX_MS);
		return -EINVAL;
	}
	demo_wd = mxrt_wd_add(timeout_ms, demo_recover, NULL, "demo bus transfer");
	if (demo_wd < 0)
		return demo_wd;	/* e.g. -EINVAL for timeout_ms=0, explained in the log */
	demo_task = kthread_run(demo_thread, NULL, "mxrt_wd_demo");
	if (IS_ERR(demo_task)) {
		mxrt_wd_remove(demo_wd);
		return PTR_ERR(demo_task);
	}
	return 0;
}

static void __exit demo_exit(void)
{
	kthread_stop(demo_task);
	mxrt_wd_remove(demo_wd);
	pr_info("%ld transfers, %ld bus resets\n", atomic_long_read(&transfers),
		atomic_long_read(&resets));
}

module_init(demo_init);
module_exit(demo_exit);
MODULE_DESCRIPTION("Example user of the mxrt watchdog library");
MODULE_LICENSE("GPL");
