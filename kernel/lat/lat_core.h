/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called from the scheduling-latency tracer's C shim, in tracepoint context and from
 * debugfs/sysfs handlers; implemented by kernel/lat/lat_core.cpp) and user space (unit tests).
 *
 * The pure logic of a per-PID scheduling-latency tracer. The shim attaches to sched_wakeup,
 * sched_switch and hrtimer_start (timers whose function is hrtimer_wakeup, armed by the task itself)
 * and hands each event to the core in one call with the tracepoint's task pointers: the core reads
 * their pid, prio and comm itself, at offsets the shim measured (mxrt_lat_set_task_layout), so
 * nothing is copied until it goes into a log or a trace. The core reads no clock and takes no lock:
 * every timestamp comes in with the event (the same clock for all events of one task).
 *
 * Metrics (all in ns; a "cycle" runs from a wakeup of the sleeping task to its next voluntary sleep):
 *   MXRT_LAT_WAKEUP     wakeup -> the switch where the task is next. A wakeup while the task is
 *                       already waiting, running or preempted (ttwu of a runnable task also fires
 *                       sched_wakeup) does not restart the cycle; it is only recorded in the trace.
 *   MXRT_LAT_RESPONSE   wakeup -> the first switch where the task is prev and voluntary (it went to
 *                       sleep). Preemptions in between do not end it.
 *   MXRT_LAT_RELIEF     for control loops that sleep on an hrtimer: from the wakeup that started the
 *                       first cycle after the previous timer sleep (or the first cycle seen) to the
 *                       next voluntary sleep that follows mxrt_lat_on_timer_arm(). Sleeps without a
 *                       timer arm (a mutex, a read) in between do not end it; the start is kept.
 *                       The timer arm counts until the next voluntary sleep (deviation from "since
 *                       the last switch-in": a task can be preempted between arming and sleeping).
 *   MXRT_LAT_IRQTHREAD  only for is_irq_thread tasks: the on-CPU time of a cycle, i.e. the sum of the
 *                       run intervals from wakeup to voluntary sleep, without the preempted time.
 *
 * Each completed value adds to the metric's count/min/max/sum and log2 histogram (the project's one
 * histogram, kernel/lib/hist/log2_hist.h: bucket k holds [2^k, 2^(k+1)) ns, bucket 0 also 0 and 1,
 * the last bucket everything above), and counts a violation when slo_ns != 0 and value > slo_ns
 * (equal is not a violation). min_ns is ~0 while count == 0.
 *
 * Traces. Whether a cycle keeps a trace is decided at its wake-up: it does when the task's capture
 * covers some metric then (MXRT_LAT_CAPTURE_SLO, the default: an SLO is set on a metric;
 * MXRT_LAT_CAPTURE_ALL: always). A relief period keeps one when all its cycles did. Only those
 * cost copies: a cycle that keeps none (no SLO set, capture off) updates statistics only, and its
 * switches go into no log. A traced cycle keeps its own wake-ups and timer arms (`cur` for the
 * cycle, `relief_cur` for the relief period, from its start) and the stretches of time it spent on
 * each CPU from its wake-up to its sleep, and counts in the waiters of the CPU it waits on. The
 * switches handed over go into their CPU's log (struct mxrt_lat_cpu_log, a ring whose newest 63
 * entries are readable) when the running cycle of prev or next is traced or the log has waiters.
 * When capture covers the metric at its completion and a value of a traced cycle is the first or a
 * new maximum (strictly larger) of its metric, the trace that produced it is put together from
 * those and the switches of that time in the CPUs' logs (its own and everybody else's, e.g. the
 * hog that kept it off the CPU), newest first when they do not fit, and published into worst[m]
 * with value, start and end. So an SLO or capture set mid-cycle traces from the next cycle on (the
 * next relief period for relief). A full `cur` counts further events in `dropped`. Without logs
 * (mxrt_lat_set_cpu_logs not called) traces hold only the wake-ups and timer arms.
 *
 * Which switches the shim must hand over: every switch where a tracked task is prev or next, and
 * every switch on a CPU whose log has waiters != 0 (a traced task is runnable there but not on the
 * CPU: woken, or preempted). The core keeps that count up to date; the cost per switch does not
 * depend on how many tracked tasks wait on a CPU.
 *
 * Concurrency:
 *   - Event calls for one task are serialised by the caller: the runqueue lock of the task's CPU
 *     orders its wakeups and switches, and a CPU's switches (the only writers of its log) run under
 *     its runqueue lock. When a waiting task migrates, the shim calls mxrt_lat_on_migrate() under the
 *     old CPU's runqueue lock (sched_migrate_task). The waiters counts are atomic (wakers and
 *     migrations change them from other CPUs). Event calls take no lock, never allocate, and are
 *     O(1) apart from fixed-size copies (at most one trace, 2.3 KiB, when a new maximum is published).
 *   - Readers (mxrt_lat_stat_read, mxrt_lat_trace_read, mxrt_lat_format_*, mxrt_lat_waiting) may run
 *     at any time on any CPU, concurrently with events. Statistics are single-writer words written
 *     with atomic stores; worst[] is protected by a sequence count per metric.
 *   - mxrt_lat_set_slo, mxrt_lat_set_capture and mxrt_lat_request_reset may race with events.
 *   - mxrt_lat_task_init, mxrt_lat_set_cpu_logs, mxrt_lat_detach and mxrt_lat_reset must not run
 *     concurrently with events for the task.
 *
 * The struct is about 18 KiB: the shim allocates it before it registers the probes for the PID and
 * reuses it only a grace period after it stopped matching.
 *
 * Example (shim, sched_switch probe, under the runqueue lock):
 *   sp = tracked(prev), sn = tracked(next), log = &logs[cpu];
 *   if (sp || sn || READ_ONCE(log->waiters))
 *           mxrt_lat_switch(log, sp, sn, prev, next, now, voluntary);
 */
#ifndef MXRT_LAT_CORE_H
#define MXRT_LAT_CORE_H

#include <lib/abi.h>
#include <lib/hist/log2_hist.h>

MXRT_EXTERN_C_BEGIN

enum mxrt_lat_metric {
	MXRT_LAT_WAKEUP = 0,
	MXRT_LAT_RESPONSE,
	MXRT_LAT_RELIEF,
	MXRT_LAT_IRQTHREAD,
	MXRT_LAT_NMETRICS
};

#define MXRT_LAT_HIST_BUCKETS MXRT_LOG2_BUCKETS /* bucket k: [2^k, 2^(k+1)) ns; bucket 0 also 0, 1 */
#define MXRT_LAT_COMM_LEN 16

/* Fields are written with relaxed atomic stores (count with a release store, last). */
struct mxrt_lat_stat {
	mxrt_u64 count, min_ns, max_ns, sum_ns;
	mxrt_u64 slo_ns;     /* 0 = no SLO */
	mxrt_u64 violations; /* values > slo_ns */
	mxrt_u64 hist[MXRT_LAT_HIST_BUCKETS];
};

/*
 * Where the caller's task records (the kernel's struct task_struct) keep what an event needs, as
 * byte offsets: pid (s32), prio (s32) and comm (MXRT_LAT_COMM_LEN bytes, need not be
 * NUL-terminated). The records are read during the event call only.
 */
struct mxrt_lat_task_layout {
	mxrt_u32 pid, prio, comm;
};

enum mxrt_lat_ev_type {
	MXRT_LAT_EV_WAKEUP,    /* prev_* = the waker, next_* = the woken task */
	MXRT_LAT_EV_SWITCH,    /* a context switch on ev->cpu */
	MXRT_LAT_EV_TIMER_ARM, /* prev_* = the task that armed its sleep timer (filled by the core) */
};

/* 72 bytes, no implicit padding (the core copies traces as 64-bit words). */
struct mxrt_lat_event {
	mxrt_u64 ts_ns;
	mxrt_u32 type; /* enum mxrt_lat_ev_type */
	mxrt_u32 cpu;
	mxrt_s32 prev_pid, next_pid, prev_prio, next_prio;
	mxrt_u32 prev_state; /* switches: 0 = preempted (still runnable), 1 = voluntary sleep */
	mxrt_u32 pad;
	char prev_comm[MXRT_LAT_COMM_LEN], next_comm[MXRT_LAT_COMM_LEN];
};

#define MXRT_LAT_TRACE_EVENTS 32
struct mxrt_lat_trace {
	mxrt_u64 value_ns, start_ns, end_ns; /* set when published into worst[] */
	mxrt_u32 n;                          /* valid events in ev[] */
	mxrt_u32 dropped;                    /* events that did not fit */
	struct mxrt_lat_event ev[MXRT_LAT_TRACE_EVENTS];
};

/*
 * The switches of one CPU, for the traces (see mxrt_lat_set_cpu_logs): a ring of the newest
 * MXRT_LAT_CPU_LOG_EVENTS. A reader copies an entry and then checks head: the copy is whole if the
 * writer has not started the entry that replaces it. Set up with mxrt_lat_cpu_logs_init.
 */
#define MXRT_LAT_CPU_LOG_EVENTS 64
struct mxrt_lat_cpu_log {
	mxrt_u64 head; /* events ever added */
	mxrt_u32 cpu;  /* set by mxrt_lat_cpu_logs_init */
	mxrt_u32 pad;
	struct mxrt_lat_event ev[MXRT_LAT_CPU_LOG_EVENTS];
	/*
	 * Tracked tasks runnable on this CPU but not on it (woken, or preempted) in a cycle that
	 * keeps a trace: while not 0 the shim hands over every switch of this CPU. Kept by the core
	 * with atomic adds (wakers and migrations change it from other CPUs), in a cache line of its
	 * own; read it with READ_ONCE.
	 */
	mxrt_u64 waiters __attribute__((aligned(64)));
};

/*
 * A stretch of time the task spent on a CPU, from its wake-up (or a migration there) to its sleep
 * (or the next migration), for drawing that CPU's switches into a trace. A task keeps the newest
 * MXRT_LAT_WAITS (a power of 2) in a ring shared by its cycles and relief periods.
 */
#define MXRT_LAT_WAITS 16
struct mxrt_lat_wait {
	mxrt_u64 from_ns, to_ns; /* to_ns = ~0 while it lasts */
	mxrt_u32 cpu, pad;
};

/* Which metrics publish worst-case traces (mxrt_lat_task.capture). */
enum mxrt_lat_capture {
	MXRT_LAT_CAPTURE_OFF = 0,
	MXRT_LAT_CAPTURE_SLO, /* metrics with an SLO: the traces that explain violations */
	MXRT_LAT_CAPTURE_ALL, /* every metric */
};

/* Scheduling state of the task as the core has seen it (mxrt_lat_task.state). */
enum mxrt_lat_state {
	MXRT_LAT_ST_SLEEPING = 0, /* asleep, or not seen yet */
	MXRT_LAT_ST_WAITING,      /* woken, not yet on a CPU */
	MXRT_LAT_ST_RUNNING,      /* on a CPU */
	MXRT_LAT_ST_PREEMPTED,    /* runnable, switched out involuntarily */
};

struct mxrt_lat_task {
	/* identity: written by mxrt_lat_task_init; comm also by mxrt_lat_set_comm (atomic words) */
	mxrt_s32 pid, tgid;
	char comm[MXRT_LAT_COMM_LEN];
	mxrt_u32 is_irq_thread;
	/* settings, any context (atomic) */
	mxrt_u32 capture;   /* enum mxrt_lat_capture: which metrics publish worst-case traces */
	mxrt_u32 reset_req; /* bumped by mxrt_lat_request_reset */
	/* read by the shim from other CPUs (atomic), written by events */
	mxrt_u32 state;    /* enum mxrt_lat_state */
	mxrt_s32 wait_cpu; /* CPU the task waits on (WAITING/PREEMPTED), else -1: always equal to
			    * mxrt_lat_wait_cpu(t), so a hot caller may read it directly (atomic) */
	/* per-cycle state, private to the serialised event calls */
	mxrt_u32 reset_done;
	mxrt_u32 in_cycle, wakeup_pending, relief_active, timer_armed;
	mxrt_u32 last_cpu;    /* CPU of the task's last own switch (for timer-arm events) */
	mxrt_s32 last_prio;   /* its prio there */
	mxrt_u32 worst_valid; /* bit m: worst[m] holds a capture */
	mxrt_u32 cyc_traced;    /* the running cycle keeps a trace (capture wanted one at its wake-up) */
	mxrt_u32 relief_traced; /* so did every cycle of the running relief period */
	mxrt_s32 waiter_cpu;    /* the log whose waiters count holds t, or -1 */
	mxrt_u64 wake_ts, relief_start_ts, run_start_ts, run_ns;
	/* sequence counts (odd while written): stat_seq for resets of stat[], worst_seq[m] for worst[m] */
	mxrt_u64 stat_seq;
	mxrt_u64 worst_seq[MXRT_LAT_NMETRICS];
	struct mxrt_lat_stat stat[MXRT_LAT_NMETRICS];
	struct mxrt_lat_trace cur;        /* the running cycle, private to events */
	struct mxrt_lat_trace relief_cur; /* the running relief period, private to events */
	struct mxrt_lat_trace worst[MXRT_LAT_NMETRICS];
	/* with CPU logs (mxrt_lat_set_cpu_logs): where the cycle and the relief period waited */
	struct mxrt_lat_cpu_log *logs;
	mxrt_u32 nlogs, pad2;
	mxrt_u64 nwaits;		   /* stretches ever opened: waits[nwaits % MXRT_LAT_WAITS] is next */
	mxrt_u64 cyc_first, relief_first; /* the first stretch of the running cycle / relief period */
	struct mxrt_lat_wait waits[MXRT_LAT_WAITS];
	struct mxrt_lat_trace scratch; /* a trace being put together for publishing */
};

/*
 * Once, before any event (all tasks share it): where the task records keep pid, prio and comm.
 */
void mxrt_lat_set_task_layout(const struct mxrt_lat_task_layout *layout) MXRT_NOEXCEPT;
/* Before use: zeroes logs[0..n) and numbers them (logs[i] is CPU i's). */
void mxrt_lat_cpu_logs_init(struct mxrt_lat_cpu_log *logs, mxrt_u32 n) MXRT_NOEXCEPT;
/*
 * Not concurrently with events for t (after mxrt_lat_task_init, before t is visible). t's traces
 * draw its switches, and those of whoever kept it waiting, from logs[cpu] (ncpus entries, the
 * ones mxrt_lat_switch writes), read only when a new worst case is published; t counts in
 * logs[cpu].waiters while it waits on cpu in a traced cycle. A wait that saw more switches than a log holds keeps
 * the newest; the rest count as dropped.
 */
void mxrt_lat_set_cpu_logs(struct mxrt_lat_task *t, struct mxrt_lat_cpu_log *logs,
			   mxrt_u32 ncpus) MXRT_NOEXCEPT;
/*
 * Not concurrently with events for t: no more events will come for it (the shim stopped matching
 * it a grace period ago). If it was waiting, its CPU's waiters count drops it. Statistics and
 * traces stay readable.
 */
void mxrt_lat_detach(struct mxrt_lat_task *t) MXRT_NOEXCEPT;

/*
 * Any context, not concurrently with events for t. Zeroes everything, copies comm (truncated to 15
 * characters), no SLOs. is_irq_thread enables MXRT_LAT_IRQTHREAD; capture (enum mxrt_lat_capture;
 * other values count as MXRT_LAT_CAPTURE_ALL) says which metrics keep worst[] traces.
 */
void mxrt_lat_task_init(struct mxrt_lat_task *t, mxrt_s32 pid, mxrt_s32 tgid, const char *comm,
			int is_irq_thread, int capture) MXRT_NOEXCEPT;
/* Any context, may race with events and readers: the task was renamed (prctl, exec). Truncated to
 * 15 characters; a reader sees each 8-byte half of the name whole. Read it with mxrt_lat_comm. */
void mxrt_lat_set_comm(struct mxrt_lat_task *t, const char *comm) MXRT_NOEXCEPT;
/* Any context: copies t's comm (16 bytes, NUL-padded) to out. */
void mxrt_lat_comm(const struct mxrt_lat_task *t, char out[MXRT_LAT_COMM_LEN]) MXRT_NOEXCEPT;
/* Any context, may race with events (the next completed value uses it). 0 = no SLO. */
void mxrt_lat_set_slo(struct mxrt_lat_task *t, enum mxrt_lat_metric m, mxrt_u64 ns) MXRT_NOEXCEPT;
/* Any context, may race with events: enum mxrt_lat_capture, from the next completed value on. */
void mxrt_lat_set_capture(struct mxrt_lat_task *t, int capture) MXRT_NOEXCEPT;
/*
 * Zeroes statistics and traces and abandons the running cycle and relief period (the next wakeup
 * starts new ones); keeps SLOs, capture, identity and the scheduling state. mxrt_lat_reset does it
 * now and must be serialised with events (probes detached, or from the event path); readers may run.
 * mxrt_lat_request_reset may be called from any context: the next event call for t does the reset.
 */
void mxrt_lat_reset(struct mxrt_lat_task *t) MXRT_NOEXCEPT;
void mxrt_lat_request_reset(struct mxrt_lat_task *t) MXRT_NOEXCEPT;

/*
 * Events: tracepoint context, serialised per task (see above). No locks, no allocation. Task
 * records (waker, woken, prev, next) are read with the layout of mxrt_lat_set_task_layout.
 * mxrt_lat_wakeup: t (record `woken`) was woken onto cpu by `waker`.
 * mxrt_lat_switch: a switch from prev to next (never the same task) on log->cpu. prev_t/next_t are
 *   the tracked states of prev/next (the caller matched them), or NULL for tasks not tracked (both
 *   NULL: a switch on a CPU where traced tasks wait). It goes into the log if a trace wants it.
 *   voluntary: prev went to sleep (else it was preempted, still runnable).
 * mxrt_lat_on_timer_arm: t armed an hrtimer sleep (hrtimer_wakeup): its next voluntary sleep is a
 *   timer sleep.
 * mxrt_lat_on_migrate: a waiting/preempted t was moved to new_cpu before it ran.
 */
void mxrt_lat_wakeup(struct mxrt_lat_task *t, const void *waker, const void *woken, mxrt_u32 cpu,
		     mxrt_u64 ts_ns) MXRT_NOEXCEPT;
void mxrt_lat_switch(struct mxrt_lat_cpu_log *log, struct mxrt_lat_task *prev_t, struct mxrt_lat_task *next_t,
		     const void *prev, const void *next, mxrt_u64 ts_ns, int voluntary) MXRT_NOEXCEPT;
void mxrt_lat_on_timer_arm(struct mxrt_lat_task *t, mxrt_u64 ts_ns) MXRT_NOEXCEPT;
void mxrt_lat_on_migrate(struct mxrt_lat_task *t, mxrt_u32 new_cpu, mxrt_u64 ts_ns) MXRT_NOEXCEPT;

/*
 * Any context. 1 while t is runnable but not on a CPU: between a wakeup and its switch-in, and also
 * while preempted (the switches that keep it off the CPU then belong in the trace too), else 0.
 */
int mxrt_lat_waiting(const struct mxrt_lat_task *t) MXRT_NOEXCEPT;
/* Any context. The CPU t waits on while mxrt_lat_waiting(t), else -1. */
mxrt_s32 mxrt_lat_wait_cpu(const struct mxrt_lat_task *t) MXRT_NOEXCEPT;

/*
 * Readers: any context, concurrently with events.
 * stat_read: an atomic-word snapshot; count is read first, so min <= max whenever count > 0 and
 * the other fields are at least as recent as count (sum and hist may include a few later values).
 * A snapshot never mixes values from before and after a reset: it retries, up to a bound, and
 * when every attempt overlapped a reset it answers the empty statistics that reset left (count 0,
 * min_ns all ones, slo_ns kept), a state the metric had during the call.
 */
void mxrt_lat_stat_read(const struct mxrt_lat_task *t, enum mxrt_lat_metric m,
			struct mxrt_lat_stat *out) MXRT_NOEXCEPT;
/* A consistent copy of worst[m]; 0, or -MXRT_EAGAIN if it kept changing, -MXRT_EINVAL for a bad m.
 * out->n == 0 means nothing was captured. */
int mxrt_lat_trace_read(const struct mxrt_lat_task *t, enum mxrt_lat_metric m,
			struct mxrt_lat_trace *out) MXRT_NOEXCEPT;
/* The permille-th value (500 = the median, 990 = p99, 1000 = the maximum), estimated from the
 * histogram as log2_hist.h says: interpolated inside its bucket and never outside [min_ns, max_ns].
 * 0 if the histogram is empty. Reads s with atomic loads. */
mxrt_u64 mxrt_lat_stat_permille(const struct mxrt_lat_stat *s, mxrt_u32 permille) MXRT_NOEXCEPT;
/* "wakeup", "response", "relief", "irqthread"; "?" for anything else. */
const char *mxrt_lat_metric_name(enum mxrt_lat_metric m) MXRT_NOEXCEPT;

/*
 * Text for debugfs/sysfs. Like snprintf but returns the bytes written (not counting the NUL), never
 * writes more than len bytes, NUL-terminates when len > 0, and writes only complete lines: a line
 * that does not fit ends the output. Numbers are decimal ns; comms print with blanks as '_' and
 * other non-printable bytes as '?'.
 *
 * format_stats: one line per metric:
 *   "pid tgid comm metric count min max avg p50 p99 slo violations"
 *   min, avg, p50, p99 are "-" while count == 0; slo is "-" when none is set.
 * format_hist: one line per non-empty bucket, "lo_ns hi_ns count" for [lo, hi); the last bucket
 *   prints hi as 18446744073709551615 (it also holds everything larger).
 * format_trace: "value_ns=V start_ns=S end_ns=E events=N dropped=D", then per event
 *   "+offset_ns cpu type prev_comm/pid/prio [preempt|sleep] -> next_comm/pid/prio" (offset from
 *   start_ns, "-" prefix for events before it); type is wakeup, switch or timer; timer lines show
 *   only the task ("+off cpu timer comm/pid/prio"). About 150 bytes per event line.
 */
mxrt_size mxrt_lat_format_stats(const struct mxrt_lat_task *t, char *buf, mxrt_size len) MXRT_NOEXCEPT;
/*
 * format_summary: the statistics as one line without a newline, for a final report in the kernel
 * log (one record per task):
 *   "wakeup n=C min=.. avg=.. p50=.. p99=.. max=.. slo=S viol=V; response ...; relief ..."
 *   min..max only when n > 0, slo and viol only with an SLO; irqthread only for IRQ threads. A
 *   metric that does not fit is left out with all that follows.
 */
mxrt_size mxrt_lat_format_summary(const struct mxrt_lat_task *t, char *buf, mxrt_size len) MXRT_NOEXCEPT;
mxrt_size mxrt_lat_format_hist(const struct mxrt_lat_task *t, enum mxrt_lat_metric m, char *buf,
			       mxrt_size len) MXRT_NOEXCEPT;
mxrt_size mxrt_lat_format_trace(const struct mxrt_lat_trace *tr, char *buf, mxrt_size len) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_LAT_CORE_H */
