// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (mxrt_lat.ko).
 *
 * The per-PID scheduling-latency tracer: attaches to the scheduler's tracepoints from outside the
 * kernel tree (for_each_kernel_tracepoint + tracepoint_probe_register, no kernel patch) and feeds
 * the events of tracked tasks to the C++ core (kernel/lat/lat_core.cpp), which owns the metrics,
 * histograms, SLO counts and worst-case traces. This file only finds tasks, hands the core the
 * tracepoints' task pointers and a timestamp (the core reads pid, prio and comm itself, at the
 * task_struct offsets lat_init gives it) and serves debugfs.
 *
 * Probes (all run with preemption disabled, most under a runqueue lock):
 *   sched_wakeup, sched_wakeup_new  a tracked task is woken (cycle start);
 *   sched_switch                    the task's own switches, and while tracked tasks wait on a
 *                                   CPU in cycles that keep a trace (see lat_core.h) all of its
 *                                   switches: to the core, which logs those a trace wants in
 *                                   that CPU's log (who kept them waiting);
 *   sched_migrate_task              a waiting task moves to another CPU;
 *   hrtimer_start                   a tracked task arms its own sleep timer (the relief metric);
 *   sched_process_fork              threads created in a tracked thread group are tracked too;
 *   sched_process_exit              a tracked task exits: final report (printed in a batch, 100 ms
 *                                   after the last exit of a burst, at most 1 s after the first);
 *   task_rename                     a tracked task's name changes (prctl, exec): reports follow.
 *
 * Concurrency:
 *   - Finding a task is lock-free: a 4096-bucket index over pid bits says "not tracked" with one
 *     load, or names the slot to check (acquire on its pid: the slot is initialised before its pid
 *     is published); only a bucket shared by several tracked pids sends a probe to scan the slots.
 *   - Events of one task are serialised by the runqueue locks (see lat_core.h); the core takes no
 *     lock and never allocates.
 *   - lat_table_lock (raw: the fork and exit probes take it with preemption disabled, also on
 *     PREEMPT_RT) guards slot states, the filter and the group list. lat_ctl_lock (a mutex) guards
 *     control writes and every debugfs reader, so a slot is never reused while it is printed.
 *   - A slot whose task exited or was untracked keeps its data (state DONE) for the reports. It is
 *     reused only from the control path, after an RCU grace period since it stopped matching
 *     (the probes run in RCU read-side sections: preemption disabled), so no probe still uses it.
 *
 * Memory: max_tasks task states (sizeof(struct mxrt_lat_task), about 18 KiB each) and one switch
 * log per CPU (about 5 KiB) are allocated at load; the probes never allocate (reports and debugfs
 * readers take a text buffer). Tracking more tasks than that fails with ENOSPC (control) or is
 * counted as not_tracked_table_full (threads created in a tracked group).
 */
#define pr_fmt(fmt) "mxrt_lat: " fmt

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <lat/lat_core.h>

#define LAT_MAX_TASKS 256
#define LAT_MAX_GROUPS 16
#define LAT_FILTER 4096
#define LAT_TEXT (16 * 1024) /* one task's formatted trace or table, with room to spare */

static unsigned int max_tasks = 64;
module_param(max_tasks, uint, 0444);
MODULE_PARM_DESC(max_tasks, "task states preallocated at load (1..256, about 18 KiB each)");

enum lat_slot_state { LAT_FREE, LAT_INIT, LAT_ACTIVE, LAT_DONE };

struct lat_slot {
	int pid;	  /* matched by the probes; 0 once the task is no longer tracked */
	int state;	  /* enum lat_slot_state; written under lat_table_lock */
	bool reported;	  /* final report printed (lat_ctl_lock) */
	const char *why;  /* why it stopped: "exited", "untracked", "unloaded" */
	unsigned long gp; /* RCU cookie taken when it stopped matching */
	u64 since_ns, until_ns;
	struct mxrt_lat_task *t;
};

static struct lat_slot lat_slots[LAT_MAX_TASKS];
static struct mxrt_lat_task *lat_pool;
/* per CPU (nr_cpu_ids): its switches, and how many tracked tasks wait there (see lat_core.h) */
static struct mxrt_lat_cpu_log *lat_logs;
static unsigned int lat_nr_used; /* slots [0, lat_nr_used) have ever been used */
/*
 * The pid index: bucket pid & (LAT_FILTER - 1) counts the tracked pids that fall into it and names
 * the slot when there is only one (slot + 1; LAT_SHARED: several, scan the slots). Written under
 * lat_table_lock; read by the probes with one load, so a task that is not tracked costs a probe
 * one load and a tracked one one more (its slot's pid), however many tasks are tracked.
 */
#define LAT_SHARED 0xffff
struct lat_bucket {
	u16 count;
	u16 slot;
};
static struct lat_bucket lat_index[LAT_FILTER];
static int lat_groups[LAT_MAX_GROUPS]; /* tracked thread groups (tgid), 0 = free */
static unsigned int lat_nr_groups;
static u64 lat_slo[MXRT_LAT_NMETRICS]; /* SLOs given to tasks tracked from now on */
static int lat_capture = MXRT_LAT_CAPTURE_SLO; /* enum mxrt_lat_capture, for tasks tracked from now on */
static const char *const lat_capture_names[] = { "off", "on", "all" }; /* on: metrics with an SLO */
static DEFINE_RAW_SPINLOCK(lat_table_lock);
static DEFINE_MUTEX(lat_ctl_lock);
static atomic64_t lat_table_full = ATOMIC64_INIT(0);
static atomic64_t lat_evicted = ATOMIC64_INIT(0);
static void *lat_hrtimer_wakeup; /* hrtimer_wakeup(), the function of every hrtimer sleep */
static struct dentry *lat_debugfs;
static void lat_report_fn(struct work_struct *w);
/*
 * Final reports of exited tasks are printed by this work, LAT_REPORT_DELAY after the last exit of
 * a burst (each exit pushes it back), but at most LAT_REPORT_MAX_DELAY after the first exit it
 * has not reported: a process whose threads end one after the other is reported in one batch once
 * they are gone, not with a kworker wake-up and a printk (about 10 thousand instructions each)
 * between its threads' exits, and threads that keep coming and going are still reported.
 */
static DECLARE_DELAYED_WORK(lat_report_work, lat_report_fn);
#define LAT_REPORT_DELAY (HZ / 10)
#define LAT_REPORT_MAX_DELAY HZ
static bool lat_report_armed;		/* an exit is waiting for the work (lat_table_lock) */
static unsigned long lat_report_first; /* jiffies of the first such exit (lat_table_lock) */

static inline struct lat_bucket *lat_bucket(int pid)
{
	return &lat_index[(unsigned int)pid & (LAT_FILTER - 1)];
}

static noinline struct lat_slot *lat_find_shared(int pid)
{
	unsigned int i, n = READ_ONCE(lat_nr_used);

	if (pid <= 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (smp_load_acquire(&lat_slots[i].pid) == pid)
			return &lat_slots[i];
	return NULL;
}

/*
 * Any context. The tracked slot of pid, or NULL: inline, as every probe of every task asks. A
 * retired slot's pid is 0 for a moment before its bucket forgets it: the idle task (pid 0) must
 * not match it.
 */
static __always_inline struct lat_slot *lat_find(int pid)
{
	unsigned int idx = READ_ONCE(lat_bucket(pid)->slot);

	if (likely(!idx))
		return NULL;
	if (idx != LAT_SHARED) /* acquire: pairs with lat_add's release of the pid */
		return smp_load_acquire(&lat_slots[idx - 1].pid) == pid && pid > 0 ? &lat_slots[idx - 1] : NULL;
	return lat_find_shared(pid);
}

/* lat_table_lock held: the bucket's slot after its count changed. */
static void lat_bucket_update_locked(struct lat_bucket *b)
{
	unsigned int i, slot = 0;

	if (b->count > 1) {
		slot = LAT_SHARED;
	} else if (b->count == 1) {
		for (i = 0; i < lat_nr_used; i++)
			if (lat_slots[i].pid && lat_bucket(lat_slots[i].pid) == b)
				slot = i + 1;
	}
	WRITE_ONCE(b->slot, slot);
}

static bool lat_group_tracked_locked(int tgid)
{
	unsigned int i;

	for (i = 0; i < LAT_MAX_GROUPS; i++)
		if (lat_groups[i] == tgid)
			return true;
	return false;
}

static inline u64 lat_now(void)
{
	return ktime_get_mono_fast_ns(); /* CLOCK_MONOTONIC, any context, one clock for all CPUs */
}

/* ---- probes ------------------------------------------------------------------------------------ */

static void lat_probe_wakeup(void *data, struct task_struct *p)
{
	struct lat_slot *s = lat_find(p->pid);

	/* A task still on a CPU was not asleep: no cycle starts (and its own path may be running). */
	if (likely(!s) || READ_ONCE(p->on_cpu))
		return;
	/* The core reads pid, prio and comm of both tasks itself (lat_init gave it the layout). */
	mxrt_lat_wakeup(s->t, current, p, task_cpu(p), lat_now());
}

/*
 * Every switch of the system comes here: two index loads and the CPU's waiters count decide, and
 * only switches that involve a tracked task, or happen where a traced one waits, go on (into the
 * tasks' states and, if a trace wants it, the CPU's log, in one call).
 */
static void lat_probe_switch(void *data, bool preempt, struct task_struct *prev,
			     struct task_struct *next, unsigned int prev_state)
{
	struct lat_slot *sp = lat_find(prev->pid), *sn = lat_find(next->pid);
	struct mxrt_lat_cpu_log *log = &lat_logs[smp_processor_id()];

	if (likely(!sp && !sn) && !READ_ONCE(log->waiters))
		return;
	/* Voluntary: it gave up the CPU in a sleeping state (on PREEMPT_RT, also an rtlock wait). */
	mxrt_lat_switch(log, sp ? sp->t : NULL, sn ? sn->t : NULL, prev, next, lat_now(),
			!preempt && prev_state != TASK_RUNNING);
}

static void lat_probe_migrate(void *data, struct task_struct *p, int dest_cpu)
{
	struct lat_slot *s = lat_find(p->pid);

	/*
	 * Most migrations of a tracked task are of a sleeping one, placed by its wake-up: nothing to
	 * move then, and no clock to read (wait_cpu is -1 unless it waits: see lat_core.h).
	 */
	if (!s || READ_ONCE(s->t->wait_cpu) < 0)
		return;
	mxrt_lat_on_migrate(s->t, dest_cpu, lat_now());
}

static void lat_probe_hrtimer_start(void *data, struct hrtimer *timer, enum hrtimer_mode mode)
{
	struct lat_slot *s;

	if ((void *)timer->function != lat_hrtimer_wakeup ||
	    container_of(timer, struct hrtimer_sleeper, timer)->task != current)
		return;
	s = lat_find(current->pid);
	if (s)
		mxrt_lat_on_timer_arm(s->t, lat_now());
}

/* Stops matching s (lat_table_lock held). Its data stays for the reports. */
static void lat_retire_locked(struct lat_slot *s, const char *why)
{
	struct lat_bucket *b = lat_bucket(s->pid);

	b->count--;
	WRITE_ONCE(s->pid, 0);
	lat_bucket_update_locked(b);
	WRITE_ONCE(s->state, LAT_DONE);
	s->why = why;
	s->gp = get_state_synchronize_rcu();
	s->until_ns = lat_now();
}

static int lat_add(struct task_struct *p);
static void lat_report_locked(void);
static char *lat_comm(const struct lat_slot *s, char comm[MXRT_LAT_COMM_LEN]);

static void lat_probe_fork(void *data, struct task_struct *parent, struct task_struct *child)
{
	unsigned long flags;
	bool group;

	if (!READ_ONCE(lat_nr_groups) || child->pid == child->tgid) /* threads only */
		return;
	raw_spin_lock_irqsave(&lat_table_lock, flags);
	group = lat_group_tracked_locked(child->tgid);
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	if (group)
		lat_add(child); /* a full table is counted there */
}

static void lat_probe_exit(void *data, struct task_struct *p)
{
	struct lat_slot *s = lat_find(p->pid);
	unsigned long flags, deadline, delay = LAT_REPORT_DELAY;
	unsigned int i;

	if (!s && !READ_ONCE(lat_nr_groups))
		return;
	raw_spin_lock_irqsave(&lat_table_lock, flags);
	if (s && READ_ONCE(s->pid) == p->pid)
		lat_retire_locked(s, "exited");
	if (s) {
		if (!lat_report_armed) {
			lat_report_armed = true;
			lat_report_first = jiffies;
		}
		deadline = lat_report_first + LAT_REPORT_MAX_DELAY;
		if (!time_before(jiffies + delay, deadline))
			delay = time_after(deadline, jiffies) ? deadline - jiffies : 0;
	}
	/* The last thread of a tracked group: forget the group, its tgid may be reused. */
	if (atomic_read(&p->signal->live) == 0) {
		for (i = 0; i < LAT_MAX_GROUPS; i++) {
			if (lat_groups[i] == p->tgid) {
				lat_groups[i] = 0;
				WRITE_ONCE(lat_nr_groups, lat_nr_groups - 1);
			}
		}
	}
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	if (s) /* any context: the workqueue's and timers' locks are raw */
		mod_delayed_work(system_wq, &lat_report_work, delay);
}

static void lat_probe_rename(void *data, struct task_struct *p, const char *comm)
{
	struct lat_slot *s = lat_find(p->pid);

	if (s)
		mxrt_lat_set_comm(s->t, comm);
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
	{ "sched_process_fork", lat_probe_fork },
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

/* ---- tracking ---------------------------------------------------------------------------------- */

static bool lat_is_irq_thread(struct task_struct *p)
{
	return (p->flags & PF_KTHREAD) && !strncmp(p->comm, "irq/", 4);
}

/*
 * Tracks p: any context (the fork probe calls it with preemption disabled). Takes a FREE slot;
 * 0, -EEXIST if p is tracked already, -ENOSPC if no slot is free (counted).
 */
static int lat_add(struct task_struct *p)
{
	struct lat_bucket *b;
	struct lat_slot *s = NULL;
	unsigned long flags;
	unsigned int i, m;

	raw_spin_lock_irqsave(&lat_table_lock, flags);
	for (i = 0; i < max_tasks; i++) {
		if (lat_slots[i].state == LAT_FREE) {
			s = &lat_slots[i];
			s->state = LAT_INIT;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	if (!s) {
		atomic64_inc(&lat_table_full);
		return -ENOSPC;
	}
	/* Not visible to any probe: a FREE slot stopped matching at least a grace period ago. */
	mxrt_lat_task_init(s->t, p->pid, p->tgid, p->comm, lat_is_irq_thread(p), lat_capture);
	mxrt_lat_set_cpu_logs(s->t, lat_logs, nr_cpu_ids);
	for (m = 0; m < MXRT_LAT_NMETRICS; m++)
		mxrt_lat_set_slo(s->t, m, lat_slo[m]);
	s->reported = false;
	s->why = NULL;
	s->since_ns = lat_now();
	s->until_ns = 0;

	raw_spin_lock_irqsave(&lat_table_lock, flags);
	if (lat_find(p->pid)) {
		s->state = LAT_FREE;
		raw_spin_unlock_irqrestore(&lat_table_lock, flags);
		return -EEXIST;
	}
	if (i >= lat_nr_used)
		WRITE_ONCE(lat_nr_used, i + 1);
	WRITE_ONCE(s->state, LAT_ACTIVE);
	smp_store_release(&s->pid, p->pid); /* pairs with lat_find: the state above is initialised */
	b = lat_bucket(p->pid);
	b->count++;
	WRITE_ONCE(b->slot, b->count == 1 ? i + 1 : LAT_SHARED); /* no scan: once per thread created */
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	return 0;
}

/*
 * lat_ctl_lock held, sleepable. Makes `want` slots free if it can, by forgetting the oldest
 * finished tasks (their final reports were printed; counted as evicted_finished).
 */
static void lat_make_room(unsigned int want)
{
	unsigned long flags;
	unsigned int i, free;

	lat_report_locked(); /* finished tasks can be evicted once reported */
	for (;;) {
		struct lat_slot *old = NULL;

		for (i = 0, free = 0; i < max_tasks; i++) {
			free += lat_slots[i].state == LAT_FREE;
			if (lat_slots[i].state == LAT_DONE && lat_slots[i].reported &&
			    (!old || lat_slots[i].until_ns < old->until_ns))
				old = &lat_slots[i];
		}
		if (free >= want || !old)
			return;
		cond_synchronize_rcu(old->gp); /* no probe still holds it */
		mxrt_lat_detach(old->t);      /* (an exited task never waits; a detached one is done) */
		raw_spin_lock_irqsave(&lat_table_lock, flags);
		old->state = LAT_FREE;
		raw_spin_unlock_irqrestore(&lat_table_lock, flags);
		atomic64_inc(&lat_evicted);
	}
}

static struct task_struct *lat_get_task(int pid)
{
	struct task_struct *p;

	rcu_read_lock();
	p = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (p)
		get_task_struct(p);
	rcu_read_unlock();
	return p;
}

/* lat_ctl_lock held. */
static int lat_track_pid(int pid)
{
	struct task_struct *p = lat_get_task(pid);
	int err;

	if (!p)
		return -ESRCH;
	lat_make_room(1);
	err = lat_add(p);
	put_task_struct(p);
	return err;
}

/* lat_ctl_lock held. The group first, then its threads: a thread created meanwhile is added by
 * the fork probe (it is on the thread list before that probe runs). */
static int lat_track_group(int tgid)
{
	struct task_struct *p = lat_get_task(tgid), *t;
	unsigned long flags;
	unsigned int i, free = LAT_MAX_GROUPS, nfree;
	int err = 0, added = 0;

	if (!p)
		return -ESRCH;
	if (p->tgid != tgid) {
		put_task_struct(p);
		return -EINVAL; /* a thread id, not a process */
	}
	/* All its threads must fit now, or nothing is tracked (threads created later are counted). */
	lat_make_room(get_nr_threads(p));
	for (i = 0, nfree = 0; i < max_tasks; i++)
		nfree += READ_ONCE(lat_slots[i].state) == LAT_FREE;
	if (nfree < get_nr_threads(p)) {
		put_task_struct(p);
		return -ENOSPC;
	}
	raw_spin_lock_irqsave(&lat_table_lock, flags);
	for (i = 0; i < LAT_MAX_GROUPS; i++) {
		if (lat_groups[i] == tgid)
			err = -EEXIST;
		if (!lat_groups[i] && free == LAT_MAX_GROUPS)
			free = i;
	}
	if (!err && free == LAT_MAX_GROUPS)
		err = -ENOSPC;
	if (!err) {
		lat_groups[free] = tgid;
		WRITE_ONCE(lat_nr_groups, lat_nr_groups + 1);
	}
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	if (err) {
		put_task_struct(p);
		return err;
	}
	rcu_read_lock();
	for_each_thread(p, t) {
		if (lat_add(t) == -ENOSPC)
			err = -ENOSPC;
		else
			added++;
	}
	rcu_read_unlock();
	put_task_struct(p);
	if (err) /* threads created since the check above took the room */
		pr_warn("tgid %d: %d thread(s) tracked, the others did not fit (max_tasks=%u)\n", tgid,
			added, max_tasks);
	return err;
}

/* lat_ctl_lock held. Stops tracking a pid, or every thread of a tracked group. */
static int lat_untrack(int id)
{
	unsigned long flags;
	unsigned int i;
	int found = 0;

	raw_spin_lock_irqsave(&lat_table_lock, flags);
	for (i = 0; i < LAT_MAX_GROUPS; i++) {
		if (lat_groups[i] == id) {
			lat_groups[i] = 0;
			WRITE_ONCE(lat_nr_groups, lat_nr_groups - 1);
			found = 1;
		}
	}
	for (i = 0; i < lat_nr_used; i++) {
		struct lat_slot *s = &lat_slots[i];

		if (s->state == LAT_ACTIVE && (s->pid == id || (found && s->t->tgid == id))) {
			lat_retire_locked(s, "untracked");
			found = 1;
		}
	}
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	if (!found)
		return -ENOENT;
	synchronize_rcu(); /* when the write returns, no probe still records for these tasks */
	/* Their events are over: a task untracked while waiting must not keep its CPU logging. */
	for (i = 0; i < lat_nr_used; i++)
		if (lat_slots[i].state == LAT_DONE && poll_state_synchronize_rcu(lat_slots[i].gp))
			mxrt_lat_detach(lat_slots[i].t);
	lat_report_locked(); /* ... and their final reports are in the log */
	return 0;
}

/* ---- reports ----------------------------------------------------------------------------------- */

/*
 * Prints s's final report to the kernel log: one record per task (a process of many threads ends
 * with as many reports, and each printk is costly on PREEMPT_RT, where it wakes the console thread).
 */
static void lat_print_report(struct lat_slot *s, char *buf)
{
	char comm[MXRT_LAT_COMM_LEN];

	lat_comm(s, comm);
	mxrt_lat_format_summary(s->t, buf, LAT_TEXT);
	pr_info("final report: pid %d tgid %d %.16s %s after %llu ms (ns): %s\n", s->t->pid, s->t->tgid, comm,
		s->why ?: "?", (s->until_ns - s->since_ns) / 1000000, buf);
}

/* lat_ctl_lock held, sleepable. The final reports of tasks that stopped being tracked. */
static void lat_report_locked(void)
{
	char *buf = NULL;
	unsigned int i;

	for (i = 0; i < lat_nr_used; i++) {
		struct lat_slot *s = &lat_slots[i];

		if (READ_ONCE(s->state) != LAT_DONE || s->reported)
			continue;
		if (!buf)
			buf = kmalloc(LAT_TEXT, GFP_KERNEL);
		if (!buf) {
			pr_err("no memory for final reports; they stay readable in debugfs\n");
			return;
		}
		lat_print_report(s, buf);
		s->reported = true;
	}
	kfree(buf);
}

static void lat_report_fn(struct work_struct *w)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lat_table_lock, flags);
	lat_report_armed = false; /* exits from now on arm it again */
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	mutex_lock(&lat_ctl_lock);
	lat_report_locked();
	mutex_unlock(&lat_ctl_lock);
}

static bool lat_shown(const struct lat_slot *s)
{
	int st = smp_load_acquire(&s->state);

	return st == LAT_ACTIVE || st == LAT_DONE;
}

/* s's task name as one field (blanks as '_', as the core's tables print it). */
static char *lat_comm(const struct lat_slot *s, char comm[MXRT_LAT_COMM_LEN])
{
	unsigned int i;

	mxrt_lat_comm(s->t, comm);
	comm[MXRT_LAT_COMM_LEN - 1] = '\0';
	for (i = 0; comm[i]; i++)
		if (isspace(comm[i]))
			comm[i] = '_';
	return comm;
}

static const char *lat_state_name(const struct lat_slot *s)
{
	return READ_ONCE(s->state) == LAT_ACTIVE ? "tracking" : s->why ?: "done";
}

/* ---- debugfs ----------------------------------------------------------------------------------- */

static int lat_status_show(struct seq_file *f, void *unused)
{
	unsigned int i, active = 0, done = 0, m;
	u64 switches = 0;
	int cpu;

	mutex_lock(&lat_ctl_lock);
	for (i = 0; i < max_tasks; i++) {
		active += lat_slots[i].state == LAT_ACTIVE;
		done += lat_slots[i].state == LAT_DONE;
	}
	for_each_possible_cpu(cpu) /* the logs count them anyway: no counter on the event path */
		switches += READ_ONCE(lat_logs[cpu].head);
	seq_printf(f, "max_tasks: %u\ntracking: %u\nfinished: %u\nfree: %u\n", max_tasks, active,
		   done, max_tasks - active - done);
	seq_printf(f, "memory_bytes: %zu (task state %zu bytes each)\n",
		   max_tasks * sizeof(struct mxrt_lat_task) + sizeof(lat_slots) + sizeof(lat_index) +
			   nr_cpu_ids * sizeof(struct mxrt_lat_cpu_log),
		   sizeof(struct mxrt_lat_task));
	seq_puts(f, "groups:");
	for (i = 0; i < LAT_MAX_GROUPS; i++)
		if (lat_groups[i])
			seq_printf(f, " %d", lat_groups[i]);
	seq_printf(f, "\ncapture: %s%s\nslo_ns:", lat_capture_names[lat_capture],
		   lat_capture == MXRT_LAT_CAPTURE_SLO ? " (metrics with an SLO)" : "");
	for (m = 0; m < MXRT_LAT_NMETRICS; m++) {
		if (lat_slo[m])
			seq_printf(f, " %s=%llu", mxrt_lat_metric_name(m), lat_slo[m]);
		else
			seq_printf(f, " %s=-", mxrt_lat_metric_name(m));
	}
	seq_printf(f, "\nswitches_logged: %llu\nnot_tracked_table_full: %lld\nevicted_finished: %lld\n", switches,
		   atomic64_read(&lat_table_full), atomic64_read(&lat_evicted));
	seq_printf(f, "timer_sleeps: %s\n", lat_hrtimer_wakeup ? "detected (hrtimer_wakeup)" : "unknown");
	mutex_unlock(&lat_ctl_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lat_status);

static int lat_tasks_show(struct seq_file *f, void *unused)
{
	unsigned int i;

	mutex_lock(&lat_ctl_lock);
	lat_report_locked(); /* a task shown as finished has its final report in the log */
	seq_puts(f, "# pid tgid comm state irq_thread tracked_ms\n");
	for (i = 0; i < lat_nr_used; i++) {
		struct lat_slot *s = &lat_slots[i];

		if (!lat_shown(s))
			continue;
		char comm[MXRT_LAT_COMM_LEN];

		seq_printf(f, "%d %d %s %s %u %llu\n", s->t->pid, s->t->tgid, lat_comm(s, comm),
			   lat_state_name(s), s->t->is_irq_thread,
			   ((s->until_ns ?: lat_now()) - s->since_ns) / 1000000);
	}
	mutex_unlock(&lat_ctl_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lat_tasks);

enum lat_what { LAT_STATS, LAT_HIST, LAT_TRACES };

static int lat_text_show(struct seq_file *f, enum lat_what what)
{
	char *buf = kvmalloc(LAT_TEXT, GFP_KERNEL);
	struct mxrt_lat_trace *tr = NULL;
	char comm[MXRT_LAT_COMM_LEN];
	unsigned int i, m;

	if (what == LAT_TRACES)
		tr = kvmalloc(sizeof(*tr), GFP_KERNEL);
	if (!buf || (what == LAT_TRACES && !tr)) {
		kvfree(buf);
		kvfree(tr);
		return -ENOMEM;
	}
	mutex_lock(&lat_ctl_lock);
	lat_report_locked(); /* a task shown as finished has its final report in the log */
	if (what == LAT_STATS)
		seq_puts(f, "# pid tgid comm metric count min_ns max_ns avg_ns p50_ns p99_ns slo_ns violations\n");
	for (i = 0; i < lat_nr_used; i++) {
		struct lat_slot *s = &lat_slots[i];

		if (!lat_shown(s))
			continue;
		if (what == LAT_STATS) {
			mxrt_lat_format_stats(s->t, buf, LAT_TEXT);
			seq_puts(f, buf);
			continue;
		}
		for (m = 0; m < MXRT_LAT_NMETRICS; m++) {
			if (what == LAT_HIST) {
				if (!mxrt_lat_format_hist(s->t, m, buf, LAT_TEXT))
					continue;
				seq_printf(f, "# pid %d %s %s: lo_ns hi_ns count\n", s->t->pid,
					   lat_comm(s, comm), mxrt_lat_metric_name(m));
				seq_puts(f, buf);
			} else {
				if (mxrt_lat_trace_read(s->t, m, tr) || tr->n == 0)
					continue;
				mxrt_lat_format_trace(tr, buf, LAT_TEXT);
				seq_printf(f, "# pid %d %s %s worst case\n", s->t->pid, lat_comm(s, comm),
					   mxrt_lat_metric_name(m));
				seq_puts(f, buf);
			}
		}
	}
	mutex_unlock(&lat_ctl_lock);
	kvfree(tr);
	kvfree(buf);
	return 0;
}

static int lat_stats_show(struct seq_file *f, void *unused) { return lat_text_show(f, LAT_STATS); }
static int lat_hist_show(struct seq_file *f, void *unused) { return lat_text_show(f, LAT_HIST); }
static int lat_traces_show(struct seq_file *f, void *unused) { return lat_text_show(f, LAT_TRACES); }
DEFINE_SHOW_ATTRIBUTE(lat_stats);
DEFINE_SHOW_ATTRIBUTE(lat_hist);
DEFINE_SHOW_ATTRIBUTE(lat_traces);

static int lat_metric(const char *name)
{
	unsigned int m;

	for (m = 0; m < MXRT_LAT_NMETRICS; m++)
		if (!strcmp(name, mxrt_lat_metric_name(m)))
			return m;
	return -EINVAL;
}

/* "123" -> 123 (a positive pid); anything else -EINVAL */
static int lat_pid_arg(const char *s, int *pid)
{
	return kstrtoint(s, 10, pid) ?: (*pid > 0 ? 0 : -EINVAL);
}

/* "123" -> the slot of tracked pid 123; -EINVAL not a pid, -ENOENT not tracked */
static int lat_tracked_arg(const char *arg, struct lat_slot **s)
{
	int pid, err = lat_pid_arg(arg, &pid);

	if (err)
		return err;
	*s = lat_find(pid);
	return *s ? 0 : -ENOENT;
}

/*
 * One command per write (see README "Latency tracer"):
 *   pid N | tgid N | untrack N | slo METRIC NS|off [PID] | capture on|all|off | reset [PID] | clear
 * A bad command fails with EINVAL and changes nothing.
 */
static int lat_command(char *cmd)
{
	char *argv[4], *p = strim(cmd), *tok;
	int argc = 0, pid = 0, m, err;
	unsigned int i;
	u64 ns = 0;

	while ((tok = strsep(&p, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (argc == ARRAY_SIZE(argv))
			return -EINVAL;
		argv[argc++] = tok;
	}
	if (argc == 0)
		return -EINVAL;
	if (!strcmp(argv[0], "pid") && argc == 2)
		return lat_pid_arg(argv[1], &pid) ?: lat_track_pid(pid);
	if (!strcmp(argv[0], "tgid") && argc == 2)
		return lat_pid_arg(argv[1], &pid) ?: lat_track_group(pid);
	if (!strcmp(argv[0], "untrack") && argc == 2)
		return lat_pid_arg(argv[1], &pid) ?: lat_untrack(pid);
	if (!strcmp(argv[0], "capture") && argc == 2) {
		int mode = match_string(lat_capture_names, ARRAY_SIZE(lat_capture_names), argv[1]);

		if (mode < 0)
			return -EINVAL;
		lat_capture = mode;
		for (i = 0; i < lat_nr_used; i++)
			if (READ_ONCE(lat_slots[i].state) == LAT_ACTIVE)
				mxrt_lat_set_capture(lat_slots[i].t, mode);
		return 0;
	}
	if (!strcmp(argv[0], "slo") && (argc == 3 || argc == 4)) {
		m = lat_metric(argv[1]);
		if (m < 0)
			return -EINVAL;
		if (strcmp(argv[2], "off") && (kstrtou64(argv[2], 10, &ns) || ns == 0))
			return -EINVAL;
		if (argc == 4) {
			struct lat_slot *s;

			err = lat_tracked_arg(argv[3], &s);
			if (!err)
				mxrt_lat_set_slo(s->t, m, ns);
			return err;
		}
		lat_slo[m] = ns; /* tasks tracked from now on */
		for (i = 0; i < lat_nr_used; i++)
			if (READ_ONCE(lat_slots[i].state) == LAT_ACTIVE)
				mxrt_lat_set_slo(lat_slots[i].t, m, ns);
		return 0;
	}
	if (!strcmp(argv[0], "reset") && argc <= 2) {
		if (argc == 2) {
			struct lat_slot *s;

			err = lat_tracked_arg(argv[1], &s);
			if (!err)
				mxrt_lat_request_reset(s->t); /* done by the task's next event */
			return err;
		}
		for (i = 0; i < lat_nr_used; i++)
			if (READ_ONCE(lat_slots[i].state) == LAT_ACTIVE)
				mxrt_lat_request_reset(lat_slots[i].t);
		return 0;
	}
	if (!strcmp(argv[0], "clear") && argc == 1) {
		unsigned long flags;

		lat_report_locked(); /* finished tasks are reported before they are forgotten */
		synchronize_rcu();
		raw_spin_lock_irqsave(&lat_table_lock, flags);
		for (i = 0; i < lat_nr_used; i++)
			if (lat_slots[i].state == LAT_DONE && lat_slots[i].reported)
				lat_slots[i].state = LAT_FREE;
		raw_spin_unlock_irqrestore(&lat_table_lock, flags);
		return 0;
	}
	return -EINVAL;
}

static ssize_t lat_control_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[96];
	int err;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	mutex_lock(&lat_ctl_lock);
	err = lat_command(buf);
	mutex_unlock(&lat_ctl_lock);
	if (err == -ENOENT || err == -ESRCH || err == -EEXIST || err == -ENOSPC)
		pr_debug("control: %d\n", err);
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
	unsigned int i;
	int err;

	BUILD_BUG_ON(TASK_COMM_LEN != MXRT_LAT_COMM_LEN);
	BUILD_BUG_ON(sizeof(((struct task_struct *)0)->pid) != 4 || sizeof(((struct task_struct *)0)->prio) != 4);
	if (max_tasks < 1 || max_tasks > LAT_MAX_TASKS) {
		pr_err("max_tasks=%u: must be 1..%d\n", max_tasks, LAT_MAX_TASKS);
		return -EINVAL;
	}
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
	lat_pool = kvcalloc(max_tasks, sizeof(*lat_pool), GFP_KERNEL);
	lat_logs = kvmalloc_array(nr_cpu_ids, sizeof(*lat_logs), GFP_KERNEL);
	if (!lat_pool || !lat_logs) {
		kvfree(lat_pool);
		kvfree(lat_logs);
		return -ENOMEM;
	}
	mxrt_lat_cpu_logs_init(lat_logs, nr_cpu_ids);
	for (i = 0; i < max_tasks; i++)
		lat_slots[i].t = &lat_pool[i];
	for (i = 0; i < ARRAY_SIZE(lat_probes); i++) {
		err = tracepoint_probe_register(lat_probes[i].tp, lat_probes[i].fn, NULL);
		if (err) {
			pr_err("cannot attach to %s: %d\n", lat_probes[i].name, err);
			lat_unregister(i);
			kvfree(lat_pool);
			kvfree(lat_logs);
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
		ARRAY_SIZE(lat_probes), max_tasks, max_tasks * sizeof(*lat_pool) / 1024);
	return 0;
}

static void __exit lat_exit(void)
{
	unsigned long flags;
	unsigned int i;

	debugfs_remove(lat_debugfs); /* waits for open files' handlers to finish */
	lat_unregister(ARRAY_SIZE(lat_probes));
	raw_spin_lock_irqsave(&lat_table_lock, flags);
	for (i = 0; i < lat_nr_used; i++)
		if (lat_slots[i].state == LAT_ACTIVE)
			lat_retire_locked(&lat_slots[i], "unloaded");
	raw_spin_unlock_irqrestore(&lat_table_lock, flags);
	cancel_delayed_work_sync(&lat_report_work); /* no probe queues it any more */
	lat_report_fn(NULL); /* the exited tasks not reported yet, and those tracked at unload */
	kvfree(lat_pool);
	kvfree(lat_logs);
}

module_init(lat_init);
module_exit(lat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mxrt: per-PID scheduling-latency tracer (wake-up, response, relief, IRQ thread)");
