/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by kernel/lat/lat_glue.c from tracepoint probes, debugfs handlers and a
 * work item; implemented by kernel/lat/lat_table.cpp) and user space (unit tests).
 *
 * The latency tracer's table: which tasks are tracked, and the control plane around it. It owns
 * the task states (struct mxrt_lat_task, lat_core.h) and the CPU logs, parses the control commands,
 * keeps the slots' life cycle, the pid index, the tracked thread groups and the final reports.
 *
 * Slots. Each of max_tasks slots holds one task state and goes
 *   FREE -> INIT (claimed, being set up, invisible) -> ACTIVE (tracked: its pid is in the index)
 *        -> DONE (stopped matching: exited, untracked, exec, unloaded; kept for the reports)
 *        -> FREE (clear, or evicted for a new task: only a grace period after it stopped matching,
 *                 so no probe still uses it; the oldest reported one goes first; and while a
 *                 group is tracked, by the report pass, which keeps max_tasks / 8 (1 at least)
 *                 slots free for the threads the probes add)
 * and INIT -> FREE when a command gives up a slot it claimed. A slot that was published and must
 * be taken back without a report (a failed command) is DROPPED until its grace period is over.
 *
 * The pid index (struct mxrt_lat_index) is the one structure the probes read: the glue keeps it in
 * static storage and finds a task with mxrt_lat_find(), inline: for a task that is not tracked one
 * load of its bucket, for a tracked one a second (its slot's pid, acquire). A bucket shared by
 * several tracked pids sends the probe to mxrt_lat_find_shared(), which scans the slots.
 *
 * Control commands (mxrt_lat_table_command), one per write; anything malformed fails with -EINVAL
 * and changes nothing, every command changes all it says or nothing:
 *   pid N                   track thread N. -ESRCH no such task (or it is exiting), -EEXIST
 *                           tracked already, -ENOSPC no slot (free, or finished and reported)
 *   tgid N                  track every thread of process N, and threads it creates later.
 *                           -ESRCH (also when its last thread exits meanwhile), -EINVAL (N is a
 *                           thread, not a process), -EEXIST group tracked
 *                           already, -ENOSPC (not every thread fits, or MXRT_LAT_MAX_GROUPS
 *                           groups): then no thread of it is tracked. Threads tracked already
 *                           (by pid) stay as they are and count as its.
 *   untrack N               N is a tracked group: forget it and stop tracking all its threads;
 *                           else N is a tracked thread: stop tracking it (only it). -ENOENT.
 *                           Returns once no probe records for them; their reports are printed.
 *   slo METRIC NS|off [PID] an SLO (NS > 0) for every tracked task and those tracked later, or
 *                           for tracked PID only (-ENOENT)
 *   capture on|all|off      which metrics keep traces, for every tracked task and later ones
 *   reset [PID]             zero statistics and traces (-ENOENT)
 *   clear                   forget finished tasks (their reports are printed first)
 * Numbers are decimal without sign; a pid is 1..2147483647, a bound 1..2^64-1. Tokens are
 * separated by blanks, tabs or newlines (so a trailing newline is ignored), at most four
 * tokens. A write with a NUL byte anywhere in it (also a trailing one) is -EINVAL.
 *
 * Exec: a thread that calls exec in a multi-threaded process takes over the leader's pid
 * (de_thread; the leader has exited). Its slot under the old pid stops matching (reported as
 * "exec"); if its group is tracked, the thread is tracked afresh under its new pid.
 *
 * Locks (kernel/lib/platform/platform.hpp ranks): a control mutex (LockRank::kLatControl)
 * serialises commands, reports and readers, so a slot is never reused while it is printed; the
 * table lock (LockRank::kLatTable, a raw spinlock: the fork, exec and exit probes take it with
 * preemption disabled, also on PREEMPT_RT) guards slot states, the index and the groups.
 *
 * Example (glue):
 *   static struct mxrt_lat_index lat_index;
 *   err = mxrt_lat_table_create(&lat_table, &lat_index, max_tasks, nr_cpu_ids, &layout, &host);
 *   ... in a probe: t = mxrt_lat_find(&lat_index, p->pid); if (t) mxrt_lat_wakeup(t, ...);
 */
#ifndef MXRT_LAT_TABLE_H
#define MXRT_LAT_TABLE_H

#include <lat/lat_core.h>
#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

#define MXRT_LAT_MAX_TASKS 256
#define MXRT_LAT_MAX_GROUPS 16
#define MXRT_LAT_INDEX 4096     /* buckets, over the low bits of the pid */
#define MXRT_LAT_SHARED 0xffffu /* a bucket of several tracked pids */

/* One slot as the probes see it. */
struct mxrt_lat_index_slot {
	mxrt_s32 pid; /* the tracked pid (release store when published), 0 when it does not match */
	mxrt_u32 pad;
	struct mxrt_lat_task *t; /* set at create, never changes */
};

/*
 * Written by the table (under its lock) with atomic stores; read by the probes without a lock.
 * bucket[pid & (MXRT_LAT_INDEX - 1)]: 0 = no tracked pid falls into it, k = only slot k - 1's,
 * MXRT_LAT_SHARED = several.
 */
struct mxrt_lat_index {
	mxrt_u16 bucket[MXRT_LAT_INDEX];
	mxrt_u32 nr_used;   /* slots [0, nr_used) have ever been used */
	mxrt_u32 nr_groups; /* tracked thread groups: the fork, exec and exit probes look further
			     * only when it is not 0 */
	struct mxrt_lat_index_slot slot[MXRT_LAT_MAX_TASKS];
};

/*
 * Any context: the slot of a tracked pid in a shared bucket, or NULL. Out of line, but static in
 * every file that includes it: the compiler then knows which registers it uses, and the probes'
 * fast path saves no more registers than it needs for the lookup itself.
 */
static __attribute__((__noinline__, __unused__)) const struct mxrt_lat_index_slot *
mxrt_lat_find_shared(const struct mxrt_lat_index *ix, mxrt_s32 pid)
{
	mxrt_u32 i, n = __atomic_load_n(&ix->nr_used, __ATOMIC_RELAXED);

	if (pid <= 0)
		return (const struct mxrt_lat_index_slot *)0;
	for (i = 0; i < n && i < MXRT_LAT_MAX_TASKS; i++) /* acquire: as in mxrt_lat_find_slot */
		if (__atomic_load_n(&ix->slot[i].pid, __ATOMIC_ACQUIRE) == pid)
			return &ix->slot[i];
	return (const struct mxrt_lat_index_slot *)0;
}

/*
 * Any context, lock-free: the slot of tracked pid, or NULL. Inline, as every probe of every task
 * asks. The loads are the kernel's READ_ONCE and smp_load_acquire, spelled with the compiler's
 * atomics so that this very code is what the unit tests and ThreadSanitizer check. A retired slot's
 * pid is 0 for a moment before its bucket forgets it: the idle task (pid 0) must not match it.
 */
static inline __attribute__((__always_inline__)) const struct mxrt_lat_index_slot *
mxrt_lat_find_slot(const struct mxrt_lat_index *ix, mxrt_s32 pid)
{
	mxrt_u32 b = __atomic_load_n(&ix->bucket[(mxrt_u32)pid & (MXRT_LAT_INDEX - 1)], __ATOMIC_RELAXED);
	const struct mxrt_lat_index_slot *s;

	if (__builtin_expect(b == 0, 1))
		return (const struct mxrt_lat_index_slot *)0;
	if (b == MXRT_LAT_SHARED)
		return mxrt_lat_find_shared(ix, pid);
	s = &ix->slot[b - 1];
	/* acquire: pairs with the release store of the pid when the slot is published (lat_table.cpp,
	 * PublishLocked): the task state is initialised */
	return __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) == pid && pid > 0 ? s : (const struct mxrt_lat_index_slot *)0;
}

/* Any context, lock-free: the task state of tracked pid, or NULL (mxrt_lat_find_slot). */
static inline __attribute__((__always_inline__)) struct mxrt_lat_task *
mxrt_lat_find(const struct mxrt_lat_index *ix, mxrt_s32 pid)
{
	const struct mxrt_lat_index_slot *s = mxrt_lat_find_slot(ix, pid);

	return s ? s->t : (struct mxrt_lat_task *)0;
}

/* Any context, lock-free: whether thread groups are tracked (the fork and exit probes' filter). */
static inline __attribute__((__always_inline__)) int mxrt_lat_groups_tracked(const struct mxrt_lat_index *ix)
{
	return __atomic_load_n(&ix->nr_groups, __ATOMIC_RELAXED) != 0;
}

/*
 * Where the task records keep what the table reads, as byte offsets (pid, tgid, flags: 32-bit;
 * comm: MXRT_LAT_COMM_LEN bytes) and the flag bits that say a task is exiting (PF_EXITING) or a
 * kernel thread (PF_KTHREAD: "irq/..." kernel threads are IRQ threads).
 */
struct mxrt_lat_table_layout {
	mxrt_u32 pid, tgid, comm, flags;
	mxrt_u32 pf_exiting, pf_kthread;
};

/*
 * The kernel services the table needs, from the glue.
 * visit: sleepable; calls fn(arg, task) for task `id` (group == 0) or for every thread of the
 *   process whose tgid is `id` (group != 0), all in one RCU read-side section (fn does not sleep;
 *   a task record is valid during its fn call). Returns 0, -ESRCH no such task, -EINVAL (group)
 *   id is a thread, not a process. `id` is a pid of the initial pid namespace, as the records'
 *   pid and tgid are (the glue refuses commands written from another pid namespace: -EPERM).
 * log: sleepable; one line (with its newline) into the kernel log as the module's own message
 *   (error != 0: an error, else information): final reports and refusals at load.
 */
struct mxrt_lat_host {
	int (*visit)(mxrt_s32 id, int group, void (*fn)(void *arg, const void *task), void *arg);
	void (*log)(int error, const char *line);
};

struct mxrt_lat_table;

/*
 * Sleepable. A table of max_tasks (1..MXRT_LAT_MAX_TASKS) task states and ncpus CPU logs, which
 * maintains *ix (zeroed here; it must outlive the table). 0, -EINVAL (max_tasks), -ENOMEM.
 */
int mxrt_lat_table_create(struct mxrt_lat_table **out, struct mxrt_lat_index *ix, mxrt_u32 max_tasks,
			  mxrt_u32 ncpus, const struct mxrt_lat_table_layout *layout,
			  const struct mxrt_lat_host *host) MXRT_NOEXCEPT;
/* Sleepable, no probe running any more (after mxrt_lat_table_stop and the final reports). */
void mxrt_lat_table_destroy(struct mxrt_lat_table *tb) MXRT_NOEXCEPT;
/* The CPU logs (ncpus of them; logs[cpu] for the switches of cpu), for the switch probe. */
struct mxrt_lat_cpu_log *mxrt_lat_table_logs(struct mxrt_lat_table *tb) MXRT_NOEXCEPT;

/*
 * Sleepable. One control command (see above): the len bytes at cmd, as written (no terminating NUL
 * needed; a NUL byte among them is -EINVAL). 0 or a negative errno.
 */
int mxrt_lat_table_command(struct mxrt_lat_table *tb, const char *cmd, mxrt_size len) MXRT_NOEXCEPT;

/*
 * Probes (tracepoint context, preemption disabled; may take the table lock).
 * fork: a task was created (tracked if it is a thread of a tracked group; a full table is counted).
 * exec: task (pid old_pid before the exec) called exec.
 * exit: task exits; group_dead: it is the last thread of its process (the group is forgotten).
 * exec and exit return the delay in ns after which mxrt_lat_table_report_due() should run (final
 * reports are printed in batches), or -1 when nothing is to be reported.
 */
void mxrt_lat_table_fork(struct mxrt_lat_table *tb, const void *task) MXRT_NOEXCEPT;
mxrt_s64 mxrt_lat_table_exec(struct mxrt_lat_table *tb, const void *task, mxrt_s32 old_pid) MXRT_NOEXCEPT;
mxrt_s64 mxrt_lat_table_exit(struct mxrt_lat_table *tb, const void *task, int group_dead) MXRT_NOEXCEPT;

/* Sleepable: prints the final reports that are due (one kernel log line per task). */
void mxrt_lat_table_report_due(struct mxrt_lat_table *tb) MXRT_NOEXCEPT;
/* Sleepable, probes detached: every tracked task stops (reported as "unloaded" by report_due). */
void mxrt_lat_table_stop(struct mxrt_lat_table *tb) MXRT_NOEXCEPT;

/*
 * Sleepable. The debugfs files' text, handed to emit(arg, text) in pieces (seq_puts). 0 or
 * -ENOMEM. A task shown as finished has its final report in the log.
 */
enum mxrt_lat_file { MXRT_LAT_FILE_STATUS, MXRT_LAT_FILE_TASKS, MXRT_LAT_FILE_STATS, MXRT_LAT_FILE_HIST,
		     MXRT_LAT_FILE_TRACES };
int mxrt_lat_table_show(struct mxrt_lat_table *tb, enum mxrt_lat_file what, void (*emit)(void *arg, const char *text),
			void *arg) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_LAT_TABLE_H */
