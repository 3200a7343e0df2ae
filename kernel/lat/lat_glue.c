// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (mxrt_lat.ko).
 *
 * Kernel glue of the per-PID scheduling-latency tracer: attaches to the scheduler's tracepoints
 * from outside the kernel tree (for_each_kernel_tracepoint + tracepoint_probe_register, no kernel
 * patch), hands their events to the C++ core and serves debugfs. The event logic (metrics,
 * histograms, SLO counts, worst-case traces) is in kernel/lat/lat_core.cpp; which tasks are tracked
 * (commands, slots, the pid index, thread groups, eviction, final reports) in
 * kernel/lat/lat_table.cpp. The core reads pid, prio, comm and flags from the tracepoints' task
 * pointers itself, at the offsets lat_init gives it.
 *
 * Probes (all run with preemption disabled, most under a runqueue lock):
 *   sched_wakeup, sched_wakeup_new  a tracked task is woken (cycle start);
 *   sched_switch                    the task's own switches, and while tracked tasks wait on a
 *                                   CPU in cycles that keep a trace (see lat_core.h) all of its
 *                                   switches: to the core, which logs those a trace wants in
 *                                   that CPU's log (who kept them waiting);
 *   sched_migrate_task              a waiting task moves to another CPU;
 *   hrtimer_start                   a tracked task arms its own sleep timer (the relief metric);
 *   task_newtask                    threads created in a tracked thread group are tracked too
 *                                   (every copy_process(): clone(), and the io_uring and vhost
 *                                   workers, which fire no sched_process_fork);
 *   sched_process_exec              a thread that exec'd took over its leader's pid;
 *   sched_process_exit              a tracked task exits: final report (printed in a batch by
 *                                   lat_report_work, when the table says);
 *   task_rename                     a tracked task's name changes (prctl, exec): reports follow.
 *
 * Finding a task is mxrt_lat_find() over lat_index, inline: one load for a task that is not
 * tracked. The probes run in RCU read-side sections (preemption disabled): the table reuses a
 * slot only a grace period after it stopped matching.
 */
#define pr_fmt(fmt) "mxrt_lat: " fmt

#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <lat/lat_table.h>
#include <lib/platform/param.h>

static unsigned int max_tasks = 64;
static const struct kernel_param_ops lat_uint_ops = MXRT_PARAM_STRICT_UINT_OPS; /* decimal only */
module_param_cb(max_tasks, &lat_uint_ops, &max_tasks, 0444);
MODULE_PARM_DESC(max_tasks, "task states preallocated at load (1..256, about 18 KiB each)");

/* The probes' view of the table: static, so that a lookup is one load at a fixed address. */
static struct mxrt_lat_index lat_index;
static struct mxrt_lat_table *lat_table;
/* per CPU (nr_cpu_ids): its switches, and how many tracked tasks wait there (see lat_core.h) */
static struct mxrt_lat_cpu_log *lat_logs;
static void *lat_hrtimer_wakeup; /* hrtimer_wakeup(), the function of every hrtimer sleep */
static struct dentry *lat_debugfs;
static void lat_report_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(lat_report_work, lat_report_fn);

static __always_inline struct mxrt_lat_task *lat_find(int pid)
{
	return mxrt_lat_find(&lat_index, pid);
}

static inline u64 lat_now(void)
{
	return ktime_get_mono_fast_ns(); /* CLOCK_MONOTONIC, any context, one clock for all CPUs */
}

/* The table asks for its final reports to be printed after delay_ns (< 0: nothing to report). */
static void lat_report_after(s64 delay_ns)
{
	if (delay_ns >= 0) /* any context: the workqueue's and timers' locks are raw */
		mod_delayed_work(system_wq, &lat_report_work, nsecs_to_jiffies(delay_ns));
}

static void lat_report_fn(struct work_struct *w)
{
	mxrt_lat_table_report_due(lat_table);
}

/* ---- probes ------------------------------------------------------------------------------------ */

static void lat_probe_wakeup(void *data, struct task_struct *p)
{
	struct mxrt_lat_task *t = lat_find(p->pid);

	/* A task still on a CPU was not asleep: no cycle starts (and its own path may be running). */
	if (likely(!t) || READ_ONCE(p->on_cpu))
		return;
	/* The core reads pid, prio and comm of both tasks itself (lat_init gave it the layout). */
	mxrt_lat_wakeup(t, current, p, task_cpu(p), lat_now());
}

/*
 * Every switch of the system comes here: two index loads and the CPU's waiters count decide, and
 * only switches that involve a tracked task, or happen where a traced one waits, go on (into the
 * tasks' states and, if a trace wants it, the CPU's log, in one call).
 */
static void lat_probe_switch(void *data, bool preempt, struct task_struct *prev,
			     struct task_struct *next, unsigned int prev_state)
{
	const struct mxrt_lat_index_slot *sp = mxrt_lat_find_slot(&lat_index, prev->pid);
	const struct mxrt_lat_index_slot *sn = mxrt_lat_find_slot(&lat_index, next->pid);
	struct mxrt_lat_cpu_log *log = &lat_logs[smp_processor_id()];

	/* waiters: the core's relaxed atomic adds (lat_core.cpp AddWaiter) */
	if (likely(!sp && !sn) && !READ_ONCE(log->waiters))
		return;
	/* Voluntary: it gave up the CPU in a sleeping state (on PREEMPT_RT, also an rtlock wait). */
	mxrt_lat_switch(log, sp ? sp->t : NULL, sn ? sn->t : NULL, prev, next, lat_now(),
			!preempt && prev_state != TASK_RUNNING);
}

static void lat_probe_migrate(void *data, struct task_struct *p, int dest_cpu)
{
	struct mxrt_lat_task *t = lat_find(p->pid);

	/*
	 * Most migrations of a tracked task are of a sleeping one, placed by its wake-up: nothing to
	 * move then, and no clock to read (wait_cpu is -1 unless it waits: see lat_core.h; the core
	 * writes it with relaxed atomic stores).
	 */
	if (!t || READ_ONCE(t->wait_cpu) < 0)
		return;
	mxrt_lat_on_migrate(t, dest_cpu, lat_now());
}

static void lat_probe_hrtimer_start(void *data, struct hrtimer *timer, enum hrtimer_mode mode)
{
	struct mxrt_lat_task *t;

	if ((void *)timer->function != lat_hrtimer_wakeup ||
	    container_of(timer, struct hrtimer_sleeper, timer)->task != current)
		return;
	t = lat_find(current->pid);
	if (t)
		mxrt_lat_on_timer_arm(t, lat_now());
}

static void lat_probe_newtask(void *data, struct task_struct *child, unsigned long clone_flags)
{
	/*
	 * child is on its group's thread list (copy_process fires task_newtask after it linked the
	 * task and before anything can wake it). A tgid command may be adding the
	 * group right now: it stores the group, a full fence, then walks the thread list
	 * (lat_table.cpp, TrackGroup). This barrier, between the list's store and our load of
	 * nr_groups, pairs with that fence: the walk finds child, or we see the group.
	 */
	smp_mb();
	if (mxrt_lat_groups_tracked(&lat_index))
		mxrt_lat_table_fork(lat_table, child);
}

static void lat_probe_exec(void *data, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (lat_find(old_pid) || mxrt_lat_groups_tracked(&lat_index))
		lat_report_after(mxrt_lat_table_exec(lat_table, p, old_pid));
}

static void lat_probe_exit(void *data, struct task_struct *p)
{
	/*
	 * do_exit() set PF_EXITING before this probe. A command may be publishing p right now: it
	 * stores p's pid into the index, a full fence, then loads p->flags (lat_table.cpp, Add). This
	 * barrier, between our PF_EXITING store and our index loads, pairs with that fence: either the
	 * command sees PF_EXITING and takes p back, or the lookup below finds p and the table retires
	 * it. The same for a tgid command adding p's group (TrackGroup's fence before its walk): it
	 * sees p exiting, or we see the group (and forget it with the last thread). (do_exit()'s
	 * atomic_dec_and_test(&signal->live) is a full barrier there too, but that is its business:
	 * one smp_mb() per exit does not depend on it.)
	 */
	smp_mb();
	if (lat_find(p->pid) || mxrt_lat_groups_tracked(&lat_index))
		lat_report_after(mxrt_lat_table_exit(lat_table, p, atomic_read(&p->signal->live) == 0));
}

static void lat_probe_rename(void *data, struct task_struct *p, const char *comm)
{
	struct mxrt_lat_task *t = lat_find(p->pid);

	if (t)
		mxrt_lat_set_comm(t, comm);
}

struct lat_probe {
	const char *name;
	void *fn;
	struct tracepoint *tp;
};

static struct lat_probe lat_probes[] = {
	{ "sched_wakeup", lat_probe_wakeup },
	{ "sched_wakeup_new", lat_probe_wakeup },
	{ "sched_switch", lat_probe_switch },
	{ "sched_migrate_task", lat_probe_migrate },
	{ "hrtimer_start", lat_probe_hrtimer_start },
	{ "task_newtask", lat_probe_newtask },
	{ "sched_process_exec", lat_probe_exec },
	{ "sched_process_exit", lat_probe_exit },
	{ "task_rename", lat_probe_rename },
};

static void lat_find_tp(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lat_probes); i++)
		if (!strcmp(tp->name, lat_probes[i].name))
			lat_probes[i].tp = tp;
}

/* ---- the table's kernel services --------------------------------------------------------------- */

/*
 * struct mxrt_lat_host.visit: task id, or every thread of process id, in one RCU read side. Ids are
 * pids of the initial pid namespace, as the table keeps them (task->pid, task->tgid) and every
 * file shows them; lat_control_write refuses writers that see other numbers.
 */
static int lat_visit(s32 id, int group, void (*fn)(void *arg, const void *task), void *arg)
{
	struct task_struct *p, *t;
	int err = 0;

	rcu_read_lock();
	p = pid_task(find_pid_ns(id, &init_pid_ns), PIDTYPE_PID);
	if (!p)
		err = -ESRCH;
	else if (group && p->tgid != id)
		err = -EINVAL; /* a thread id, not a process */
	else if (group)
		for_each_thread(p, t)
			fn(arg, t);
	else
		fn(arg, p);
	rcu_read_unlock();
	return err;
}

/* struct mxrt_lat_host.log */
static void lat_log(int error, const char *line)
{
	if (error)
		pr_err("%s", line);
	else
		pr_info("%s", line);
}

static const struct mxrt_lat_host lat_host = { .visit = lat_visit, .log = lat_log };

/* ---- debugfs ----------------------------------------------------------------------------------- */

static void lat_emit(void *arg, const char *text)
{
	seq_puts(arg, text);
}

static int lat_status_show(struct seq_file *f, void *unused)
{
	int err = mxrt_lat_table_show(lat_table, MXRT_LAT_FILE_STATUS, lat_emit, f);

	seq_printf(f, "timer_sleeps: %s\n", lat_hrtimer_wakeup ? "detected (hrtimer_wakeup)" : "unknown");
	return err;
}

static int lat_tasks_show(struct seq_file *f, void *unused)
{
	return mxrt_lat_table_show(lat_table, MXRT_LAT_FILE_TASKS, lat_emit, f);
}

static int lat_stats_show(struct seq_file *f, void *unused)
{
	return mxrt_lat_table_show(lat_table, MXRT_LAT_FILE_STATS, lat_emit, f);
}

static int lat_hist_show(struct seq_file *f, void *unused)
{
	return mxrt_lat_table_show(lat_table, MXRT_LAT_FILE_HIST, lat_emit, f);
}

static int lat_traces_show(struct seq_file *f, void *unused)
{
	return mxrt_lat_table_show(lat_table, MXRT_LAT_FILE_TRACES, lat_emit, f);
}

DEFINE_SHOW_ATTRIBUTE(lat_status);
DEFINE_SHOW_ATTRIBUTE(lat_tasks);
DEFINE_SHOW_ATTRIBUTE(lat_stats);
DEFINE_SHOW_ATTRIBUTE(lat_hist);
DEFINE_SHOW_ATTRIBUTE(lat_traces);

/* One command per write (docs/lat.md, kernel/lat/lat_table.h). */
static ssize_t lat_control_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[96];
	int err;

	/*
	 * The commands' pids are the initial pid namespace's (the files show those too). A writer in
	 * another pid namespace (a container) knows its tasks by other numbers: "pid 1" would name
	 * another task, so it is refused rather than tracking the wrong one.
	 */
	if (task_active_pid_ns(current) != &init_pid_ns)
		return -EPERM;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	err = mxrt_lat_table_command(lat_table, buf, len); /* all len bytes: a NUL among them is EINVAL */
	return err ?: len;
}

static const struct file_operations lat_control_fops = {
	.owner = THIS_MODULE,
	.write = lat_control_write,
	.llseek = noop_llseek,
};

/* ---- module ------------------------------------------------------------------------------------ */

/* hrtimer_wakeup is static in the kernel: take it from a sleeper we set up (and never start). */
static void lat_find_hrtimer_wakeup(void)
{
	struct hrtimer_sleeper sl;

	hrtimer_init_sleeper_on_stack(&sl, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	lat_hrtimer_wakeup = (void *)sl.timer.function;
	destroy_hrtimer_on_stack(&sl.timer);
}

static void lat_unregister(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(lat_probes[n].tp, lat_probes[n].fn, NULL);
	tracepoint_synchronize_unregister(); /* no probe runs on any CPU after this */
}

static int __init lat_init(void)
{
	const struct mxrt_lat_table_layout layout = {
		.pid = offsetof(struct task_struct, pid),
		.tgid = offsetof(struct task_struct, tgid),
		.comm = offsetof(struct task_struct, comm),
		.flags = offsetof(struct task_struct, flags),
		.pf_exiting = PF_EXITING,
		.pf_kthread = PF_KTHREAD,
	};
	unsigned int i;
	int err;

	BUILD_BUG_ON(TASK_COMM_LEN != MXRT_LAT_COMM_LEN);
	BUILD_BUG_ON(sizeof(((struct task_struct *)0)->pid) != 4 || sizeof(((struct task_struct *)0)->prio) != 4);
	BUILD_BUG_ON(sizeof(((struct task_struct *)0)->tgid) != 4 || sizeof(((struct task_struct *)0)->flags) != 4);
	for_each_kernel_tracepoint(lat_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(lat_probes); i++) {
		if (!lat_probes[i].tp) {
			pr_err("tracepoint %s not found in this kernel\n", lat_probes[i].name);
			return -ENOENT;
		}
	}
	lat_find_hrtimer_wakeup();
	mxrt_lat_set_task_layout(&(struct mxrt_lat_task_layout){
		.pid = offsetof(struct task_struct, pid),
		.prio = offsetof(struct task_struct, prio),
		.comm = offsetof(struct task_struct, comm),
	});
	err = mxrt_lat_table_create(&lat_table, &lat_index, max_tasks, nr_cpu_ids, &layout, &lat_host);
	if (err)
		return err;
	lat_logs = mxrt_lat_table_logs(lat_table);
	for (i = 0; i < ARRAY_SIZE(lat_probes); i++) {
		err = tracepoint_probe_register(lat_probes[i].tp, lat_probes[i].fn, NULL);
		if (err) {
			pr_err("cannot attach to %s: %d\n", lat_probes[i].name, err);
			lat_unregister(i);
			mxrt_lat_table_destroy(lat_table);
			return err;
		}
	}
	lat_debugfs = debugfs_create_dir("mxrt_lat", NULL);
	debugfs_create_file("control", 0200, lat_debugfs, NULL, &lat_control_fops);
	debugfs_create_file("status", 0444, lat_debugfs, NULL, &lat_status_fops);
	debugfs_create_file("tasks", 0444, lat_debugfs, NULL, &lat_tasks_fops);
	debugfs_create_file("stats", 0444, lat_debugfs, NULL, &lat_stats_fops);
	debugfs_create_file("hist", 0444, lat_debugfs, NULL, &lat_hist_fops);
	debugfs_create_file("traces", 0444, lat_debugfs, NULL, &lat_traces_fops);
	pr_info("attached to %zu tracepoints (sched, hrtimer, task); %u task slots (%zu KiB)\n",
		ARRAY_SIZE(lat_probes), max_tasks, max_tasks * sizeof(struct mxrt_lat_task) / 1024);
	return 0;
}

static void __exit lat_exit(void)
{
	debugfs_remove(lat_debugfs); /* waits for open files' handlers to finish */
	lat_unregister(ARRAY_SIZE(lat_probes));
	mxrt_lat_table_stop(lat_table);
	cancel_delayed_work_sync(&lat_report_work); /* no probe queues it any more */
	mxrt_lat_table_report_due(lat_table); /* the exited tasks not reported yet, and those tracked at unload */
	mxrt_lat_table_destroy(lat_table);
}

module_init(lat_init);
module_exit(lat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mxrt: per-PID scheduling-latency tracer (wake-up, response, relief, IRQ thread)");
