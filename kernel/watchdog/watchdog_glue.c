// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (mxrt_watchdog.ko).
 *
 * Kernel glue of the watchdog library: the exported C API, the one hrtimer, the irq_work that
 * re-arms it from any context, the SCHED_FIFO kthread worker that runs recoveries, the module
 * notifier that cleans up after careless users, and debugfs. The logic lives in the C++ core
 * (kernel/watchdog/watchdog_core.cpp, kernel/watchdog/watchdog_core.h).
 *
 * Contexts:
 *   start/kick/cancel   any (also their _at forms and set_timeout); the core uses atomics in an
 *                       RCU read-side section; a start that makes
 *                       the deadline the earliest queues program_work (irq_work, hard IRQ).
 *   program_work        hard IRQ (IRQ_WORK_INIT_HARD, also on PREEMPT_RT): hrtimer_start().
 *   expiry_timer        hard IRQ (HRTIMER_MODE_ABS_HARD): queues expire_work.
 *   expire_work         the "mxrt_wd" kthread worker, SCHED_FIFO 50 (tune with chrt): runs due
 *                       recoveries, then re-arms the timer for the next deadline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include <watchdog/watchdog.h>

static struct mxrt_wdcore *wd_core;
static struct hrtimer wd_timer;
static struct irq_work wd_program_work;
static struct kthread_worker *wd_worker;
static struct kthread_work wd_expire_work;
static struct dentry *wd_debugfs;
static atomic64_t wd_timer_fires = ATOMIC64_INIT(0);

static bool wd_in_expiry_thread(void)
{
	return current == wd_worker->task;
}

/*
 * Arms the timer at the core's earliest deadline. Called from hard IRQ (program_work) and from the
 * worker. Two callers may race, each with the value it read; the loop makes the last hrtimer_start()
 * use the current value (each caller re-reads after programming and programs again if it moved).
 */
static void wd_program_timer(void)
{
	u64 e;

	do {
		e = mxrt_wdcore_earliest(wd_core);
		if (e == MXRT_WD_NEVER)
			return;
		hrtimer_start(&wd_timer, ns_to_ktime(e), HRTIMER_MODE_ABS_HARD);
	} while (mxrt_wdcore_earliest(wd_core) != e);
}

static void wd_program_fn(struct irq_work *work)
{
	wd_program_timer();
}

static enum hrtimer_restart wd_timer_fn(struct hrtimer *t)
{
	atomic64_inc(&wd_timer_fires);
	kthread_queue_work(wd_worker, &wd_expire_work);
	return HRTIMER_NORESTART;
}

static u64 wd_now(void)
{
	return ktime_get_ns();
}

static void wd_expire_fn(struct kthread_work *work)
{
	mxrt_wdcore_expire(wd_core, wd_now);
	wd_program_timer();
}

mxrt_wd_t __mxrt_wd_add(struct module *owner, u32 timeout_ms, mxrt_wd_recovery_fn fn, void *data,
			const char *name)
{
	struct mxrt_wd_params p = {
		.timeout_ms = timeout_ms,
		.fn = fn,
		.data = data,
		.name = name,
		.owner = owner,
		.owner_name = owner ? module_name(owner) : "kernel",
	};

	might_sleep();
	return mxrt_wdcore_add(wd_core, &p);
}
EXPORT_SYMBOL_GPL(__mxrt_wd_add);

int mxrt_wd_remove(mxrt_wd_t wd)
{
	might_sleep();
	return mxrt_wdcore_remove(wd_core, wd, wd_in_expiry_thread());
}
EXPORT_SYMBOL_GPL(mxrt_wd_remove);

/* The core's start/kick answer: re-arm the timer if it says so; the caller learns whether it was idle. */
static int wd_arm_result(int ret)
{
	if (ret < 0)
		return ret;
	if (ret & MXRT_WD_REPROGRAM)
		irq_work_queue(&wd_program_work);
	return ret & MXRT_WD_WAS_IDLE;
}

/*
 * The core's start/kick/cancel must run in an RCU read-side critical section (watchdog_core.h).
 * A preemption-disabled region is one (RCU flavours are consolidated since v4.20: synchronize_rcu()
 * and the polled grace periods wait for it), and on PREEMPT_RT preempt_disable() is a per-CPU
 * counter where rcu_read_lock() is an out-of-line call. The region is a few atomics long, so it
 * adds no measurable preemption latency.
 */
int mxrt_wd_start_at(mxrt_wd_t wd, u64 now_ns)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_start(wd_core, wd, now_ns);
	preempt_enable();
	return wd_arm_result(ret);
}
EXPORT_SYMBOL_GPL(mxrt_wd_start_at);

/*
 * The clock is read with preemption off, as the deadline is written: a caller preempted between
 * the two would write a deadline older than one another CPU wrote meanwhile (for a kick, a false
 * expiry). Two CPUs can still cross in the few instructions between read and write.
 */
int mxrt_wd_start(mxrt_wd_t wd)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_start(wd_core, wd, ktime_get_ns());
	preempt_enable();
	return wd_arm_result(ret);
}
EXPORT_SYMBOL_GPL(mxrt_wd_start);

int mxrt_wd_kick_at(mxrt_wd_t wd, u64 now_ns)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_kick(wd_core, wd, now_ns);
	preempt_enable();
	return wd_arm_result(ret);
}
EXPORT_SYMBOL_GPL(mxrt_wd_kick_at);

int mxrt_wd_kick(mxrt_wd_t wd)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_kick(wd_core, wd, ktime_get_ns());
	preempt_enable();
	return wd_arm_result(ret);
}
EXPORT_SYMBOL_GPL(mxrt_wd_kick);

int mxrt_wd_cancel(mxrt_wd_t wd)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_cancel(wd_core, wd);
	preempt_enable();
	return ret;
}
EXPORT_SYMBOL_GPL(mxrt_wd_cancel);

int mxrt_wd_set_timeout(mxrt_wd_t wd, u32 timeout_ms)
{
	int ret;

	preempt_disable();
	ret = mxrt_wdcore_set_timeout(wd_core, wd, timeout_ms);
	preempt_enable();
	return ret;
}
EXPORT_SYMBOL_GPL(mxrt_wd_set_timeout);

static const char *const wd_state_names[] = {
	[MXRT_WD_IDLE] = "idle",
	[MXRT_WD_ARMED] = "armed",
	[MXRT_WD_EXPIRED] = "expired",
};

static int wd_list_show(struct seq_file *m, void *v)
{
	struct mxrt_wd_stats st;
	struct mxrt_wd_info info;
	u64 now = ktime_get_ns();
	u32 i;

	mxrt_wdcore_stats(wd_core, &st);
	seq_printf(m, "%-14s %-31s %-20s %10s %-7s %12s %10s %14s %13s\n", "handle", "name", "owner",
		   "timeout_ms", "state", "due_in_us", "expiries", "last_delay_us", "max_delay_us");
	for (i = 0; i < st.capacity; i++) {
		if (mxrt_wdcore_info(wd_core, i, &info) <= 0)
			continue;
		seq_printf(m, "%-14lld %-31s %-20s %10u %-7s %12lld %10llu %14llu %13llu\n", info.wd,
			   info.name, info.owner_name, info.timeout_ms, wd_state_names[info.state],
			   info.state == MXRT_WD_IDLE ? 0 : ((s64)info.deadline_ns - (s64)now) / 1000,
			   info.expiries, info.last_delay_ns / 1000, info.max_delay_ns / 1000);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wd_list);

static int wd_stats_show(struct seq_file *m, void *v)
{
	struct mxrt_wd_stats st;
	u64 now;

	mxrt_wdcore_stats(wd_core, &st);
	seq_printf(m, "registered: %u\n", st.registered);
	seq_printf(m, "capacity: %u\n", st.capacity);
	seq_printf(m, "retired: %u\n", st.retired);
	seq_printf(m, "timer_fires: %lld\n", (long long)atomic64_read(&wd_timer_fires));
	seq_printf(m, "expiry_passes: %llu\n", st.passes);
	seq_printf(m, "recoveries: %llu\n", st.recoveries);
	seq_printf(m, "timer_reprograms: %llu\n", st.reprograms);
	now = ktime_get_ns();
	if (st.earliest_ns == MXRT_WD_NEVER)
		seq_puts(m, "next_deadline_in_us: none\n");
	else
		seq_printf(m, "next_deadline_in_us: %lld\n", ((s64)st.earliest_ns - (s64)now) / 1000);
	if (st.timer_ns == MXRT_WD_NEVER)
		seq_puts(m, "timer_due_in_us: none\n");
	else
		seq_printf(m, "timer_due_in_us: %lld\n", ((s64)st.timer_ns - (s64)now) / 1000);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wd_stats);

static int wd_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	u32 n;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	n = mxrt_wdcore_remove_owner(wd_core, mod, wd_in_expiry_thread());
	if (n)
		pr_warn("module %s went away with %u watchdog(s) registered; removed them\n",
			module_name(mod), n);
	return NOTIFY_OK;
}

static struct notifier_block wd_module_nb = {
	.notifier_call = wd_module_notify,
};

static int __init mxrt_wd_init(void)
{
	int ret;

	ret = mxrt_wdcore_create(&wd_core);
	if (ret)
		return ret;
	wd_worker = kthread_create_worker(0, "mxrt_wd");
	if (IS_ERR(wd_worker)) {
		ret = PTR_ERR(wd_worker);
		goto err_core;
	}
	sched_set_fifo(wd_worker->task);
	kthread_init_work(&wd_expire_work, wd_expire_fn);
	wd_program_work = IRQ_WORK_INIT_HARD(wd_program_fn);
	hrtimer_init(&wd_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	wd_timer.function = wd_timer_fn;
	ret = register_module_notifier(&wd_module_nb);
	if (ret)
		goto err_worker;
	wd_debugfs = debugfs_create_dir("mxrt_watchdog", NULL);
	debugfs_create_file("watchdogs", 0444, wd_debugfs, NULL, &wd_list_fops);
	debugfs_create_file("stats", 0444, wd_debugfs, NULL, &wd_stats_fops);
	pr_info("ready (expiry thread pid %d)\n", task_pid_nr(wd_worker->task));
	return 0;

err_worker:
	kthread_destroy_worker(wd_worker);
err_core:
	mxrt_wdcore_destroy(wd_core);
	return ret;
}

static void __exit mxrt_wd_exit(void)
{
	debugfs_remove_recursive(wd_debugfs);
	unregister_module_notifier(&wd_module_nb);
	/*
	 * No users remain (each holds a module reference), so nothing is armed; a lazily left timer may
	 * still fire once and queue a pass. Stop in dependency order: program_work -> timer -> worker,
	 * cancelling the timer again after the last pass could have re-armed it.
	 */
	irq_work_sync(&wd_program_work);
	hrtimer_cancel(&wd_timer);
	kthread_flush_worker(wd_worker);
	hrtimer_cancel(&wd_timer);
	kthread_destroy_worker(wd_worker);
	mxrt_wdcore_destroy(wd_core);
}

module_init(mxrt_wd_init);
module_exit(mxrt_wd_exit);
MODULE_DESCRIPTION("Operation watchdogs for drivers: lock-free start/cancel, one hrtimer, sleepable recovery");
MODULE_AUTHOR("MAX30102-RT project");
MODULE_LICENSE("GPL");
